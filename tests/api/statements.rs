//! Issue 16: a page costs a fixed, small number of SQL statements, none per
//! row. The server counts the statements each request sent (a `tracing`
//! layer on sqlx's own statement events, `trygg::db::statements`) and says
//! so in a header the tests turn on.

use trygg::accounts::Role;
use trygg::db::statements::HEADER;
use uuid::Uuid;

use crate::helpers::{Browser, Response, TestApp, spawn_app};

/// The most statements a page may take: the session, the page's data
/// (at most two), and its read event.
const MOST_PER_PAGE: u32 = 4;

/// Pages about one case take one more: the guard that refuses a case
/// restricted to others (`cases::restriction::guard`, issue 18).
const ABOUT_A_CASE: [&str; 3] = ["case page", "mapping", "plan"];

/// Pages that do not meet that yet, and what they take today: no more may
/// be added (docs/performance.md says what stands in the way).
const NOT_YET: [(&str, u32); 1] = [("plan", 5)];

pub struct SeededCentre {
    pub id: Uuid,
    pub staff: Browser,
    pub coordinator: Browser,
    pub case: Uuid,
    pub child: Uuid,
    pub surname: String,
}

/// A centre of `cases` seeded cases, with a staff member and a coordinator
/// signed in.
pub async fn seeded_centre(app: &TestApp, cases: u32) -> SeededCentre {
    let name = format!("Senter {}", &Uuid::new_v4().simple().to_string()[..8]);
    let centre = app.centre(&name).await;
    let staff = app.user(&centre, Role::Staff).await;
    let coordinator = app.user(&centre, Role::Coordinator).await;
    trygg::seed::run(
        &app.db,
        trygg::seed::Options {
            centres: None,
            centre: Some(name),
            cases,
            force: false,
        },
    )
    .await
    .expect("seed");
    let (case, child, surname): (Uuid, Uuid, String) = sqlx::query_as(trygg::seed::SAMPLE_CHILD)
        .bind(centre.id)
        .fetch_one(&app.db)
        .await
        .expect("a seeded child with a mapping and a plan");
    SeededCentre {
        id: centre.id,
        staff: app.signed_in(&staff).await,
        coordinator: app.signed_in(&coordinator).await,
        case,
        child,
        surname,
    }
}

/// The statements each measured page of `centre` took, by page.
async fn statements_per_page(centre: &mut SeededCentre) -> Vec<(&'static str, u32)> {
    let person = format!("/cases/{}/people/{}", centre.case, centre.child);
    let staff_pages = [
        ("dashboard", "/".to_owned()),
        ("case list", "/cases".to_owned()),
        ("case list, open", "/cases?state=open".to_owned()),
        ("case page", format!("/cases/{}", centre.case)),
        ("mapping", format!("{person}/mapping")),
        ("plan", format!("{person}/plan")),
    ];
    let mut counts = Vec::new();
    for (name, path) in staff_pages {
        counts.push((name, count(&centre.staff.get(&path).await, name)));
    }
    let first_page = centre.staff.get("/cases").await;
    // At 2 cases there is no next page: the same form then shows the first.
    let after = first_page
        .attr("input[name=after]", "value")
        .unwrap_or_default();
    let next = centre
        .staff
        .post("/cases", &[("after", after.as_str()), ("page", "2")])
        .await;
    counts.push(("case list, next page", count(&next, "next page")));
    let search = centre
        .staff
        .post("/cases", &[("name", centre.surname.as_str())])
        .await;
    counts.push(("case list, name search", count(&search, "name search")));
    let reviews = centre.coordinator.get("/reviews").await;
    counts.push(("/reviews", count(&reviews, "/reviews")));
    // A centre's first view computes the compliance figures (once: the
    // review scan keeps them fresh from then on); later views read them.
    let first = centre.coordinator.get("/compliance").await;
    assert_eq!(first.status, 200);
    let kept = centre.coordinator.get("/compliance").await;
    counts.push(("/compliance", count(&kept, "/compliance")));
    counts
}

fn count(response: &Response, page: &str) -> u32 {
    assert_eq!(response.status, 200, "{page}: {}", response.body);
    response
        .header_required(HEADER)
        .parse()
        .expect("a count of statements")
}

#[tokio::test]
async fn every_page_takes_a_few_statements_and_none_per_row() {
    let app = spawn_app().await;
    let mut small = seeded_centre(&app, 2).await;
    let mut big = seeded_centre(&app, 120).await;
    let small_counts = statements_per_page(&mut small).await;
    let big_counts = statements_per_page(&mut big).await;
    println!("statements per page (2 cases, 120 cases): {small_counts:?} {big_counts:?}");
    for ((page, at_two), (_, at_many)) in small_counts.iter().zip(&big_counts) {
        let most = match NOT_YET.iter().find(|(name, _)| name == page) {
            Some((_, today)) => *today,
            None => MOST_PER_PAGE,
        } + u32::from(ABOUT_A_CASE.contains(page));
        assert!(
            *at_many <= most,
            "{page} took {at_many} statements (at most {most})"
        );
        assert!(
            *at_two > 0,
            "{page}: no statement counted, so the counter is off"
        );
        assert_eq!(
            at_two, at_many,
            "{page} took {at_two} statements at 2 cases and {at_many} at 120: some are per row"
        );
    }
}

#[tokio::test]
async fn the_servers_connections_run_without_jit() {
    // A wrong estimate once had PostgreSQL compile the compliance figures
    // for minutes; Trygg's short queries never gain from JIT.
    let app = spawn_app().await;
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(jit, "off");
}
