//! Logging in and out, lockout, temporary passwords, password changes (U1).

use trygg::accounts::Role;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn anonymous_visitor_is_sent_to_login_page_with_email_and_password_fields() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    let home = browser.get("/").await;
    assert_eq!(home.status, 303);
    assert_eq!(home.location(), "/login");

    let admin_page = browser.get("/admin/users").await;
    assert_eq!(admin_page.location(), "/login?next=%2Fadmin%2Fusers");

    let login = browser.get("/login").await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains(r#"name="email""#));
    assert!(login.body.contains(r#"name="password""#));
    assert!(
        login
            .body
            .contains(r#"<label class="ds-label" for="email">"#)
    );
}

#[tokio::test]
async fn staff_logs_in_and_sees_full_name_on_dashboard() {
    let app = spawn_app().await;
    let centre = app.centre("Krisesenteret i Nord").await;
    let user = app.user_named(&centre, Role::Staff, "Åse Ødegård").await;
    let mut browser = app.browser();
    let response = browser.login(&user.email.to_uppercase(), PASSWORD).await;
    assert_eq!(
        response.status, 303,
        "e-mail is matched without regard to case"
    );
    assert_eq!(response.location(), "/login/code", "then the second factor");
    assert_eq!(app.enter_code(&mut browser, &user).await.location(), "/");

    let home = browser.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Hei, Åse Ødegård"));
    assert!(home.body.contains("Krisesenteret i Nord"));
    assert!(
        home.body.contains(r#"action="/logout""#),
        "a logout button on the page"
    );
}

#[tokio::test]
async fn login_returns_to_the_page_asked_for_but_never_off_site() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;

    let mut browser = app.browser();
    browser.get("/login?next=%2Fadmin%2Faudit").await;
    let response = browser
        .post(
            "/login",
            &[
                ("email", &admin.email),
                ("password", PASSWORD),
                ("next", "/admin/audit"),
            ],
        )
        .await;
    assert_eq!(response.location(), "/login/code?next=%2Fadmin%2Faudit");
    let code_page = browser.get(response.location()).await;
    let next = code_page
        .input_value("next")
        .expect("next kept in the form");
    let code = app.fresh_code(admin.id, &admin.secret).await;
    let response = browser
        .post("/login/code", &[("code", &code), ("next", &next)])
        .await;
    assert_eq!(response.location(), "/admin/audit");

    for hostile in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let mut browser = app.browser();
        browser.get("/login").await;
        let response = browser
            .post(
                "/login",
                &[
                    ("email", &admin.email),
                    ("password", PASSWORD),
                    ("next", hostile),
                ],
            )
            .await;
        assert_eq!(response.location(), "/login/code", "next={hostile}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;

    let mut browser = app.browser();
    let wrong_password = browser.login(&user.email, "feil passord her").await;
    let mut browser = app.browser();
    let unknown_email = browser
        .login("ingen@test.example", "feil passord her")
        .await;

    assert_eq!(wrong_password.status, 401);
    assert_eq!(unknown_email.status, 401);
    for response in [&wrong_password, &unknown_email] {
        assert!(response.body.contains("Feil e-post eller passord."));
        assert!(response.cookie_free_of_session());
    }
    assert_eq!(
        wrong_password.input_value("email").as_deref(),
        Some(user.email.as_str()),
        "e-mail kept"
    );
}

#[tokio::test]
async fn empty_fields_are_named_next_to_the_field() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    let response = browser.login("", "").await;
    assert_eq!(response.status, 422);
    assert!(response.body.contains("Skjemaet har feil"));
    assert!(response.body.contains(r#"id="email-error""#));
    assert!(response.body.contains(r#"id="password-error""#));
    assert!(response.body.contains(r#"aria-describedby="email-error""#));
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.browser();

    for attempt in 1..=4 {
        let response = browser.login(&user.email, "feil passord her").await;
        assert_eq!(response.status, 401, "attempt {attempt}");
    }
    let fifth = browser.login(&user.email, "feil passord her").await;
    assert_eq!(fifth.status, 429);
    assert!(fifth.body.contains("sperret i inntil 15 minutter"));

    let right = browser.login(&user.email, PASSWORD).await;
    assert_eq!(
        right.status, 429,
        "the right password is refused while locked"
    );
    assert!(right.body.contains("sperret i inntil 15 minutter"));

    let kinds = app.audit_kinds_for(user.id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "login_failed").count(), 5);
    assert!(kinds.contains(&"lockout".to_owned()));
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("login_refused_locked")
    );

    // Fifteen minutes later the lock is gone.
    sqlx::query("UPDATE login_throttle SET window_start = window_start - interval '15 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    let later = browser.login(&user.email, PASSWORD).await;
    assert_eq!(later.status, 303);
}

#[tokio::test]
async fn failures_older_than_fifteen_minutes_do_not_count() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.browser();
    for _ in 0..4 {
        browser.login(&user.email, "feil passord her").await;
    }
    sqlx::query("UPDATE login_throttle SET window_start = window_start - interval '16 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    let fifth = browser.login(&user.email, "feil passord her").await;
    assert_eq!(fifth.status, 401, "only one failure in the last 15 minutes");
}

#[tokio::test]
async fn an_unknown_email_locks_like_a_known_one() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    for _ in 0..4 {
        browser
            .login("ukjent@test.example", "feil passord her")
            .await;
    }
    let fifth = browser
        .login("ukjent@test.example", "feil passord her")
        .await;
    assert_eq!(
        fifth.status, 429,
        "a lock must not reveal whether the account exists"
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;
    let old_cookie = browser.cookie.clone();
    browser.get("/").await;

    let response = browser.post("/logout", &[]).await;
    assert_eq!(response.status, 303);
    assert_eq!(response.location(), "/login?melding=logget-ut");
    assert!(response.header("set-cookie").contains("Max-Age=0"));
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE account_id = $1")
        .bind(user.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions, 0);

    // The old cookie, replayed, opens nothing.
    browser.cookie = old_cookie;
    assert_eq!(browser.get("/").await.location(), "/login");
    assert_eq!(
        app.audit_kinds_for(user.id)
            .await
            .last()
            .map(String::as_str),
        Some("logout")
    );
}

#[tokio::test]
async fn deactivated_account_cannot_log_in() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    trygg::accounts::set_active(&app.db, user.id, false)
        .await
        .unwrap();
    let mut browser = app.browser();
    let response = browser.login(&user.email, PASSWORD).await;
    assert_eq!(response.status, 401);
    assert!(response.body.contains("Feil e-post eller passord."));
}

#[tokio::test]
async fn temporary_password_must_be_changed_before_anything_else() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let hash = trygg::auth::password::hash("midlertidig-abcd-efgh".into())
        .await
        .unwrap();
    trygg::accounts::set_password(&app.db, user.id, &hash, true)
        .await
        .unwrap();

    let mut browser = app.browser();
    let login = browser.login(&user.email, "midlertidig-abcd-efgh").await;
    assert_eq!(login.location(), "/login/code");
    let login = app.enter_code(&mut browser, &user).await;
    assert_eq!(login.location(), "/account/password");
    assert_eq!(browser.get("/").await.location(), "/account/password");
    let form = browser.get("/account/password").await;
    assert!(form.body.contains("midlertidig passord"));

    let changed = browser
        .post(
            "/account/password",
            &[
                ("current_password", "midlertidig-abcd-efgh"),
                ("new_password", "en helt ny og lang setning"),
                ("new_password_confirm", "en helt ny og lang setning"),
            ],
        )
        .await;
    assert_eq!(changed.location(), "/?melding=passord-endret");
    let home = browser.get("/?melding=passord-endret").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Passordet ditt er endret."));
}

#[tokio::test]
async fn password_change_refuses_wrong_current_weak_and_mismatched_passwords() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;
    browser.get("/account/password").await;

    let cases = [
        (
            "feil nåværende passord",
            "en helt ny og lang setning",
            "en helt ny og lang setning",
            "current_password-error",
        ),
        (PASSWORD, "kort", "kort", "new_password-error"),
        (
            PASSWORD,
            "qwerty123456",
            "qwerty123456",
            "new_password-error",
        ),
        (
            PASSWORD,
            "password12345678",
            "password12345678",
            "new_password-error",
        ),
        (
            PASSWORD,
            "en helt ny og lang setning",
            "en annen setning her",
            "new_password_confirm-error",
        ),
        (PASSWORD, PASSWORD, PASSWORD, "new_password-error"),
    ];
    for (current, new, confirm, error_id) in cases {
        let response = browser
            .post(
                "/account/password",
                &[
                    ("current_password", current),
                    ("new_password", new),
                    ("new_password_confirm", confirm),
                ],
            )
            .await;
        assert_eq!(response.status, 422, "{new}");
        assert!(
            response.body.contains(&format!(r#"id="{error_id}""#)),
            "{new}: {error_id}"
        );
    }
    // Nothing changed: the old password still works.
    let mut other = app.browser();
    assert_eq!(other.login(&user.email, PASSWORD).await.status, 303);
}

#[tokio::test]
async fn password_change_signs_out_the_other_sessions_only() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut here = app.signed_in(&user).await;
    let mut elsewhere = app.signed_in(&user).await;
    here.get("/account/password").await;
    let response = here
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "en helt ny og lang setning"),
                ("new_password_confirm", "en helt ny og lang setning"),
            ],
        )
        .await;
    assert_eq!(response.status, 303);
    assert_eq!(here.get("/").await.status, 200);
    assert_eq!(elsewhere.get("/").await.location(), "/login");
    let kinds = app.audit_kinds_for(user.id).await;
    assert!(kinds.contains(&"password_changed".to_owned()));
}

trait SessionCookie {
    fn cookie_free_of_session(&self) -> bool;
}

impl SessionCookie for crate::helpers::Response {
    /// A failed login starts no signed-in session.
    fn cookie_free_of_session(&self) -> bool {
        !self.headers.get_all("set-cookie").iter().any(|c| {
            c.to_str()
                .unwrap()
                .starts_with(crate::helpers::SESSION_COOKIE)
        })
    }
}

/// A NUL character in the login form is no 500 (PostgreSQL stores none).
#[tokio::test]
async fn a_nul_character_at_login_is_a_wrong_login_not_a_server_error() {
    let app = crate::helpers::spawn_app().await;
    let mut browser = app.browser();
    browser.get("/login").await;
    let csrf = browser.csrf.clone().unwrap();
    let response = browser
        .post_raw(
            "/login",
            format!("email=a%00b&password=x%00y&csrf_token={csrf}"),
        )
        .await;
    assert_eq!(response.status, 401);
}
