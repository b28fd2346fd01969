//! What a plan warns of: measures that answer nothing (P7, U2), too much on
//! the child (P6), both while the form is written, and missing police when
//! the threat is severe (P4, P9).

use trygg::accounts::Role;

use super::{five_parties, in_days, link_to, plan_form, setup};

#[tokio::test]
async fn a_measure_that_answers_nothing_is_flagged_and_needs_a_reason_to_be_approved() {
    // P7, U2
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    let mut changes = five_parties(&fear, &threat);
    changes.retain(|(k, _)| *k != "measure_2_answers");
    // A link to something not in the mapping is not a link.
    let stranger = uuid::Uuid::new_v4().to_string();
    changes.push(("measure_2_answers", &stranger));
    let saved = s.save(&child, &form, &changes).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("data-flag=\"unlinked\""));
    assert!(form.body.contains("<li>Snakker med barnet hver uke.</li>"));
    assert!(!form.body.contains(&stranger));

    // It can be saved and submitted …
    let submitted = s
        .save(
            &child,
            &form,
            &[
                ("child_if_frightening", "Gå inn til en lærer."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    // … and the reviewer sees the flag, but cannot approve without a reason.
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let list = reviewer.get("/reviews").await;
    assert!(list.body.contains("1 tiltak uten kobling"));
    let id = s.plan_id(&child, 1).await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    assert!(review.body.contains("data-flag=\"unlinked\""));
    let lock = review.input_value("lock_version").unwrap();
    let refused = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[
                ("lock_version", &lock),
                ("next_review", &in_days(28)),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("reason-error"));
    assert!(refused.body.contains("Begrunn hvorfor de likevel trengs"));
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);

    let approved = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[
                ("lock_version", &lock),
                ("next_review", &in_days(28)),
                (
                    "reason",
                    "Ukentlige samtaler er et generelt tilbud til alle barn.",
                ),
            ],
        )
        .await;
    assert_eq!(approved.location(), "/reviews?melding=plan-godkjent");
    let reason: String =
        sqlx::query_scalar("SELECT comment FROM plan_decisions WHERE decision = 'approved'")
            .fetch_one(&s.app.db)
            .await
            .unwrap();
    assert!(reason.starts_with("Ukentlige samtaler"));
}

#[tokio::test]
async fn too_much_on_the_child_is_flagged_while_the_plan_is_made() {
    // P6
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let fear = link_to(&form, "Barnet frykter");
    let threat = link_to(&form, "Trussel");
    // Two measures on the child, one on the parent.
    let saved = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Går aldri alene."),
                ("measure_0_party", "child"),
                ("measure_0_answers", &threat),
                ("measure_1_text", "Sier fra til en voksen."),
                ("measure_1_party", "child"),
                ("measure_1_answers", &threat),
                ("measure_2_text", "Følger barnet."),
                ("measure_2_party", "parent"),
                ("measure_2_answers", &threat),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("data-flag=\"child-burden\""));
    assert!(
        form.body
            .contains("Barnet har ansvar for 2 tiltak, de voksne for 1.")
    );

    // More on the adults: the warning goes.
    s.save(
        &child,
        &form,
        &[
            ("measure_3_text", "Snakker med skolen."),
            ("measure_3_party", "centre"),
            ("measure_3_answers", &threat),
            ("measure_4_text", "Har en fast voksen i friminuttene."),
            ("measure_4_party", "school"),
            ("measure_4_answers", &threat),
            ("action", "save"),
        ],
    )
    .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("data-flag=\"child-burden\""));

    // A restriction on the child that answers only a fear, not a threat.
    s.save(
        &child,
        &form,
        &[
            ("measure_0_answers", &fear),
            ("measure_0_restricts", "on"),
            ("action", "save"),
        ],
    )
    .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("data-flag=\"child-burden\""));
    assert!(
        form.body
            .contains("«Går aldri alene.» begrenser barnets hverdag")
    );
    // Answering the threat it restricts for: no warning.
    s.save(
        &child,
        &form,
        &[("measure_0_answers", &threat), ("action", "save")],
    )
    .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("data-flag=\"child-burden\""));
}

#[tokio::test]
async fn the_warnings_follow_the_form_while_it_is_written_and_nothing_is_saved() {
    // P6, P7 as the page's script asks for them, before any save.
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let threat = link_to(&form, "Trussel");
    let flags = format!("{}/flags", s.plan(&child));
    let typed = plan_form(
        &form,
        &[
            ("measure_0_text", "Går aldri alene."),
            ("measure_0_party", "child"),
            ("measure_0_answers", &threat),
            ("measure_1_text", "Holder seg inne."),
            ("measure_1_party", "child"),
        ],
    );
    let live = s.browser.fetch(&flags, &typed).await;
    assert_eq!(live.status, 200);
    assert!(live.body.contains("data-flag=\"child-burden\""));
    assert!(live.body.contains("data-flag=\"unlinked\""));
    assert!(live.body.contains("Holder seg inne."));
    assert!(!live.body.contains("<html"), "only the warnings");

    // The adults take their part and every measure answers the threat.
    let typed = plan_form(
        &form,
        &[
            ("measure_0_text", "Går aldri alene."),
            ("measure_0_party", "child"),
            ("measure_0_answers", &threat),
            ("measure_1_text", "Følger barnet."),
            ("measure_1_party", "parent"),
            ("measure_1_answers", &threat),
        ],
    );
    let live = s.browser.fetch(&flags, &typed).await;
    assert_eq!(live.status, 200);
    assert!(!live.body.contains("data-flag"), "{}", live.body);

    let saved = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(
        !saved.body.contains("Går aldri alene."),
        "nothing was saved"
    );
    assert_eq!(
        s.app.count("audit_events WHERE kind = 'plan_saved'").await,
        0
    );

    // No plan being written: nothing to warn of.
    let resident = s.resident.clone();
    let unplanned = format!("{}/flags", s.plan(&resident));
    assert_eq!(s.browser.fetch(&unplanned, &typed).await.status, 404);

    // A question in the background after the session ran out is refused,
    // and not kept as if the user had sent a form.
    s.app.age_session(&s.browser, 45, 60).await;
    let late = s.browser.fetch(&flags, &typed).await;
    assert_eq!(late.status, 403);
    assert_eq!(s.app.count("pending_submissions").await, 0);
}

#[tokio::test]
async fn the_police_must_be_recorded_when_the_threat_is_severe() {
    // P4, P9
    let mut s = setup().await;
    let child = s.child.clone();
    s.complete_mapping(&child, "At han tar meg med.", "severe", "yes")
        .await;
    let form = s.open_plan(&child).await;
    assert!(form.body.contains("data-flag=\"police\""));
    assert!(
        form.body
            .contains("Kartleggingen vurderer trusselbildet som svært høyt.")
    );
    assert!(
        form.body
            .contains("flytting til et annet krisesenter må vurderes")
    );

    // Half a record: when and what was agreed are needed; not in the future.
    let refused = s
        .save(
            &child,
            &form,
            &[
                ("police_district", "Øst politidistrikt"),
                ("police_contacted_on", &in_days(2)),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("kan ikke være fram i tid"));
    assert!(
        refused
            .body
            .contains("Skriv hva som ble avtalt med politiet.")
    );
    assert!(refused.body.contains("Øst politidistrikt"));

    let saved = s
        .save(
            &child,
            &refused,
            &[
                ("police_contacted_on", &in_days(-1)),
                ("police_contact", "Familievoldskoordinator Hansen"),
                ("police_agreed", "Politiet vurderer besøksforbud."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(!form.body.contains("data-flag=\"police\""));
    let page = s
        .browser
        .get(&format!("{}/versions/1", s.plan(&child)))
        .await;
    assert!(page.body.contains("Familievoldskoordinator Hansen"));
    assert!(page.body.contains(&in_days(-1)));
}
