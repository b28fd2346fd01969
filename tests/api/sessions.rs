//! Server-side sessions: cookie attributes, rotation, idle and absolute
//! expiry, and forms kept across an expired session.

use trygg::accounts::Role;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn session_cookie_is_httponly_secure_strict_and_rotated_at_login() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.browser();

    let login_page = browser.get("/login").await;
    assert_eq!(browser.cookie, None, "a visit starts no session");
    let set_cookie = login_page.header("set-cookie");
    assert!(set_cookie.starts_with("__Host-trygg_form="), "{set_cookie}");

    let response = browser
        .post("/login", &[("email", &user.email), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status, 303);
    let set_cookie = response.header("set-cookie");
    // ASVS 3.4.4: __Host- means only this host, over HTTPS, for the whole site.
    assert!(
        set_cookie.starts_with("__Host-trygg_session="),
        "{set_cookie}"
    );
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    let before = browser
        .cookie
        .clone()
        .expect("the password opens the code step");
    assert_eq!(
        browser.get("/").await.location(),
        "/login",
        "a password alone opens nothing"
    );

    let response = app.enter_code(&mut browser, &user).await;
    assert_eq!(response.status, 303);
    let after = browser.cookie.clone().expect("signed-in session");
    assert_ne!(before, after, "the session id changes at each step");

    // The step's session is gone: fixing it on a victim gains nothing.
    browser.cookie = Some(before);
    assert_eq!(browser.get("/").await.location(), "/login");
}

#[tokio::test]
async fn session_token_is_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let browser = app.signed_in(&user).await;
    let token = browser.cookie.clone().unwrap();
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h != token.as_bytes()));
    assert!(stored.contains(&trygg::auth::token::hash_token(&token)));
}

#[tokio::test]
async fn session_ends_after_thirty_minutes_idle() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;

    app.age_session(&browser, 29, 60).await;
    assert_eq!(
        browser.get("/").await.status,
        200,
        "29 minutes idle is fine"
    );
    app.age_session(&browser, 31, 60).await;
    assert_eq!(browser.get("/").await.location(), "/login");
}

#[tokio::test]
async fn session_ends_twelve_hours_after_login_however_busy() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;

    app.age_session(&browser, 1, 11 * 60 + 59).await;
    assert_eq!(browser.get("/").await.status, 200);
    app.age_session(&browser, 1, 12 * 60 + 1).await;
    assert_eq!(browser.get("/").await.location(), "/login");
}

#[tokio::test]
async fn form_posted_after_session_expired_comes_back_after_login() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;

    // The admin fills the form over a long phone call; the session times out.
    let (mut browser, response) = app
        .post_after_session_expired(&admin, "Ny Ansatt Ødegård")
        .await;
    assert_eq!(response.status, 303);
    assert_eq!(response.location(), "/login");
    assert_eq!(
        app.count("accounts WHERE email = 'ny.ansatt@test.example'")
            .await,
        0,
        "nothing is done without a live session"
    );

    let login_page = browser.get("/login").await;
    assert!(login_page.body.contains("får du tilbake det du skrev"));
    let login = browser
        .post("/login", &[("email", &admin.email), ("password", PASSWORD)])
        .await;
    assert_eq!(login.location(), "/login/code");
    let login = app.enter_code(&mut browser, &admin).await;
    assert_eq!(login.location(), "/resume");

    let resume = browser.get("/resume").await;
    assert_eq!(resume.status, 200);
    assert!(resume.body.contains("Ny Ansatt Ødegård"));
    assert!(resume.body.contains(r#"action="/admin/users/new""#));
    assert!(
        !resume.body.contains(&admin.password),
        "no password is kept"
    );

    // Sending it again does what the first post would have done.
    let again = browser
        .post(
            "/admin/users/new",
            &[
                ("full_name", "Ny Ansatt Ødegård"),
                ("email", "ny.ansatt@test.example"),
                ("role", "coordinator"),
            ],
        )
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(
        browser.get("/resume").await.location(),
        "/",
        "the kept form is used up"
    );
}

#[tokio::test]
async fn kept_form_is_not_handed_to_another_user() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let other = app.user(&centre, Role::Admin).await;
    let (mut browser, _) = app
        .post_after_session_expired(&admin, "Hemmelig Navn")
        .await;

    // Someone else logs in at the same computer.
    browser.get("/login").await;
    browser
        .post("/login", &[("email", &other.email), ("password", PASSWORD)])
        .await;
    let login = app.enter_code(&mut browser, &other).await;
    assert_eq!(login.location(), "/");
    let resume = browser.get("/resume").await;
    assert_eq!(resume.location(), "/");
    assert!(!browser.get("/").await.body.contains("Hemmelig Navn"));
}

#[tokio::test]
async fn kept_form_can_be_discarded() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let admin = app.user(&centre, Role::Admin).await;
    let (mut browser, _) = app.post_after_session_expired(&admin, "Forkastes").await;
    browser.get("/login").await;
    browser
        .post("/login", &[("email", &admin.email), ("password", PASSWORD)])
        .await;
    app.enter_code(&mut browser, &admin).await;
    let home = browser.get("/").await;
    assert!(
        home.body.contains("/resume"),
        "the dashboard points at the kept form"
    );
    let discard = browser.post("/resume/discard", &[]).await;
    assert_eq!(discard.location(), "/?melding=forkastet");
    assert_eq!(browser.get("/resume").await.location(), "/");
}

#[tokio::test]
async fn expired_sessions_are_purged_a_day_after_they_end() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let recent = app.signed_in(&user).await;
    let old = app.signed_in(&user).await;
    app.age_session(&recent, 40, 60).await;
    app.age_session(&old, 30 + 24 * 60 + 1, 30 + 24 * 60 + 1)
        .await;

    let purged = trygg::jobs::purge_expired(&app.db).await.unwrap();
    assert_eq!(purged, 1);
    let left = app.count("sessions").await;
    assert_eq!(
        left, 1,
        "a recently expired session stays, so a form posted from it can be kept"
    );
}

/// Issue 16: a session's last use is written at most once a minute, so that
/// most pages write nothing to load their session; the idle rule holds.
#[tokio::test]
async fn a_sessions_last_use_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;
    let token = trygg::auth::token::hash_token(browser.cookie.as_deref().unwrap());
    let last_seen = || async {
        sqlx::query_scalar::<_, time::OffsetDateTime>(
            "SELECT last_seen_at FROM sessions WHERE id_hash = $1",
        )
        .bind(&token)
        .fetch_one(&app.db)
        .await
        .unwrap()
    };
    let signed_in = last_seen().await;
    assert_eq!(browser.get("/cases").await.status, 200);
    assert_eq!(
        last_seen().await,
        signed_in,
        "used within the minute: not written"
    );

    app.age_session(&browser, 2, 10).await;
    let aged = last_seen().await;
    assert_eq!(browser.get("/cases").await.status, 200);
    let touched = last_seen().await;
    assert!(
        touched - aged > time::Duration::seconds(110),
        "two minutes on: written"
    );
    assert_eq!(browser.get("/").await.status, 200);
    assert_eq!(last_seen().await, touched);

    app.age_session(&browser, 31, 40).await;
    let expired = browser.get("/cases").await;
    assert_eq!(expired.status, 303, "idle for 31 minutes: signed out");
}
