//! No input, however hostile, gets a 5xx: every form posted with missing,
//! repeated, over-long, non-UTF-8 and wrongly typed fields, and every path
//! with each of its ids replaced by garbage, by a role that may use it.

use trygg::accounts::Role;

use crate::helpers::{Browser, TestApp, spawn_app};
use crate::permissions::{Need, fixture, needs, router_routes};

const GARBAGE_SEGMENTS: [&str; 6] = [
    "x'--",
    "%00",
    "..%2F..%2Fetc",
    "99999999999999999999",
    "00000000-0000-0000-0000-000000000000",
    "%FF%FE",
];

/// The names of every field in the page's forms.
fn field_names(page: &crate::helpers::Response) -> Vec<String> {
    let mut names: Vec<String> = page
        .html()
        .select(&crate::helpers::selector(
            "input[name], textarea[name], select[name]",
        ))
        .filter_map(|e| e.attr("name").map(str::to_owned))
        .filter(|n| n != "csrf_token")
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The field names of the form that posts to `path`: from its own page, or
/// from its edit page.
async fn names_for(browser: &mut Browser, path: &str) -> Vec<String> {
    for page in [path.to_owned(), format!("{path}/edit")] {
        let answer = browser.get(&page).await;
        if answer.status == 200 {
            return field_names(&answer);
        }
    }
    Vec::new()
}

fn encoded(pairs: &[(String, String)], csrf: &str) -> String {
    let mut all = pairs.to_vec();
    all.push(("csrf_token".into(), csrf.to_owned()));
    serde_urlencoded::to_string(all).unwrap()
}

/// Hostile bodies for a form with `names`: each as raw form text.
fn hostile_bodies(names: &[String], csrf: &str) -> Vec<String> {
    let overlong = "å".repeat(5_000);
    let values = [
        "",
        "x'--; DROP TABLE cases",
        "<script>alert(1)</script>",
        "31.02.2026",
        "-1",
        "99999999999999999999",
        "nan",
        "\u{0}",
        overlong.as_str(),
    ];
    let mut bodies = vec![encoded(&[], csrf)];
    for value in values {
        let pairs: Vec<(String, String)> = names
            .iter()
            .map(|n| (n.clone(), value.to_owned()))
            .collect();
        bodies.push(encoded(&pairs, csrf));
    }
    let repeated: Vec<(String, String)> = names
        .iter()
        .flat_map(|n| [(n.clone(), "1".to_owned()), (n.clone(), "to".to_owned())])
        .collect();
    bodies.push(encoded(&repeated, csrf));
    let not_utf8: Vec<String> = names.iter().map(|n| format!("{n}=%FF%FE%FD")).collect();
    bodies.push(format!("{}&csrf_token={csrf}", not_utf8.join("&")));
    // Row numbers no form of ours sends: read no further than the limit.
    let huge_rows: Vec<String> = ["fear", "risk", "measure", "candidate", "child", "scope"]
        .iter()
        .flat_map(|prefix| {
            [
                format!("{prefix}_18446744073709551614_text=x"),
                format!("{prefix}_4000000000_label=x"),
            ]
        })
        .collect();
    bodies.push(format!("{}&csrf_token={csrf}", huge_rows.join("&")));
    bodies
}

/// A browser of the first role that may use the route.
fn role_for(need: Need) -> Option<Role> {
    match need {
        Need::Public => None,
        Need::SignedIn => Some(Role::Staff),
        Need::May(permission) => Role::ALL.iter().copied().find(|r| r.may(permission)),
    }
}

#[tokio::test]
async fn no_hostile_form_or_path_gets_a_server_error() {
    let app: TestApp = spawn_app().await;
    let (centre, ids) = fixture(&app).await;
    let mut browsers = Vec::new();
    for role in Role::ALL {
        let user = app.user(&centre, *role).await;
        browsers.push((*role, app.signed_in(&user).await));
    }
    let mut anonymous = app.browser();
    anonymous.get("/login").await;

    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for (method, route) in router_routes() {
        if route == "/logout" || route.starts_with("/static") {
            continue;
        }
        let need = needs(method, &route).expect("classified in permissions.rs");
        let browser = match role_for(need) {
            Some(role) => &mut browsers.iter_mut().find(|(r, _)| *r == role).unwrap().1,
            None => &mut anonymous,
        };
        let path = ids.path(&route);

        // Every id in the path replaced by garbage, one at a time.
        let shape: Vec<&str> = route.split('/').collect();
        for (at, part) in shape.iter().enumerate() {
            if *part != "{}" {
                continue;
            }
            for garbage in GARBAGE_SEGMENTS {
                let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
                segments[at] = garbage.to_owned();
                let bad = segments.join("/");
                let answer = match method {
                    "GET" => browser.get(&bad).await,
                    _ => browser.post(&bad, &[]).await,
                };
                if answer.status >= 500 {
                    failures.push(format!("{method} {bad}: {}", answer.status));
                }
            }
        }

        if method == "POST" {
            let base = path.split('?').next().unwrap_or_default().to_owned();
            let mut names = names_for(browser, &base).await;
            if names.is_empty() {
                names = [
                    "name",
                    "action",
                    "code",
                    "email",
                    "password",
                    "lock_version",
                ]
                .map(str::to_owned)
                .to_vec();
            }
            browser.get("/").await;
            let csrf = browser.csrf.clone().unwrap_or_default();
            for body in hostile_bodies(&names, &csrf) {
                let answer = browser.post_raw(&path, body).await;
                *seen.entry(answer.status).or_insert(0) += 1;
                if answer.status >= 500 {
                    failures.push(format!(
                        "POST {path} ({} fields): {}",
                        names.len(),
                        answer.status
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "server errors: {failures:#?}");
    // The forms were read and refused on their merits, not at the door.
    assert!(seen.get(&422).copied().unwrap_or(0) >= 50, "{seen:?}");
    assert!(!seen.contains_key(&403), "{seen:?}");
}
