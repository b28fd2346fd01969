//! First run: the one-time setup link creates the first centre and its
//! administrator, works once, and is gone afterwards.

use crate::helpers::spawn_app;

const GOOD: [(&str, &str); 6] = [
    ("centre_name", "Krisesenteret i Vest"),
    ("shielded_address", "on"),
    ("full_name", "Kari Nordmann"),
    ("email", "kari@test.example"),
    ("password", "lilla hest spiser grøt"),
    ("password_confirm", "lilla hest spiser grøt"),
];

#[tokio::test]
async fn setup_link_creates_the_first_centre_and_administrator_once() {
    let app = spawn_app().await;
    let token = trygg::setup::issue_token_if_needed(&app.db)
        .await
        .unwrap()
        .expect("no accounts yet");
    let mut browser = app.browser();

    let page = browser.get(&format!("/setup?token={token}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sett opp Trygg"));

    // The link is used up: another browser with it gets nothing…
    let mut other = app.browser();
    assert_eq!(
        other.get(&format!("/setup?token={token}")).await.status,
        404
    );
    // …but the browser that opened it may reload it (F5, a restored tab).
    let reloaded = browser.get(&format!("/setup?token={token}")).await;
    assert_eq!(reloaded.status, 200);
    assert_eq!(browser.get("/setup").await.status, 200);

    let done = browser.post("/setup", &GOOD).await;
    assert_eq!(done.status, 303);
    // The administrator enrols a second factor before anything else (ASVS 2.8).
    assert_eq!(
        done.location(),
        "/login/enrol?next=%2F%3Fmelding%3Dvelkommen"
    );
    assert_eq!(browser.get("/").await.location(), "/login");
    let (_, enrolled) = app.enrol(&mut browser, done.location()).await;
    assert_eq!(enrolled.status, 200);
    assert_eq!(enrolled.count("ol.recovery-codes li"), 10);
    let onward = enrolled.attr("a.ds-button", "href").unwrap();
    assert_eq!(onward, "/?melding=velkommen");
    let home = browser.get(&onward).await;
    assert!(home.body.contains("Hei, Kari Nordmann"));
    assert!(home.body.contains("Administrator"));

    let centre: (String, bool) = sqlx::query_as("SELECT name, has_shielded_address FROM centres")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(centre, ("Krisesenteret i Vest".to_owned(), true));

    // The page is gone, and no new link is issued.
    assert_eq!(browser.get("/setup").await.status, 404);
    assert_eq!(browser.post("/setup", &GOOD).await.status, 404);
    assert!(
        trygg::setup::issue_token_if_needed(&app.db)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn setup_needs_the_printed_token() {
    let app = spawn_app().await;
    let _token = trygg::setup::issue_token_if_needed(&app.db).await.unwrap();
    let mut browser = app.browser();
    assert_eq!(browser.get("/setup").await.status, 404);
    assert_eq!(browser.get("/setup?token=guess").await.status, 404);
    assert_eq!(
        browser
            .get(&format!("/setup?token={}", "a".repeat(64)))
            .await
            .status,
        404
    );

    // A session from the login page may not complete setup either.
    browser.get("/login").await;
    assert_eq!(browser.post("/setup", &GOOD).await.status, 404);
    let accounts = app.count("accounts").await;
    assert_eq!(accounts, 0);
}

#[tokio::test]
async fn setup_errors_keep_what_was_typed() {
    let app = spawn_app().await;
    let token = trygg::setup::issue_token_if_needed(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut browser = app.browser();
    browser.get(&format!("/setup?token={token}")).await;

    let response = browser
        .post(
            "/setup",
            &[
                ("centre_name", "Senteret"),
                ("shielded_address", "on"),
                ("full_name", ""),
                ("email", "ikke-en-adresse"),
                ("password", "kort"),
                ("password_confirm", "annet"),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    for id in [
        "full_name-error",
        "email-error",
        "password-error",
        "password_confirm-error",
    ] {
        assert!(response.body.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(
        response.body.contains(r##"href="#email""##),
        "the summary links to the field"
    );
    assert_eq!(
        response.input_value("centre_name").as_deref(),
        Some("Senteret")
    );
    assert_eq!(
        response.input_value("email").as_deref(),
        Some("ikke-en-adresse")
    );
    assert_eq!(
        response.count(r#"input#shielded_address[type="checkbox"][checked]"#),
        1
    );
    assert!(response.is_checked("shielded_address", "on"));

    // The same session can still finish.
    assert_eq!(browser.post("/setup", &GOOD).await.status, 303);
}
