//! Writing a plan: it is built on a completed mapping version and moves
//! onto a newer one (P1, M7, P10); each measure has one responsible party
//! and the plan reads party by party (P2).

use super::{five_parties, link_to, setup};

#[tokio::test]
async fn a_plan_is_built_on_a_completed_mapping_version() {
    // P1, M7, P10
    let mut s = setup().await;
    let resident = s.resident.clone();
    // The resident has no completed mapping: no plan yet.
    let refused = s
        .browser
        .post(&format!("{}/draft", s.plan(&resident)), &[])
        .await;
    assert_eq!(
        refused.location(),
        format!("{}?melding=plan-krever-kartlegging", s.plan(&resident))
    );
    assert_eq!(s.app.count("plans").await, 0);
    let overview = s.browser.get(&s.plan(&resident)).await;
    assert!(
        overview
            .body
            .contains("Fullfør kartleggingen av Kari Eksempelsen")
    );

    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    assert!(form.body.contains("Bygger på kartlegging versjon 1"));
    assert!(
        form.body
            .contains("Barnet frykter: At pappa står utenfor skolen.")
    );
    assert!(
        form.body
            .contains("Trussel: Risiko for at voldsutøveren tar kontakt")
    );
    assert!(
        !form.body.contains("Risiko for ny vold"),
        "a risk answered no is no threat to answer"
    );
    let fear = link_to(&form, "Barnet frykter");
    let saved = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Følger barnet til skolen."),
                ("measure_0_party", "parent"),
                ("measure_0_answers", &fear),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    // The mapping gets a newer version: the plan says so and moves onto it,
    // keeping the measure's link to the fear that is still there (M7).
    s.complete_mapping(&child, "At pappa står utenfor skolen.", "high", "no")
        .await;
    let overview = s.browser.get(&s.plan(&child)).await;
    assert!(
        overview
            .body
            .contains("Kartleggingen har fått en nyere versjon (2)")
    );
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("Bygg på kartlegging versjon 2"));
    let moved = s.save(&child, &form, &[("action", "rebase")]).await;
    assert_eq!(
        moved.location(),
        format!("{}/edit?melding=plan-ny-kartlegging", s.plan(&child))
    );
    let (mapping_version, answers): (i32, serde_json::Value) = sqlx::query_as(
        "SELECT mapping_version, content->'measures'->0->'answers' FROM plans WHERE person_id = $1::uuid",
    )
    .bind(&child)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(mapping_version, 2);
    assert_eq!(answers, serde_json::json!([fear]));
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("Bygg på kartlegging versjon"));
}

#[tokio::test]
async fn each_measure_has_one_party_and_the_plan_reads_party_by_party() {
    // P2
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");

    // Bad input: a measure without a party, "other" without a name, a date
    // that is no date, an end before its start. Every value comes back.
    let refused = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Henter barnet på skolen."),
                ("measure_0_answers", &threat),
                ("measure_1_text", "Følger opp familien."),
                ("measure_1_party", "other"),
                ("measure_1_answers", &fear),
                ("measure_2_text", "Snakker med barnet."),
                ("measure_2_party", "centre"),
                ("measure_2_from", "32.13.2026"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    for (field, message) in [
        (
            "measure_0_party-error",
            "Tiltak 1: velg hvem som har ansvaret.",
        ),
        (
            "measure_1_party_name-error",
            "Tiltak 2: skriv hvem som har ansvaret.",
        ),
        (
            "measure_2_from-error",
            "Tiltak 3: skriv datoen som dd.mm.åååå",
        ),
    ] {
        assert!(refused.body.contains(field), "{field}");
        assert!(refused.body.contains(message), "{message}");
    }
    assert!(refused.body.contains("Henter barnet på skolen."));
    assert_eq!(
        refused.input_value("measure_2_from").as_deref(),
        Some("32.13.2026")
    );
    assert!(refused.is_checked("measure_0_answers", &threat));
    assert_eq!(
        s.app.count("plans WHERE content->'measures' <> '[]'").await,
        0
    );

    let mut changes = five_parties(&fear, &threat);
    changes.extend([
        ("measure_3_text", "Følger med i friminuttene."),
        ("measure_3_party", "school"),
        ("measure_3_answers", threat.as_str()),
        ("measure_4_text", "Vurderer besøksforbud."),
        ("measure_4_party", "police"),
        ("measure_4_answers", threat.as_str()),
        ("measure_4_from", "31.12.2026"),
        ("measure_4_until", "01.12.2026"),
    ]);
    let refused = s.save(&child, &form, &changes).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Tiltak 5: sluttdatoen kan ikke være før startdatoen.")
    );
    changes.push(("measure_4_until", ""));
    let saved = s.save(&child, &refused, &changes).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    let more = s
        .save(
            &child,
            &form,
            &[
                ("measure_5_text", "Barnevernet har samtaler med familien."),
                ("measure_5_party", "other"),
                ("measure_5_party_name", "Barneverntjenesten"),
                ("measure_5_answers", &fear),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(more.status, 303, "{}", more.body);

    let page = s
        .browser
        .get(&format!("{}/versions/1", s.plan(&child)))
        .await;
    assert_eq!(page.status, 200);
    // Each party's part under its own heading, in the order of the parties.
    let headings = page.texts("h3");
    let mut at = 0;
    for heading in [
        "Barnet",
        "Forelderen",
        "Krisesenteret",
        "Barnehagen eller skolen",
        "Politiet",
        "Andre",
    ] {
        let found = headings[at..]
            .iter()
            .position(|h| h == heading)
            .unwrap_or_else(|| panic!("{heading} after the previous party in {headings:?}"));
        at += found + 1;
    }
    assert!(page.body.contains("Barneverntjenesten"));
    assert!(page.body.contains("Fra 01.12.2026 til og med 31.12.2026"));
    assert!(
        page.body
            .contains("Svarer på: Barnet frykter: At pappa står utenfor skolen.")
    );
    let measures: i32 = sqlx::query_scalar(
        "SELECT jsonb_array_length(content->'measures') FROM plans WHERE person_id = $1::uuid",
    )
    .bind(&child)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(measures, 6);
}
