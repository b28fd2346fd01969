//! `trygg backup` and `trygg restore`: a round trip through PostgreSQL's
//! own tools, into an empty database only, and every page of a case reads
//! the same afterwards.

use std::os::unix::fs::PermissionsExt;

use trygg::accounts::Role;
use trygg::http::server::Limits;

use crate::cli::{open_tempdir, run, text, trygg};
use crate::helpers::{app_options, database_env, empty_database, serve_database, spawn_app};

/// What a person reads on a page: its headings, terms, cells and items.
async fn reading(browser: &mut crate::helpers::Browser, path: &str) -> Vec<String> {
    let page = browser.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    page.texts("main h1, main h2, main dt, main dd, main td, main li")
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_database_and_reads_the_same() {
    let app = spawn_app().await;
    let centre = app.centre("Krisesenteret i Vest").await;
    let staff = app.user(&centre, Role::Staff).await;
    trygg::seed::run(
        &app.db,
        trygg::seed::Options {
            centres: None,
            centre: Some("Krisesenteret i Vest".into()),
            cases: 3,
            force: false,
        },
    )
    .await
    .unwrap();
    let dir = open_tempdir();
    let file = dir.path().join("trygg.dump");
    let command = |db: &str, verb: &str| {
        let mut cmd = trygg(dir.path());
        cmd.envs(database_env(db)).arg(verb).arg(&file);
        cmd
    };

    // A sign-in, so the audit log has links.
    app.signed_in(&staff).await;
    let out = run(command(&app.db_name, "backup"), "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only its owner may read a backup");
    let again = run(command(&app.db_name, "backup"), "").await;
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
    assert!(text(&again.stderr).contains("exists already"));

    let into_itself = run(command(&app.db_name, "restore"), "").await;
    assert!(!into_itself.status.success());
    assert!(text(&into_itself.stderr).contains("not empty"));

    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["trygg.dump"], "no partial file left behind");
    let said = text(&out.stdout);
    let link = said.split("last link: ").nth(1).unwrap_or_default();
    assert!(link.starts_with(|c: char| c.is_ascii_digit()), "{said}");

    // A migrated but empty database has tables: only a new one is taken.
    let (migrated, _) = crate::helpers::fresh_database().await;
    let refused = run(command(&migrated, "restore"), "").await;
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("not empty"));

    let restored_options = empty_database().await;
    let restored_name = restored_options.get_database().unwrap().to_owned();
    let out = run(command(&restored_name, "restore"), "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Restored 1 centre(s), 1 account(s) and 3 case(s)"),
        "{}",
        text(&out.stdout)
    );
    let twice = run(command(&restored_name, "restore"), "").await;
    assert!(!twice.status.success(), "a restored database is not empty");

    let restored = serve_database(
        restored_name.clone(),
        app_options(&restored_name),
        |_| {},
        Limits::default(),
    )
    .await;
    let mut before = app.signed_in(&staff).await;
    let mut after = restored.signed_in(&staff).await;
    let people: Vec<(uuid::Uuid, uuid::Uuid)> =
        sqlx::query_as("SELECT case_id, id FROM persons ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(people.len() >= 3);
    let mut paths = vec!["/cases".to_owned()];
    for (case, person) in &people {
        paths.push(format!("/cases/{case}"));
        paths.push(format!("/cases/{case}/people/{person}/mapping"));
        paths.push(format!("/cases/{case}/people/{person}/plan"));
    }
    for path in &paths {
        assert_eq!(
            reading(&mut before, path).await,
            reading(&mut after, path).await,
            "{path} reads differently after the round trip"
        );
    }
}
