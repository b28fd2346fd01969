//! Review by a coordinator: return, approve, and who may do neither (U2, P10).

use trygg::accounts::Role;

use super::{in_days, plan_form, setup, submitted_plan};

#[tokio::test]
async fn a_coordinator_returns_and_approves_and_nobody_else_may() {
    // U2, P10
    let mut s = setup().await;
    let child = s.child.clone();
    let id = submitted_plan(&mut s).await;
    // Submitted is read-only for its writers.
    let edit = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert_eq!(edit.location(), s.plan(&child));

    // Staff and administrators may not review; neither may the writer.
    let admin = s.app.user(&s.centre, Role::Admin).await;
    let writer_coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    for user in [&s.staff, &admin] {
        let mut browser = s.app.signed_in(user).await;
        assert_eq!(browser.get("/reviews").await.status, 403);
        assert_eq!(browser.get(&format!("/reviews/{id}")).await.status, 403);
        browser.get("/").await;
        let approve = browser
            .post(
                &format!("/reviews/{id}/approve"),
                &[("lock_version", "2"), ("next_review", &in_days(28))],
            )
            .await;
        assert_eq!(approve.status, 403);
    }
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);

    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let list = reviewer.get("/reviews").await;
    assert!(list.body.contains("Emil Eksempelsen"));
    assert_eq!(list.count(&format!("a[href=\"/reviews/{id}\"]")), 1);
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    assert!(review.body.contains("Dette er den første versjonen"));
    assert!(review.body.contains("Går sammen med mamma til skolen."));
    let lock = review.input_value("lock_version").unwrap();
    assert_eq!(
        review.input_value("next_review").unwrap(),
        in_days(28),
        "four weeks"
    );

    // A return needs a comment, and keeps what was typed.
    let refused = reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[("lock_version", &lock), ("comment", " ")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("comment-error"));
    let returned = reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[
                ("lock_version", &lock),
                ("comment", "Flytt mer ansvar over på de voksne."),
            ],
        )
        .await;
    assert_eq!(returned.location(), "/reviews?melding=plan-returnert");
    assert_eq!(s.versions(&child).await, vec![(1, "returned".into())]);
    // No longer awaiting a decision (the review scan may still list Emil
    // below, under what is missing: no approved plan yet).
    let list = reviewer.get("/reviews").await;
    assert_eq!(list.count(&format!("a[href=\"/reviews/{id}\"]")), 0);
    assert!(list.body.contains("Ingen planer venter på godkjenning."));

    // The writer sees the comment, revises and sends it again. A coordinator
    // who edits it becomes one of its writers and may not approve it.
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert!(form.body.contains("Flytt mer ansvar over på de voksne."));
    let mut coordinator_writer = s.app.signed_in(&writer_coordinator).await;
    let their_form = coordinator_writer
        .get(&format!("{}/edit", s.plan(&child)))
        .await;
    let saved = coordinator_writer
        .post_fields(
            &format!("{}/edit", s.plan(&child)),
            &plan_form(
                &their_form,
                &[
                    (
                        "measure_0_text",
                        "Går sammen med mamma eller en voksen fra senteret.",
                    ),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    let resent = s.save(&child, &form, &[("action", "submit")]).await;
    assert_eq!(resent.status, 303, "{}", resent.body);

    let own = coordinator_writer.get(&format!("/reviews/{id}")).await;
    assert!(own.body.contains("Du har skrevet denne versjonen"));
    assert!(!own.body.contains("Godkjenn planen</button>"));
    assert!(
        !own.texts("button").iter().any(|b| b == "Godkjenn planen"),
        "no button to approve one's own version"
    );
    let lock = own
        .input_value("lock_version")
        .unwrap_or_else(|| "0".into());
    coordinator_writer.get("/reviews").await;
    let self_approval = coordinator_writer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(28))],
        )
        .await;
    assert_eq!(self_approval.status, 403);
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);

    // The other coordinator approves, with a review date in the future.
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    let refused = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(0))],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Neste revisjon må være etter i dag"));
    let approved = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(14))],
        )
        .await;
    assert_eq!(approved.location(), "/reviews?melding=plan-godkjent");
    assert_eq!(s.versions(&child).await, vec![(1, "approved".into())]);
    let overview = s.browser.get(&s.plan(&child)).await;
    assert!(overview.body.contains("Gjeldende plan: versjon 1"));
    assert!(
        overview
            .body
            .contains(&format!("Neste revisjon: <strong>{}</strong>", in_days(14)))
    );

    // Changing an approved plan makes version 2 from it; version 1 stays.
    let form = s.open_plan(&child).await;
    assert!(
        form.body
            .contains("Går sammen med mamma eller en voksen fra senteret.")
    );
    let changed = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Går sammen med vennene sine."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(
        s.versions(&child).await,
        vec![(1, "approved".into()), (2, "submitted".into())]
    );
    let id2 = s.plan_id(&child, 2).await;
    let review = reviewer.get(&format!("/reviews/{id2}")).await;
    assert!(
        review
            .body
            .contains("Endringer siden sist godkjente versjon")
    );
    assert!(review.body.contains("Går sammen med vennene sine."));
    assert!(review.body.contains("Endret"));
    let compare = s
        .browser
        .get(&format!("{}/compare?from=1&to=2", s.plan(&child)))
        .await;
    assert!(compare.body.contains("class=\"changed\""));
    let old = s
        .browser
        .get(&format!("{}/versions/1", s.plan(&child)))
        .await;
    assert!(
        old.body
            .contains("Går sammen med mamma eller en voksen fra senteret.")
    );
}
