//! The browser suite (`tests/browser`, Playwright driving Debian's Chromium)
//! runs as part of `cargo test`: this test installs what it lacks, starts
//! Trygg, seeds it through the CLI, runs the suite, and then checks that the
//! crawler visited every GET route the router has.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::{open_tempdir, run, text, trygg};
use crate::helpers::{TestApp, database_env, spawn_app};
use crate::permissions::{route_shape, router_routes};

/// GET routes the crawler cannot reach as a page, and why.
const NOT_CRAWLED: [(&str, &str); 7] = [
    (
        "/login/code",
        "a step of signing in: keyboard.spec.js walks it and axe checks it",
    ),
    (
        "/login/enrol",
        "the first sign-in's step: keyboard.spec.js walks it and axe checks it",
    ),
    (
        "/compliance.csv",
        "a download, not a page: tests/api/compliance.rs",
    ),
    ("/healthz", "the health check, not a page"),
    ("/static/{}", "stylesheets, script and icon"),
    ("/favicon.ico", "the icon"),
    (
        "/resume",
        "exists only while a form is kept across an expired session: tests/api/sessions.rs",
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn browser_suite_passes_on_every_page_for_every_role() {
    let chromium = ensure_chromium().await;
    ensure_npm_packages().await;

    let app = spawn_app().await;
    let users = seed_through_cli(&app).await;
    let empty = spawn_app().await;
    let token = trygg::setup::issue_token_if_needed(&empty.db)
        .await
        .unwrap()
        .unwrap();
    let crawl_dir = root().join("test-results").join("crawl");
    let _ = std::fs::remove_dir_all(&crawl_dir);
    let totp_state = open_tempdir();

    let status = tokio::process::Command::new("npx")
        .args(["--no-install", "playwright", "test"])
        .current_dir(root())
        .env("TRYGG_TEST_URL", &app.address)
        .env("TRYGG_TEST_USERS", users.to_string())
        .env(
            "TRYGG_TEST_SETUP_URL",
            format!("{}/setup?token={token}", empty.address),
        )
        .env("TRYGG_CHROMIUM", chromium)
        .env("TRYGG_TEST_TOTP_STATE", totp_state.path().join("totp.json"))
        .status()
        .await
        .expect("npx could not be started: install Node.js and npm");
    assert!(
        status.success(),
        "the browser suite failed; its report is above"
    );

    let visited = visited_routes(&crawl_dir);
    let missing: Vec<String> = get_routes()
        .into_iter()
        .filter(|route| !visited.contains(route))
        .filter(|route| !NOT_CRAWLED.iter().any(|(r, _)| r == route))
        .collect();
    assert!(
        missing.is_empty(),
        "pages no crawler reached, so nothing checked them: {missing:?}. Link to them, or list them in NOT_CRAWLED with the reason."
    );
}

/// Debian's Chromium, or the one `TRYGG_CHROMIUM` names.
async fn ensure_chromium() -> String {
    match std::env::var("TRYGG_CHROMIUM") {
        Ok(path) => path,
        Err(_) => {
            crate::helpers::ensure_installed("chromium", "/usr/bin/chromium", "the browser tests")
                .await
        }
    }
}

/// `npm ci` from the committed lock file, when node_modules is missing or older.
async fn ensure_npm_packages() {
    let lock = root().join("package-lock.json");
    let installed = root().join("node_modules").join(".package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&installed), modified(&lock)), (Some(i), Some(l)) if i >= l);
    if fresh {
        return;
    }
    eprintln!("Installing the browser tests' npm packages (npm ci)…");
    let status = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root())
        .status()
        .await
        .expect("npm could not be started: install Node.js (20 or newer) and npm");
    assert!(status.success(), "npm ci failed; see above");
}

/// The accounts the suite uses, made as an operator would: with the CLI.
async fn seed_through_cli(app: &TestApp) -> serde_json::Value {
    let cwd = open_tempdir();
    let url = database_env(&app.db_name);
    let mut centre = trygg(cwd.path());
    centre.envs(url.clone()).args([
        "centre",
        "add",
        "--name",
        "Krisesenteret i Testby",
        "--shielded-address",
    ]);
    let out = run(centre, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let mut users = serde_json::Map::new();
    for (key, role, name) in [
        ("staff", "staff", "Sara Ansatt"),
        ("coordinator", "coordinator", "Kåre Koordinator"),
        ("admin", "admin", "Anne Administrator"),
        ("keyboard_js", "staff", "Tor Tastatur"),
        ("keyboard_nojs", "staff", "Tone Tastatur"),
        ("keyboard_nojs_mapping", "staff", "Trond Tastatur"),
    ] {
        let email = format!("test.{key}@testby.example");
        let password = format!("{name} har et langt passord");
        let mut add = trygg(cwd.path());
        add.envs(url.clone()).args([
            "user",
            "add",
            "--centre",
            "Krisesenteret i Testby",
            "--email",
            &email,
            "--name",
            name,
            "--role",
            role,
        ]);
        let out = run(add, &format!("{password}\n")).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        // The keyboard users enrol their app in the suite, by keyboard;
        // the others have one already, as after their first login.
        let secret = match key.starts_with("keyboard_") && key != "keyboard_nojs_mapping" {
            true => String::new(),
            false => enrol(app, &email).await,
        };
        users.insert(
            key.into(),
            json!({ "email": email, "password": password, "name": name, "secret": secret }),
        );
    }
    // Cases with children and mappings in every state, so every page has data.
    let mut seed = trygg(cwd.path());
    seed.envs(url.clone())
        .args(["seed", "--centre", "Krisesenteret i Testby", "--cases", "3"]);
    let out = run(seed, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // U4: one approved plan whose review date has passed, found by the
    // scan an operator runs (the server's own scan runs on a timer).
    let (overdue, person): (String, uuid::Uuid) = sqlx::query_as(
        "WITH chosen AS (
             SELECT pl.id, pe.name FROM plans pl
             JOIN persons pe ON pe.id = pl.person_id JOIN cases c ON c.id = pe.case_id
             WHERE pl.state = 'approved' AND pe.removed_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM plans newer
                               WHERE newer.person_id = pl.person_id AND newer.version > pl.version)
             ORDER BY pe.name LIMIT 1)
         UPDATE plans SET next_review_on = $1 FROM chosen
         WHERE plans.id = chosen.id RETURNING chosen.name, plans.person_id",
    )
    // Three days ago in Norway, as Trygg counts days (the database's own
    // date is UTC's, a day behind from midnight to one or two).
    .bind(trygg::locale::today() - time::Duration::days(3))
    .fetch_one(&app.db)
    .await
    .expect("the seed has an approved plan");
    // Its case still open, so the scan flags it.
    sqlx::query(
        "UPDATE cases SET closed_on = NULL WHERE id = (SELECT case_id FROM persons WHERE id = $1)",
    )
    .bind(person)
    .execute(&app.db)
    .await
    .unwrap();
    let mut scan = trygg(cwd.path());
    scan.envs(url.clone()).args(["reviews", "scan"]);
    let out = run(scan, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    users.insert("overdue_person".into(), json!(overdue));

    // § 4 c: two more centres with relocations between them in every
    // state, as `trygg seed --centres` makes them; a staff member of the
    // first is crawled too, and receives the journey's relocation.
    let mut seed = trygg(cwd.path());
    seed.envs(url.clone())
        .args(["seed", "--centres", "2", "--cases", "6"]);
    let out = run(seed, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let password = report
        .split("the password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the seed prints the shared password");
    assert!(report.contains("relocation(s) from"), "{report}");
    for (key, email, name) in [
        ("relocated", "ansatt1.1@eksempel.test", "Siri Prøvestad"),
        ("destination", "ansatt2.1@eksempel.test", "Jonas Testrud"),
    ] {
        // The seed enrols its accounts and prints each one's key beside it.
        let secret = report
            .lines()
            .find(|line| line.trim_start().starts_with(email))
            .and_then(|line| line.split_whitespace().last())
            .expect("the seed prints each account's key");
        users.insert(
            key.into(),
            json!({ "email": email, "password": password, "name": name, "secret": secret, "centre": "Eksempelsenteret 1" }),
        );
    }
    serde_json::Value::Object(users)
}

/// Enrols the account with `email` with a new secret; returns it in base32.
async fn enrol(app: &TestApp, email: &str) -> String {
    let secret = trygg::auth::second_factor::new_secret();
    sqlx::query("UPDATE accounts SET totp_secret = $2 WHERE email = $1")
        .bind(email)
        .bind(&secret)
        .execute(&app.db)
        .await
        .unwrap();
    trygg::auth::second_factor::base32(&secret)
}

/// The routes behind the paths the crawler wrote down.
fn visited_routes(dir: &Path) -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("the crawler wrote no results") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let paths: Vec<String> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for p in paths {
            let p = p.split('?').next().unwrap_or_default();
            routes.insert(route_shape(p));
        }
    }
    routes
}

/// The router's GET routes.
fn get_routes() -> BTreeSet<String> {
    router_routes()
        .into_iter()
        .filter(|(method, _)| *method == "GET")
        .map(|(_, route)| route)
        .collect()
}
