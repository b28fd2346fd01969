//! Another centre's plans do not exist (U5), and every look at or change
//! of a plan is in the audit log.

use trygg::accounts::Role;

use super::{in_days, setup, submitted_plan};

#[tokio::test]
async fn another_centres_plan_is_not_found_on_any_route() {
    // U5
    let mut s = setup().await;
    let id = submitted_plan(&mut s).await;
    let child = s.child.clone();
    let other_centre = s.app.centre("B").await;
    let stranger = s.app.user(&other_centre, Role::Coordinator).await;
    let mut browser = s.app.signed_in(&stranger).await;
    let base = s.plan(&child);
    for path in [
        base.clone(),
        format!("{base}/edit"),
        format!("{base}/versions/1"),
        format!("{base}/versions/1/school"),
        format!("{base}/versions/1/child"),
        format!("{base}/compare?from=1&to=1"),
        format!("/reviews/{id}"),
        format!("/reviews/{}", uuid::Uuid::new_v4()),
        "/reviews/not-an-id".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.body.contains("Emil"), "{path}");
    }
    browser.get("/").await;
    for (path, fields) in [
        (format!("{base}/draft"), vec![]),
        (
            format!("{base}/edit"),
            vec![("action", "save"), ("measure_0_text", "Inntrenger.")],
        ),
        (
            format!("{base}/flags"),
            vec![("measure_0_text", "Inntrenger.")],
        ),
        (
            format!("/reviews/{id}/approve"),
            vec![
                ("lock_version", "2"),
                ("next_review", "01.01.2027"),
                ("reason", "x"),
            ],
        ),
        (
            format!("/reviews/{id}/return"),
            vec![("lock_version", "2"), ("comment", "x")],
        ),
    ] {
        let response = browser.post(&path, &fields).await;
        assert_eq!(response.status, 404, "{path}");
    }
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);
    assert!(!browser.get("/reviews").await.body.contains("Emil"));
    assert_eq!(s.app.count("plan_decisions").await, 0);
}

#[tokio::test]
async fn every_view_and_change_of_a_plan_is_audited() {
    let mut s = setup().await;
    let id = submitted_plan(&mut s).await;
    let child = s.child.clone();
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[("lock_version", &lock), ("comment", "Mer til de voksne.")],
        )
        .await;
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert_eq!(
        s.save(&child, &form, &[("action", "save")]).await.status,
        303
    );
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    assert_eq!(
        s.save(&child, &form, &[("action", "submit")]).await.status,
        303
    );
    s.browser
        .get(&format!("{}/versions/1/child", s.plan(&child)))
        .await;
    reviewer.get("/reviews").await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let lock = review.input_value("lock_version").unwrap();
    reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", &lock), ("next_review", &in_days(28))],
        )
        .await;
    let staff_kinds = s.app.audit_kinds_for(s.staff.id).await;
    for kind in [
        "plan_viewed",
        "plan_saved",
        "plan_submitted",
        "plan_printed",
    ] {
        assert!(
            staff_kinds.iter().any(|k| k == kind),
            "{kind}: {staff_kinds:?}"
        );
    }
    let reviewer_kinds = s.app.audit_kinds_for(coordinator.id).await;
    for kind in [
        "plan_reviews_viewed",
        "plan_viewed",
        "plan_returned",
        "plan_approved",
    ] {
        assert!(
            reviewer_kinds.iter().any(|k| k == kind),
            "{kind}: {reviewer_kinds:?}"
        );
    }
    // Plan events are in the case's Tilgangslogg, with nothing of the plan in them.
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE case_id = $1::uuid AND kind LIKE 'plan_%'",
    )
    .bind(&s.case_id)
    .fetch_all(&s.app.db)
    .await
    .unwrap();
    assert!(details.len() >= 5);
    assert!(details.iter().all(String::is_empty));
}

/// A child removed from the case keeps its plan readable, but a plan sent
/// for approval before is no longer on the work list and cannot be decided.
#[tokio::test]
async fn a_removed_childs_submitted_plan_is_no_longer_decided() {
    let mut s = setup().await;
    let id = submitted_plan(&mut s).await;
    let child = s.child.clone();
    let page = s.browser.get(&format!("/cases/{}", s.case_id)).await;
    assert_eq!(page.status, 200);
    let removed = s
        .browser
        .post(
            &format!("/cases/{}/children/{child}/remove", s.case_id),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(removed.status, 303);
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let list = reviewer.get("/reviews").await;
    assert_eq!(list.count(&format!("a[href=\"/reviews/{id}\"]")), 0);
    let approve = reviewer
        .post(
            &format!("/reviews/{id}/approve"),
            &[("lock_version", "2"), ("next_review", &in_days(28))],
        )
        .await;
    assert_eq!(approve.status, 404);
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);
}
