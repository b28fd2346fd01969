//! What the threat picture does to a plan: the police flag on «Høy», «Svært
//! høy» or an acute risk factor (P4); the legal basis in force on the plan
//! and in the school's extract, with the perpetrator a school may know; an
//! order about to end, and a serious incident after the approved plan,
//! flagged by the review scan (U4, P10).

use super::{Setup, approve, five_parties, in_days, link_to, setup};
use crate::helpers::form_fields;

impl Setup {
    /// Completes a new version of the child's mapping with `changes`.
    async fn complete_child_mapping(&mut self, changes: &[(&str, &str)]) {
        let child = self.child.clone();
        let base = self.mapping(&child);
        self.browser.post(&format!("{base}/draft"), &[]).await;
        let form = self.browser.get(&format!("{base}/edit")).await;
        let mut changes = changes.to_vec();
        changes.push(("action", "complete"));
        let done = self
            .browser
            .post_fields(
                &format!("{base}/edit"),
                &form_fields(&form, "mapping-form", &changes),
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
    }

    async fn open_flags(&self, kind: &str) -> Vec<(String, time::Date)> {
        sqlx::query_as(
            "SELECT person_id::text, due_on FROM review_flags
             WHERE kind = $1 AND resolved_at IS NULL",
        )
        .bind(kind)
        .fetch_all(&self.app.db)
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn a_high_assessment_or_an_acute_factor_without_police_raises_the_police_flag() {
    // P4
    let mut s = setup().await;
    let child = s.child.clone();
    s.complete_child_mapping(&[
        ("factor_strangulation_answer", "yes"),
        ("factor_weapons_answer", "unknown"),
    ])
    .await;
    let form = s.open_plan(&child).await;
    assert!(form.body.contains("data-flag=\"police\""));
    assert!(
        form.body.contains(
            "Kartleggingen har risikofaktorer som bør føre til kontakt med politiet: kvelning eller forsøk på kvelning (tak rundt halsen, holdt for munn og nese)."
        )
    );
    assert!(
        !form.body.contains("våpen"),
        "a factor answered «Vet ikke» is not present"
    );
    // Recording the police contact answers it.
    let saved = s
        .save(
            &child,
            &form,
            &[
                ("police_district", "Øst politidistrikt"),
                ("police_contacted_on", &in_days(-1)),
                ("police_agreed", "Voldsalarm vurderes."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("data-flag=\"police\""));

    // «Høy» alone is enough.
    let mut s = setup().await;
    let resident = s.resident.clone();
    s.complete_mapping(&resident, "At han finner oss.", "high", "no")
        .await;
    let form = s.open_plan(&resident).await;
    assert!(form.body.contains("data-flag=\"police\""));
    assert!(
        form.body
            .contains("Kartleggingen vurderer trusselbildet som høyt.")
    );
}

#[tokio::test]
async fn the_legal_basis_in_force_reaches_the_plan_and_the_schools_extract() {
    let mut s = setup().await;
    let child = s.child.clone();
    let (from, until, ended) = (in_days(-10), in_days(10), in_days(-1));
    s.complete_child_mapping(&[
        ("legal_responsibility", "shared"),
        ("legal_contact", "supervised"),
        ("legal_note", "Far har anket."),
        ("order_0_kind", "visit_ban"),
        ("order_0_from", &from),
        ("order_0_until", &until),
        ("order_0_note", "Brutt én gang."),
    ])
    .await;
    // A second order, already ended, in the next version.
    s.complete_child_mapping(&[("order_1_kind", "travel_ban"), ("order_1_until", &ended)])
        .await;
    let list = format!("/cases/{}/perpetrators", s.case_id);
    let new = s.browser.get(&format!("{list}/new")).await;
    let (to_child, to_resident) = (
        format!("relation_{}", s.child),
        format!("relation_{}", s.resident),
    );
    // The school learns of a perpetrator who is someone to this child, and
    // only when staff allowed it.
    for (name, description, school, relation_field) in [
        ("Ola Eksempelsen", "Høy, mørkt skjegg.", "on", &to_child),
        ("Farbror Per", "Kort, briller.", "", &to_child),
        ("Nils Tidligere", "Rød jakke.", "on", &to_resident),
    ] {
        let mut changes = vec![
            ("name", name),
            ("description", description),
            ("network", "Brødrene i Drammen."),
            (relation_field.as_str(), "Far"),
        ];
        if !school.is_empty() {
            changes.push(("description_for_school", school));
        }
        let added = s
            .browser
            .post_fields(&list, &form_fields(&new, "perpetrator-form", &changes))
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
    }

    let form = s.open_plan(&child).await;
    let in_force = format!("Besøksforbud, fra {from} til og med {until}");
    for shown in [
        "Rettslig situasjon skolen må kjenne til",
        "Felles foreldreansvar",
        "Samvær med støttet eller beskyttet tilsyn",
        in_force.as_str(),
    ] {
        assert!(form.body.contains(shown), "{shown}");
    }
    assert!(!form.body.contains("Utreiseforbud"), "no longer in force");
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    let mut changes = five_parties(&fear, &threat);
    changes.retain(|(k, _)| *k != "action");
    changes.extend([
        ("child_if_frightening", "Gå inn til en lærer."),
        ("action", "submit"),
    ]);
    let sent = s.save(&child, &form, &changes).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    approve(&mut s, 1).await;
    let extract = s
        .browser
        .get(&format!("{}/versions/1/school", s.plan(&child)))
        .await;
    for shown in [
        in_force.as_str(),
        "Ola Eksempelsen",
        "Høy, mørkt skjegg.",
        "Relasjon til barnet",
    ] {
        assert!(extract.body.contains(shown), "{shown}");
    }
    for hidden in [
        "Farbror Per",
        "Nils Tidligere",
        "Brødrene i Drammen.",
        "Far har anket.",
        "Brutt én gang.",
        "Utreiseforbud",
    ] {
        assert!(!extract.body.contains(hidden), "{hidden}");
    }

    // U4: the ban ends within 14 days, the travel ban has ended: flagged
    // by the earliest.
    let flags = s.open_flags("order_expires").await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].0, child);
    assert_eq!(trygg::locale::date(flags[0].1), ended);
    // A new version without them resolves it.
    s.complete_child_mapping(&[("order_0_remove", "on"), ("order_1_remove", "on")])
        .await;
    assert!(s.open_flags("order_expires").await.is_empty());
}

#[tokio::test]
async fn a_serious_incident_after_the_approved_plan_flags_the_plan() {
    // U4, P10
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    let mut changes = five_parties(&fear, &threat);
    changes.retain(|(k, _)| *k != "action");
    changes.extend([
        ("child_if_frightening", "Gå inn til en lærer."),
        ("action", "submit"),
    ]);
    let sent = s.save(&child, &form, &changes).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    approve(&mut s, 1).await;

    let log_path = format!("/cases/{}/incidents", s.case_id);
    let record = async |s: &mut Setup, kind: &str, serious: &str| {
        let log = s.browser.get(&log_path).await;
        let mut changes = vec![
            ("occurred_on", in_days(0)),
            ("kind", kind.to_owned()),
            ("description", "Ringte fra skjult nummer.".to_owned()),
            ("reported", "unknown".to_owned()),
            ("concerns", s.child.clone()),
        ];
        if !serious.is_empty() {
            changes.push(("serious", serious.to_owned()));
        }
        let changes: Vec<(&str, &str)> = changes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let recorded = s
            .browser
            .post_fields(&log_path, &form_fields(&log, "incident-form", &changes))
            .await;
        assert_eq!(recorded.status, 303, "{}", recorded.body);
    };
    record(&mut s, "contact", "").await;
    assert!(
        s.open_flags("incident_after_plan").await.is_empty(),
        "a call that is not serious changes no plan"
    );
    record(&mut s, "contact", "on").await;
    let flags = s.open_flags("incident_after_plan").await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].0, child);
    let case_page = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    assert!(
        case_page
            .body
            .contains("Alvorlig hendelse etter at planen ble godkjent – revider planen")
    );
    let tasks = s.browser.get("/").await;
    assert!(
        tasks
            .body
            .contains("Alvorlig hendelse etter at planen ble godkjent")
    );
}

#[tokio::test]
async fn a_restriction_by_any_party_needs_a_real_threat_or_a_reason_and_an_end_and_is_flagged_after_it()
 {
    // Issue 18, P6, P7, U4
    let mut s = setup().await;
    let child = s.child.clone();
    s.complete_child_mapping(&[("risk_1_answer", "unknown")])
        .await;
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let unsure = link_to(&form, "Risiko for ny vold");
    let mut changes = five_parties(&fear, &unsure);
    changes.retain(|(k, _)| *k != "action");
    changes.extend([
        ("measure_3_text", "Lar Ola være inne i friminuttene."),
        ("measure_3_party", "school"),
        ("measure_3_answers", unsure.as_str()),
        ("measure_3_restricts", "on"),
        ("child_if_frightening", "Gå inn til en lærer."),
        ("action", "submit"),
    ]);
    let refused = s.save(&child, &form, &changes).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("measure_3_until-error"));
    assert!(refused.body.contains("measure_3_restriction_reason-error"));
    assert!(
        refused
            .body
            .contains("svarer ikke på noen bekreftet trussel (besvart «Ja»)"),
        "«Vet ikke» alone warrants no restriction, even when the school carries it out"
    );
    assert!(refused.body.contains("Lar Ola være inne i friminuttene."));

    let until = in_days(14);
    let sent = s
        .save(
            &child,
            &refused,
            &[
                ("measure_3_until", &until),
                (
                    "measure_3_restriction_reason",
                    "Far har stått ved skolegjerdet to ganger.",
                ),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    approve(&mut s, 1).await;
    let plan = s.browser.get(&s.plan(&child)).await;
    assert!(plan.body.contains("Dette kan barnet ikke gjøre nå"));
    assert!(plan.body.contains(&format!(
        "Lar Ola være inne i friminuttene. – til og med {until}"
    )));
    let family = s
        .browser
        .get(&format!("{}/versions/1/family", s.plan(&child)))
        .await;
    assert!(family.body.contains("Dette kan barnet ikke gjøre nå"));
    assert!(
        !family.body.contains("Far har stått ved skolegjerdet"),
        "the reason stays internal"
    );

    // U4: the end date passes (moved back here, as time would): flagged.
    assert!(s.open_flags("restriction_ended").await.is_empty());
    let ended = (trygg::locale::today() - time::Duration::days(2)).to_string();
    sqlx::query(
        "UPDATE plans SET content = jsonb_set(content, '{measures,3,until}', to_jsonb($1::text))
         WHERE person_id = $2::uuid AND version = 1",
    )
    .bind(&ended)
    .bind(&child)
    .execute(&s.app.db)
    .await
    .unwrap();
    trygg::flags::scan(
        &s.app.db,
        &trygg::flags::Rules::default(),
        trygg::locale::today(),
        None,
    )
    .await
    .unwrap();
    let flags = s.open_flags("restriction_ended").await;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].0, child);
}
