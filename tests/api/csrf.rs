//! Every state-changing request carries the session's CSRF token; without
//! it: 403, and nothing changes.

use trygg::accounts::Role;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn login_without_or_with_a_wrong_token_is_refused() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.browser();
    browser.get("/login").await;

    let body =
        serde_urlencoded::to_string([("email", user.email.as_str()), ("password", PASSWORD)])
            .unwrap();
    let missing = browser.post_raw("/login", body).await;
    assert_eq!(missing.status, 403);
    assert!(missing.body.contains("Skjemaet kunne ikke sendes"));

    let wrong = browser
        .post(
            "/login",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("csrf_token", &"0".repeat(64)),
            ],
        )
        .await;
    assert_eq!(wrong.status, 403);

    let mut no_session = app.browser();
    let fresh = no_session
        .post(
            "/login",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("csrf_token", "abc"),
            ],
        )
        .await;
    assert_eq!(fresh.status, 403);
    assert!(
        app.audit_kinds_for(user.id).await.is_empty(),
        "no login was even tried"
    );
}

#[tokio::test]
async fn a_token_from_another_session_is_refused() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let mut attacker = app.browser();
    attacker.get("/login").await;
    let attackers_token = attacker.csrf.clone().unwrap();

    let mut victim = app.signed_in(&admin).await;
    victim.get("/admin/users/new").await;
    let response = victim
        .post(
            "/admin/users/new",
            &[
                ("full_name", "Inntrenger"),
                ("email", "evil@test.example"),
                ("role", "admin"),
                ("csrf_token", &attackers_token),
            ],
        )
        .await;
    assert_eq!(response.status, 403);
    let accounts = app.count("accounts").await;
    assert_eq!(accounts, 1, "no account was created");
}

#[tokio::test]
async fn every_admin_action_without_a_token_changes_nothing() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&admin).await;
    for (path, body) in [
        (
            "/admin/users/new".to_owned(),
            "full_name=X&email=x%40test.example&role=staff",
        ),
        (format!("/admin/users/{}/role", staff.id), "role=admin"),
        (format!("/admin/users/{}/deactivate", staff.id), ""),
        (format!("/admin/users/{}/password", staff.id), ""),
        (
            "/account/password".to_owned(),
            "current_password=x&new_password=y&new_password_confirm=y",
        ),
        ("/logout".to_owned(), ""),
    ] {
        let response = browser.post_raw(&path, body.to_owned()).await;
        assert_eq!(response.status, 403, "{path}");
    }
    let (role, active, must_change) = app.account_state(staff.id).await;
    assert_eq!((role.as_str(), active, must_change), ("staff", true, false));
    assert_eq!(
        browser.get("/").await.status,
        200,
        "still signed in: logout was refused too"
    );
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_a_valid_token() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.browser();
    browser.get("/login").await;
    let body = serde_urlencoded::to_string([
        ("email", user.email.as_str()),
        ("password", PASSWORD),
        ("csrf_token", browser.csrf.clone().unwrap().as_str()),
    ])
    .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |header: &'static str, value: &'static str| {
        client
            .post(format!("{}/login", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", browser.cookie_header())
            .header(header, value)
            .body(body.clone())
            .send()
    };
    assert_eq!(
        post("origin", "https://evil.example")
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post("sec-fetch-site", "cross-site").await.unwrap().status(),
        403
    );
    assert_eq!(
        post("sec-fetch-site", "same-site").await.unwrap().status(),
        403
    );
    assert!(
        app.audit_kinds_for(user.id).await.is_empty(),
        "no login was even tried"
    );
    let own = app.address.clone();
    let same = client
        .post(format!("{own}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", browser.cookie_header())
        .header("origin", own.as_str())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 303, "the same site is fine");
}
