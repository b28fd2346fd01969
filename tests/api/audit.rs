//! The audit log: append-only, per centre, newest first, filterable, paged.

use trygg::accounts::Role;

use crate::helpers::spawn_app;

#[tokio::test]
async fn audit_log_records_who_did_what_to_whom_and_from_where() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user_named(&centre, Role::Admin, "Anne Admin").await;
    let staff = app.user_named(&centre, Role::Staff, "Sara Ansatt").await;
    app.browser().login(&staff.email, "feil passord her").await;
    app.browser()
        .login("finnes.ikke@test.example", "feil passord her")
        .await;
    let mut browser = app.signed_in(&admin).await;
    browser.get(&format!("/admin/users/{}", staff.id)).await;
    browser
        .post(
            &format!("/admin/users/{}/role", staff.id),
            &[("role", "coordinator")],
        )
        .await;

    let log = browser.get("/admin/audit").await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("Mislykket innlogging"));
    assert!(log.body.contains("Rolle endret"));
    assert!(log.body.contains("Ansatt → Koordinator"), "roles in words");
    assert!(
        log.body.contains("Sara Ansatt"),
        "the failed login names the account tried"
    );
    assert!(log.body.contains("127.0.0.1"));
    assert!(
        !log.body.contains("finnes.ikke@test.example"),
        "a login with an unknown e-mail belongs to no centre"
    );
    let rows = log.texts("tbody tr");
    let row_of = |kind: &str| {
        rows.iter()
            .position(|row| row.contains(kind))
            .unwrap_or_else(|| panic!("no {kind} row in {rows:?}"))
    };
    let newest = row_of("Rolle endret");
    let older = row_of("Mislykket innlogging");
    assert!(newest < older, "newest first");
}

#[tokio::test]
async fn audit_log_filters_by_account_and_kind() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user_named(&centre, Role::Admin, "Anne Admin").await;
    let one = app.user_named(&centre, Role::Staff, "Ola En").await;
    let two = app.user_named(&centre, Role::Staff, "Per To").await;
    app.signed_in(&one).await;
    app.signed_in(&two).await;
    app.browser().login(&two.email, "feil passord her").await;
    let mut browser = app.signed_in(&admin).await;

    let by_user = browser.get(&format!("/admin/audit?user={}", one.id)).await;
    assert!(by_user.body.contains("Ola En"));
    assert!(!by_user.texts("td").iter().any(|td| td == "Per To"));

    let by_kind = browser.get("/admin/audit?kind=login_failed").await;
    assert!(by_kind.body.contains("Per To"));
    assert!(!by_kind.texts("td").iter().any(|td| td == "Innlogging"));

    let nonsense = browser
        .get("/admin/audit?user=nope&kind=nope&before=x")
        .await;
    assert_eq!(nonsense.status, 200, "unknown filters are ignored");
}

#[tokio::test]
async fn audit_log_pages_fifty_at_a_time() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    for _ in 0..60 {
        let event = trygg::audit::Event::from_cli(
            trygg::audit::AuditKind::AccountReactivated,
            centre.id,
            Some(admin.id),
        );
        trygg::audit::record(&app.db, &event).await.unwrap();
    }
    let mut browser = app.signed_in(&admin).await;
    let first = browser.get("/admin/audit").await;
    assert_eq!(first.count("tr"), 51, "header and 50 rows");
    let older = first
        .attr(r#"a[href^="/admin/audit?before="]"#, "href")
        .expect("a link to older events");
    let second = browser.get(&older).await;
    // 60 events + 1 login = 61 events: 11 on the second page.
    assert_eq!(second.count("tr"), 12);
    assert!(!second.body.contains("/admin/audit?before="));
}

#[tokio::test]
async fn the_application_cannot_change_or_delete_the_audit_log() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    app.signed_in(&admin).await;
    for statement in [
        "UPDATE audit_events SET kind = 'logout'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let result = sqlx::query(statement).execute(&app.db).await;
        assert!(result.is_err(), "{statement} must fail");
    }
    let count = app.count("audit_events").await;
    assert_eq!(count, 1);
}
