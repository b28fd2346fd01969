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
    let db = trygg::db::pool_options(5)
        .connect_with(cluster.app_options())
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
    let posted = browser
        .post("/cases/new", &[("resident_name", "Under utfall")])
        .await;
    assert_eq!(posted.status, 503);

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
    assert_eq!(app.browser().get("/healthz").await.status, 200);
    db.close().await;
    cluster.stop().await;
}
