//! A database outage under a running server: pages answer a friendly 503
//! (never a 500), `/healthz` 503, and Trygg recovers by itself once
//! PostgreSQL is back, with nothing committed lost. Its own cluster, so the
//! other tests' one keeps running.

use std::os::unix::fs::PermissionsExt;

use trygg::accounts::Role;
use trygg::db::embedded::EmbeddedCluster;

use crate::helpers::TestApp;

#[tokio::test]
async fn while_the_database_is_down_pages_answer_503_and_recover_by_themselves() {
    let dir = crate::cli::open_tempdir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = dir.path().join("cluster");
    let cluster = EmbeddedCluster::start_throwaway(&root)
        .await
        .expect("cluster");
    let db = trygg::db::connect_server_pool(cluster.app_options(), 5)
        .await
        .expect("pool");
    trygg::db::prepare(&cluster.owner_options(), trygg::db::embedded::APP_ROLE)
        .await
        .expect("migrations");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let app = trygg::router(trygg::AppState::new(db.clone()).await.unwrap());
    tokio::spawn(trygg::http::server::serve(
        listener,
        app,
        trygg::http::server::Limits::default(),
        std::future::pending(),
    ));
    let app = TestApp {
        address,
        db: db.clone(),
        db_name: "trygg".into(),
    };
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;
    let case = crate::cases::new_case(&mut browser, &user, "Kari Eksempel").await;
    let case = format!("/cases/{case}");

    cluster.stop().await;
    let down = browser.get(&case).await;
    assert_eq!(down.status, 503);
    assert!(
        down.body.contains("får ikke kontakt med databasen"),
        "{}",
        down.body
    );
    assert_eq!(down.header("retry-after"), "10");
    assert_eq!(app.browser().get("/healthz").await.status, 503);
    assert_eq!(
        app.browser().get("/login").await.status,
        200,
        "the login page needs no database"
    );
    // A form posted now is not lost: it comes back in the page, to send again.
    let contact = user.id.to_string();
    let posted = browser
        .post(
            "/cases/new",
            &[
                ("resident_name", "Under <utfall> & \"sånn\""),
                ("resident_birth_date", "14.03.1988"),
                ("arrival_date", "23.11.2026"),
                ("contact_person_id", &contact),
                ("violence", "physical"),
                ("violence", "trafficking"),
                ("note", "Skrevet mens databasen var nede."),
            ],
        )
        .await;
    assert_eq!(posted.status, 503);
    assert!(
        posted.body.contains("ligger i denne fanen"),
        "{}",
        posted.body
    );
    assert_eq!(
        posted.text("#typed-text").as_deref(),
        Some("Under <utfall> & \"sånn\"\n\nSkrevet mens databasen var nede."),
        "what was written in words, to copy"
    );
    assert_eq!(
        posted.attr(".resend-form", "action").as_deref(),
        Some("/cases/new")
    );
    let kept = crate::helpers::form_fields(&posted, "resend-form", &[]);
    assert!(
        kept.contains(&("resident_name".into(), "Under <utfall> & \"sånn\"".into())),
        "{kept:?}"
    );
    let token = browser.csrf.clone();
    assert!(token.is_some());
    assert_eq!(
        posted.attr(".resend-form input[name=csrf_token]", "value"),
        token,
        "the form's own token goes with it"
    );
    // A password is never written into a page.
    let password = browser
        .post(
            "/account/password",
            &[
                ("current_password", "Gammelt passord 2026"),
                ("new_password", "Et nytt og langt passord"),
                ("new_password_confirm", "Et nytt og langt passord"),
            ],
        )
        .await;
    assert_eq!(password.status, 503);
    assert!(!password.body.contains("passord 2026"));
    assert!(!password.body.contains("Et nytt og langt"));
    assert_eq!(password.count(".resend-form"), 0);
    // A post from another site gets no page of it.
    browser
        .headers
        .push(("sec-fetch-site", "cross-site".to_owned()));
    let forged = browser
        .post("/cases/new", &[("resident_name", "Fra et annet nettsted")])
        .await;
    browser.headers.pop();
    assert!(
        forged.status == 403 || forged.status == 503,
        "{}",
        forged.status
    );
    assert!(!forged.body.contains("Fra et annet nettsted"));

    let cluster = EmbeddedCluster::start_throwaway(&root)
        .await
        .expect("restart");
    let back = browser.get(&case).await;
    assert_eq!(
        back.status, 200,
        "recovered without a restart, still signed in"
    );
    assert!(
        back.body.contains("Kari Eksempel"),
        "nothing committed was lost"
    );
    let resent = browser.post_fields("/cases/new", &kept).await;
    assert_eq!(
        resent.status, 303,
        "sent again, it is saved: {}",
        resent.body
    );
    let made = browser.get(resent.location()).await;
    assert!(
        made.html()
            .root_element()
            .text()
            .collect::<String>()
            .contains("Under <utfall> & \"sånn\""),
        "the case made from the kept form: {}",
        made.body
    );
    assert_eq!(app.browser().get("/healthz").await.status, 200);
    db.close().await;
    cluster.stop().await;
}
