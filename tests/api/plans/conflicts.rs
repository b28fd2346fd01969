//! No lost work: optimistic locking on the plan and on decisions.

use trygg::accounts::Role;

use super::{plan_form, setup};

#[tokio::test]
async fn a_stale_edit_or_decision_loses_nothing() {
    // No lost work: optimistic locking on the plan and on decisions.
    let mut s = setup().await;
    let child = s.child.clone();
    let form = s.open_plan(&child).await;
    let colleague = s.app.user(&s.centre, Role::Staff).await;
    let mut other = s.app.signed_in(&colleague).await;
    let their_form = other.get(&format!("{}/edit", s.plan(&child))).await;
    let first = other
        .post_fields(
            &format!("{}/edit", s.plan(&child)),
            &plan_form(
                &their_form,
                &[
                    ("measure_0_text", "Kollegaens tiltak."),
                    ("measure_0_party", "centre"),
                    ("action", "save"),
                ],
            ),
        )
        .await;
    assert_eq!(first.status, 303);
    let late = s
        .save(
            &child,
            &form,
            &[
                ("measure_0_text", "Mitt tiltak."),
                ("measure_0_party", "parent"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(
        late.body
            .contains("Noen andre har endret planen mens du skrev")
    );
    assert!(
        late.body.contains("Mitt tiltak."),
        "the late text is in the form"
    );
    assert!(
        late.body.contains("Kollegaens tiltak."),
        "what was saved is shown"
    );
    let again = s.save(&child, &late, &[("action", "save")]).await;
    assert_eq!(again.status, 303, "saving again uses the late text");
    let text: String = sqlx::query_scalar(
        "SELECT content->'measures'->0->>'text' FROM plans WHERE person_id = $1::uuid",
    )
    .bind(&child)
    .fetch_one(&s.app.db)
    .await
    .unwrap();
    assert_eq!(text, "Mitt tiltak.");

    // Sent for approval by someone else while I wrote: my text comes back.
    let form = s.browser.get(&format!("{}/edit", s.plan(&child))).await;
    let their_form = other.get(&format!("{}/edit", s.plan(&child))).await;
    other
        .post_fields(
            &format!("{}/edit", s.plan(&child)),
            &plan_form(
                &their_form,
                &[
                    ("child_if_frightening", "Gå til læreren."),
                    ("action", "submit"),
                ],
            ),
        )
        .await;
    let late = s
        .save(
            &child,
            &form,
            &[
                ("measure_1_text", "Et tiltak til."),
                ("measure_1_party", "centre"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(late.status, 409);
    assert!(
        late.body
            .contains("Planen ble sendt til godkjenning mens du skrev")
    );
    assert!(late.body.contains("Et tiltak til."));

    // A decision on a version that changed since the review was opened.
    let id = s.plan_id(&child, 1).await;
    let coordinator = s.app.user(&s.centre, Role::Coordinator).await;
    let mut reviewer = s.app.signed_in(&coordinator).await;
    let review = reviewer.get(&format!("/reviews/{id}")).await;
    let stale = (review
        .input_value("lock_version")
        .unwrap()
        .parse::<i32>()
        .unwrap()
        - 1)
    .to_string();
    let conflict = reviewer
        .post(
            &format!("/reviews/{id}/return"),
            &[("lock_version", &stale), ("comment", "Min kommentar.")],
        )
        .await;
    assert_eq!(conflict.status, 409);
    assert!(conflict.body.contains("Min kommentar."));
    assert_eq!(s.versions(&child).await, vec![(1, "submitted".into())]);
}
