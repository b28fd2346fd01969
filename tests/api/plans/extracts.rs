//! The parts of a plan for others: the school's extract (P3), the child's
//! own part (P5), and the shielded address in both (P8).

use trygg::accounts::Role;

use crate::cases::{add_child, person_ids};

use super::{approve, five_parties, in_days, link_to, setup};

#[tokio::test]
async fn the_school_extract_tells_the_school_only_what_it_needs() {
    // P3
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    let mut changes = five_parties(&fear, &threat);
    changes.extend([
        ("measure_3_text", "Lar ikke barnet gå med andre enn mor."),
        ("measure_3_party", "school"),
        ("measure_3_answers", threat.as_str()),
        ("school_safe_to_start", "after_measures"),
        ("school_required_first", "Skolen kjenner planen."),
        ("school_contributes", "Fast voksen i friminuttene."),
        (
            "school_if_perpetrator_comes",
            "Tar barnet inn og ringer politiet.",
        ),
        ("school_safest_places", "Biblioteket."),
        ("school_riskiest_places", "Porten mot parkeringsplassen."),
        ("school_outside_centre", "Mor følger til og fra skolen."),
        ("police_contacted_on", "20.11.2026"),
        ("police_agreed", "Patruljering ved skolen."),
        ("school_may_collect", "Mor, Kari."),
        ("school_may_not_collect", "Far, Ola, og hans familie."),
        ("school_whom_to_call", "Ring 112 hvis far kommer."),
        ("child_if_frightening", "Gå inn til en lærer."),
    ]);
    changes.retain(|(k, _)| *k != "action");
    changes.push(("action", "submit"));
    let sent = s.save(&child, &form, &changes).await;
    assert_eq!(sent.status, 303, "{}", sent.body);

    // Issue 18: a plan not yet approved has no extract: it may still change.
    let school = format!("{}/versions/1/school", s.plan(&child));
    let refused = s.browser.get(&school).await;
    assert_eq!(
        refused.location(),
        format!(
            "{}/versions/1?melding=utdrag-krever-godkjent",
            s.plan(&child)
        )
    );
    let version = s.browser.get(refused.location()).await;
    assert!(
        version
            .body
            .contains("kan bare skrives ut fra den gjeldende, godkjente versjonen")
    );
    assert!(!version.body.contains(&format!("href=\"{school}\"")));
    approve(&mut s, 1).await;
    // Without a number set, staff are told before they print.
    let unnumbered = s.browser.get(&school).await;
    assert!(unnumbered.body.contains("id=\"no-school-phone\""));
    // The number to call is the centre's, never its name.
    sqlx::query("UPDATE centres SET school_phone = '22 00 00 00' WHERE id = $1")
        .bind(s.centre.id)
        .execute(&s.app.db)
        .await
        .unwrap();

    let extract = s.browser.get(&school).await;
    assert_eq!(extract.status, 200);
    assert!(!extract.body.contains("id=\"no-school-phone\""));
    // The browser's header and footer would print where Trygg runs.
    assert!(
        extract
            .html()
            .select(&crate::helpers::selector("#print-hint.no-print"))
            .next()
            .is_some()
    );
    for wanted in [
        "Mor, Kari.",
        "Far, Ola, og hans familie.",
        "Ring 112 hvis far kommer.",
        "ring 22 00 00 00",
        "barneloven § 47",
        "Taushetsbelagt",
        "Makuler det når barnet slutter",
        "Ja, når tiltakene under er på plass",
        "Skolen kjenner planen.",
        "Fast voksen i friminuttene.",
        "Tar barnet inn og ringer politiet.",
        "Biblioteket.",
        "Mor følger til og fra skolen.",
        "Lar ikke barnet gå med andre enn mor.",
    ] {
        assert!(extract.body.contains(wanted), "{wanted}");
    }
    // Never the mapping, the other parties' measures, the police record, or
    // where the centre is.
    for unwanted in [
        "At pappa står utenfor skolen.",
        "Trussel",
        "Går sammen med mamma til skolen.",
        "Snakker med barnet hver uke.",
        "Patruljering ved skolen.",
        "Skjermet adresse",
        "Kari Eksempelsen",
        // The riskiest places only when the author chose so.
        "Porten mot parkeringsplassen.",
    ] {
        assert!(!extract.body.contains(unwanted), "{unwanted}");
    }
    let main = extract.text("main").unwrap().to_lowercase();
    assert!(!main.contains("krisesenter"), "the centre is never named");
    assert!(!main.contains("utkast"));

    // An older approved version is not the plan in force: no extract.
    let form = s.open_plan(&child).await;
    let sent = s.save(&child, &form, &[("action", "submit")]).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    approve(&mut s, 2).await;
    let older = s.browser.get(&school).await;
    assert_eq!(
        older.location(),
        format!(
            "{}/versions/1?melding=utdrag-krever-godkjent",
            s.plan(&child)
        )
    );
    let newer = format!("{}/versions/2/school", s.plan(&child));
    assert_eq!(s.browser.get(&newer).await.status, 200);

    // Issue 18: the family's copy: each party's measures and the school's
    // part, none of what is internal.
    let family = s
        .browser
        .get(&format!("{}/versions/1/family", s.plan(&child)))
        .await;
    assert_eq!(family.status, 200);
    let family = family.text("main").unwrap();
    for wanted in [
        "Går sammen med mamma til skolen.",
        "Følger barnet til og fra skolen.",
        "Lar ikke barnet gå med andre enn mor.",
        "Porten mot parkeringsplassen.",
        "Mor, Kari.",
        "116 111",
    ] {
        assert!(family.contains(wanted), "{wanted}");
    }
    for internal in [
        "Svarer på",
        "At pappa står utenfor skolen.",
        "Patruljering ved skolen.",
        "Dette må vurderes",
        "Vurderinger fra koordinator",
        "Trussel",
        &s.staff.name,
    ] {
        assert!(!family.contains(internal), "{internal}");
    }
    // An adult's plan has no school extract.
    let resident = s.resident.clone();
    s.complete_mapping(&resident, "Ny vold.", "moderate", "no")
        .await;
    s.open_plan(&resident).await;
    let none = s
        .browser
        .get(&format!("{}/versions/1/school", s.plan(&resident)))
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn a_child_of_school_age_has_a_short_part_of_its_own() {
    // P5
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    assert!(
        form.body
            .contains("Hva kan jeg gjøre? (på skoleveien, på skolen, med venner)")
    );
    assert!(
        !form
            .body
            .contains("Hva sier jeg hvis noen spør hvor jeg bor?"),
        "the shielded-address question is for centres with one (P8)"
    );
    let long = "Jeg går. ".repeat(40);
    let refused = s
        .save(
            &child,
            &form,
            &[("child_can_do", long.trim()), ("action", "save")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("child_can_do-error"));
    assert!(refused.body.contains("høyst 250 er tillatt"));

    // Submitting needs what the child does if something frightening happens.
    let refused = s
        .save(
            &child,
            &refused,
            &[
                ("child_can_do", "Gå sammen med mamma."),
                ("measure_0_text", "Følger barnet."),
                ("measure_0_party", "parent"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("child_if_frightening-error"));
    let sent = s
        .save(
            &child,
            &refused,
            &[
                ("child_if_frightening", "Gå inn til en lærer."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let part = s
        .browser
        .get(&format!("{}/versions/1/child", s.plan(&child)))
        .await;
    assert_eq!(part.status, 200);
    // Issue 18: made for the child: only what was answered, the trusted
    // adults, 112 and 116 111, no crisis centre unless chosen, and «UTKAST»
    // across a version not yet approved.
    let sheet = part.text("main").unwrap();
    for shown in [
        "Min trygghetsplan",
        "Emil",
        "Gå inn til en lærer.",
        "Mine trygge voksne",
        "112",
        "116 111",
        "UTKAST",
        "Ha arket et trygt sted",
    ] {
        assert!(sheet.contains(shown), "{shown}");
    }
    for hidden in [
        "Vi har ikke skrevet noe her ennå",
        "Hva bør jeg unngå å gjøre?",
        "krisesenter",
    ] {
        assert!(!sheet.contains(hidden), "{hidden}");
    }
    assert!(!part.body.contains("Eksempelsen"), "first name only");
    assert!(
        !part.body.contains("Følger barnet."),
        "no other party's measures"
    );

    // A child under school age has no part of its own.
    add_child(
        &mut s.browser,
        &s.case_id.clone(),
        "Lille Eksempelsen",
        &in_days(-400),
    )
    .await;
    let page = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    let small = person_ids(&page.body, &s.case_id)[2].clone();
    s.complete_mapping_of(&small).await;
    let form = s.open_plan(&small).await;
    assert!(!form.body.contains("Barnets egen del"));
    let none = s
        .browser
        .get(&format!("{}/versions/1/child", s.plan(&small)))
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn a_shielded_address_needs_its_own_section_and_the_childs_question() {
    // P8
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    assert!(
        !form.body.contains("Hva betyr den skjermede adressen"),
        "not at a centre without one"
    );
    // Its administrator says the centre has a shielded address.
    let admin = s.app.user(&s.centre, Role::Admin).await;
    let mut admin_browser = s.app.signed_in(&admin).await;
    admin_browser.get("/admin/centre").await;
    let set = admin_browser
        .post(
            "/admin/centre",
            &[("shielded_address", "on"), ("staff_second_factor", "on")],
        )
        .await;
    assert_eq!(set.status, 303);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(
        form.body
            .contains("Hva betyr den skjermede adressen for planen?")
    );
    assert!(
        form.body
            .contains("Hva sier jeg hvis noen spør hvor jeg bor?")
    );
    let refused = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Følger barnet."),
                ("measure_0_party", "parent"),
                ("child_if_frightening", "Gå inn til en lærer."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("shielded_address-error"));
    assert!(refused.body.contains("child_shielded_address-error"));
    let sent = s
        .save(
            &child,
            &refused,
            &[
                ("shielded_address", "Vi forteller ikke hvor vi bor."),
                ("child_shielded_address", "Si at jeg bor hos familie."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let part = s
        .browser
        .get(&format!("{}/versions/1/child", s.plan(&child)))
        .await;
    assert!(part.body.contains("Si at jeg bor hos familie."));
}
