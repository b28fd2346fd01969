//! Every route of the router, asked by every role, answers as the one
//! permission table (`Role::permissions`) says: 403 where the role lacks the
//! permission, never 403 where it holds it, and the login page for nobody
//! signed in (U1–U3).

use std::collections::BTreeSet;
use std::path::PathBuf;

use trygg::accounts::Role;
use trygg::auth::Permission;
use trygg::seed::{self, Options};

use crate::helpers::{Browser, spawn_app};

/// What a route needs, by its shape (every parameter as `{}`). A route the
/// scan finds and this does not name fails the test: a new route must say
/// who may call it.
pub(crate) fn needs(method: &str, route: &str) -> Option<Need> {
    use Need::*;
    use Permission::*;
    Some(match (method, route) {
        (_, "/login" | "/setup" | "/healthz" | "/static/{}" | "/favicon.ico") => Public,
        // The steps after the password: they need a session at that step.
        (_, "/login/code" | "/login/enrol") => Public,
        (_, "/" | "/logout" | "/account/password" | "/resume" | "/resume/discard") => SignedIn,
        (_, r) if r.starts_with("/account/sessions") => SignedIn,
        (_, "/cases/{}/access-log") => May(ReadAccessLog),
        (_, "/cases/{}/restriction") => May(RestrictCases),
        ("POST", "/cases") => May(ReadCases), // the name search
        (_, r) if r.starts_with("/cases") => May(
            if method == "GET"
                && !r.ends_with("/edit")
                && !r.ends_with("/new")
                && !r.ends_with("/remove")
            {
                ReadCases
            } else {
                WriteCases
            },
        ),
        (_, r) if r.starts_with("/shared") => May(if method == "GET" {
            ReadCases
        } else {
            WriteCases
        }),
        (_, r) if r.starts_with("/reviews") => May(DecidePlans),
        (_, r) if r.starts_with("/admin/users") => May(ManageAccounts),
        (_, "/admin/centre") => May(ManageCentre),
        (_, "/admin/audit") => May(ReadAudit),
        (_, "/compliance" | "/compliance.csv") => May(ReadCompliance),
        _ => return None,
    })
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Need {
    Public,
    SignedIn,
    May(Permission),
}

/// Every `.route("…", get(…).post(…))` in `src/`: (method, route shape).
pub fn router_routes() -> BTreeSet<(&'static str, String)> {
    let mut routes = BTreeSet::new();
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source: String = std::fs::read_to_string(&path)
                .unwrap()
                .split_whitespace()
                .collect();
            for part in source.split(".route(\"").skip(1) {
                let Some((route, rest)) = part.split_once("\",") else {
                    continue;
                };
                // The method router ends where the route call closes.
                let mut depth = 1;
                let end = rest
                    .char_indices()
                    .find(|(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(rest.len(), |(i, _)| i);
                let methods = &rest[..end];
                if methods.starts_with("get(") || methods.contains(".get(") {
                    routes.insert(("GET", route_shape(route)));
                }
                if methods.starts_with("post(") || methods.contains(".post(") {
                    routes.insert(("POST", route_shape(route)));
                }
            }
        }
    }
    assert!(
        routes.contains(&("POST", "/reviews/{}/approve".to_owned())),
        "the route scan found nothing: {routes:?}"
    );
    routes
}

/// A path or a route with every parameter as `{}`: `/cases/{id}` and
/// `/cases/0b5…` both become `/cases/{}`.
pub fn route_shape(path: &str) -> String {
    path.split('/')
        .map(|part| {
            let is_param = part.starts_with('{')
                || uuid::Uuid::parse_str(part).is_ok()
                || (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
            if is_param { "{}" } else { part }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The records a route's parameters name: all of the asker's own centre.
pub(crate) struct Ids {
    pub(crate) case: String,
    child: String,
    /// Removed by the route that removes a child, so the others keep theirs.
    other_child: String,
    pub(crate) review: String,
    account: String,
    relocation: String,
    pub(crate) share: String,
    perpetrator: String,
    incident: String,
}

impl Ids {
    pub(crate) fn path(&self, route: &str) -> String {
        let segments: Vec<&str> = route.split('/').collect();
        let mut out = Vec::new();
        for (i, part) in segments.iter().enumerate() {
            if *part != "{}" {
                out.push((*part).to_owned());
                continue;
            }
            let value = match segments[i - 1] {
                "cases" => &self.case,
                "people" => &self.child,
                "children" => &self.other_child,
                "versions" => "1",
                "reviews" => &self.review,
                "users" => &self.account,
                "relocations" => &self.relocation,
                "shared" => &self.share,
                "perpetrators" => &self.perpetrator,
                "incidents" => &self.incident,
                // Someone else's session, or none: 404 to everyone.
                "sessions" => "00000000-0000-0000-0000-000000000000",
                other => panic!("no id for a parameter after {other:?} in {route}"),
            };
            out.push(value.to_owned());
        }
        let path = out.join("/");
        if path.ends_with("/compare") {
            format!("{path}?from=1&to=1")
        } else {
            path
        }
    }
}

/// A centre with seeded cases, plans in every state, a relocation and a
/// share, and the ids the routes' paths take.
pub(crate) async fn fixture(app: &crate::helpers::TestApp) -> (trygg::accounts::Centre, Ids) {
    let centre = app.centre("Senteret").await;
    // The seeded plans' authors and approver: none of the accounts asking
    // below, so the coordinator may decide on every submitted plan.
    app.user(&centre, Role::Staff).await;
    app.user(&centre, Role::Coordinator).await;
    seed::run(
        &app.db,
        Options {
            centres: None,
            centre: Some("Senteret".into()),
            cases: 20,
            force: false,
        },
    )
    .await
    .unwrap();
    let (case, child): (uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT p.case_id, p.id FROM persons p
         WHERE p.kind = 'child' AND p.removed_at IS NULL
           AND p.birth_date < current_date - interval '8 years'
           AND EXISTS (SELECT 1 FROM plans WHERE person_id = p.id AND version = 1)
         ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let other_child: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM persons WHERE kind = 'child' AND removed_at IS NULL AND id <> $1 LIMIT 1",
    )
    .bind(child)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let review: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM plans WHERE state = 'submitted' LIMIT 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let target = app.user(&centre, Role::Staff).await;
    let (relocation, share) = relocation_and_share(app, &centre, case, target.id).await;
    // The seed puts a perpetrator on every case, and incidents on some.
    let perpetrator: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM perpetrators WHERE case_id = $1 LIMIT 1")
            .bind(case)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let incident: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO incidents (id, case_id, centre_id, occurred_on, kind, serious, reported,
                                description, concerns, recorded_by)
         SELECT gen_random_uuid(), c.id, c.centre_id, current_date, 'contact', false, 'no',
                'Ringte.', ARRAY[$2::uuid], $3
         FROM cases c WHERE c.id = $1
         RETURNING id",
    )
    .bind(case)
    .bind(child)
    .bind(target.id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let ids = Ids {
        perpetrator: perpetrator.to_string(),
        incident: incident.to_string(),
        relocation: relocation.to_string(),
        share: share.to_string(),
        case: case.to_string(),
        child: child.to_string(),
        other_child: other_child.to_string(),
        review: review.to_string(),
        account: target.id.to_string(),
    };
    (centre, ids)
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_permission_table_says() {
    let app = spawn_app().await;
    let (centre, ids) = fixture(&app).await;

    let routes = router_routes();
    let unclassified: Vec<_> = routes
        .iter()
        .filter(|(m, r)| needs(m, r).is_none())
        .collect();
    assert!(
        unclassified.is_empty(),
        "routes nobody said who may call: {unclassified:?}"
    );

    let mut anonymous = app.browser();
    anonymous.get("/login").await;
    // Past the password only: at the code step, and at enrolment.
    let mut at_code = app.browser();
    let halfway = app.user(&centre, Role::Admin).await;
    assert_eq!(
        at_code
            .login(&halfway.email, &halfway.password)
            .await
            .location(),
        "/login/code"
    );
    at_code.get("/login/code").await;
    let mut enrolling = app.browser();
    let unenrolled = app.user(&centre, Role::Admin).await;
    sqlx::query("UPDATE accounts SET totp_secret = NULL WHERE id = $1")
        .bind(unenrolled.id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        enrolling
            .login(&unenrolled.email, &unenrolled.password)
            .await
            .location(),
        "/login/enrol"
    );
    enrolling.get("/login/enrol").await;
    for &role in Role::ALL {
        let user = app.user(&centre, role).await;
        let mut browser = app.signed_in(&user).await;
        for (method, route) in &routes {
            let need = needs(method, route).unwrap();
            if matches!(need, Need::Public) || route == "/logout" {
                continue;
            }
            let path = ids.path(route);
            let answer = send(&mut browser, method, &path).await;
            let allowed = match need {
                Need::May(permission) => role.may(permission),
                _ => true,
            };
            assert!(answer.0 < 500, "{role:?} {method} {path}: {}", answer.0);
            if allowed {
                assert_ne!(answer.0, 403, "{role:?} {method} {path} is refused");
                assert!(
                    !answer.1.starts_with("/login"),
                    "{role:?} {method} {path} asks to sign in"
                );
            } else {
                assert_eq!(answer.0, 403, "{role:?} {method} {path} is let through");
            }
            if role == Role::Staff {
                // Nobody signed in: the login page, or a refused form.
                for (who, browser) in [
                    ("anonymous", &mut anonymous),
                    ("at the code step", &mut at_code),
                    ("enrolling", &mut enrolling),
                ] {
                    let answer = send(browser, method, &path).await;
                    assert!(
                        answer.1.starts_with("/login") || answer.0 == 403,
                        "{who} {method} {path}: {} {}",
                        answer.0,
                        answer.1
                    );
                }
            }
        }
    }
}

/// A relocation under way on `case`, and a share another centre made for
/// `centre` when a resident moved there.
async fn relocation_and_share(
    app: &crate::helpers::TestApp,
    centre: &trygg::accounts::Centre,
    case: uuid::Uuid,
    by: uuid::Uuid,
) -> (uuid::Uuid, uuid::Uuid) {
    use trygg::relocation::{
        Content,
        share::{SharedPerson, Snapshot},
    };
    let content = serde_json::to_value(Content::default()).unwrap();
    let relocation = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO relocations (id, centre_id, case_id, state, content, opened_by, updated_by)
         VALUES ($1, $2, $3, 'assessing', $4, $5, $5)",
    )
    .bind(relocation)
    .bind(centre.id)
    .bind(case)
    .bind(&content)
    .bind(by)
    .execute(&app.db)
    .await
    .unwrap();
    let origin = app.centre("Opphavet").await;
    let origin_user = app.user(&origin, Role::Staff).await;
    let origin_case = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO cases (id, centre_id, arrival_date) VALUES ($1, $2, current_date)")
        .bind(origin_case)
        .bind(origin.id)
        .execute(&app.db)
        .await
        .unwrap();
    let moved = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO relocations (id, centre_id, case_id, state, content, opened_by, updated_by,
                                  destination_centre_id, destination_name, moved_on)
         VALUES ($1, $2, $3, 'moved', $4, $5, $5, $6, 'Senteret', current_date)",
    )
    .bind(moved)
    .bind(origin.id)
    .bind(origin_case)
    .bind(&content)
    .bind(origin_user.id)
    .bind(centre.id)
    .execute(&app.db)
    .await
    .unwrap();
    let today = trygg::locale::today();
    let snapshot = Snapshot {
        origin_centre: "Opphavet".into(),
        destination_centre: "Senteret".into(),
        moved_on: today,
        people: vec![SharedPerson {
            kind: trygg::cases::PersonKind::Resident,
            name: "Kari Eksempelsen".into(),
            birth_date: today,
            mapping: None,
            plan: None,
        }],
        earlier_moves: Vec::new(),
        perpetrators: Vec::new(),
        restricted_at_origin: false,
    };
    let share = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO relocation_shares (id, relocation_id, origin_centre_id, origin_case_id,
                                        destination_centre_id, content)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(share)
    .bind(moved)
    .bind(origin.id)
    .bind(origin_case)
    .bind(centre.id)
    .bind(serde_json::to_value(&snapshot).unwrap())
    .execute(&app.db)
    .await
    .unwrap();
    (relocation, share)
}

/// Status and redirect target; a POST carries the CSRF token of the last
/// page, as a form would.
async fn send(browser: &mut Browser, method: &str, path: &str) -> (u16, String) {
    let response = if method == "GET" {
        browser.get(path).await
    } else {
        browser.post(path, &[]).await
    };
    (response.status, response.location().to_owned())
}
