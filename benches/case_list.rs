//! The case list and the coordinators' review list at 100 and at 100 000 cases: `cargo bench --bench case_list`.
//! Starts its own throwaway PostgreSQL, seeds two centres with `trygg seed`'s
//! code, times the list's query (median of 30) for the usual views,
//! and prints the query plans. Run on a quiet machine; compare orders of
//! magnitude, not milliseconds.

use std::time::{Duration, Instant};

use sqlx::Row;
use trygg::cases::{self, ListFilter};
use trygg::mapping::MappingState;
use trygg::plans::PlanState;
use trygg::plans::model::AWAITING_REVIEW;
use uuid::Uuid;

mod support;

const RUNS: usize = 30;
/// As the work list asks: one page and one more row.
const REVIEW_PAGE: i64 = 101;

#[tokio::main]
async fn main() -> Result<(), support::Error> {
    let (_dir, cluster, db) = support::throwaway_database().await?;

    let mut centres = Vec::new();
    for (cases, id) in support::seed_small_and_big(&cluster, &db).await? {
        let staff: Uuid = sqlx::query_scalar(
            "SELECT id FROM accounts WHERE centre_id = $1 AND role = 'staff' ORDER BY email LIMIT 1",
        )
        .bind(id)
        .fetch_one(&db)
        .await?;
        centres.push((cases, id, staff));
    }
    let persons: i64 = sqlx::query_scalar("SELECT count(*) FROM persons")
        .fetch_one(&db)
        .await?;
    let mappings: i64 = sqlx::query_scalar("SELECT count(*) FROM mappings")
        .fetch_one(&db)
        .await?;
    let plans: i64 = sqlx::query_scalar("SELECT count(*) FROM plans")
        .fetch_one(&db)
        .await?;
    println!("in all: {persons} persons, {mappings} mapping versions, {plans} plan versions\n");

    let mut page_20_starts = Vec::new();
    for (_, centre, _) in &centres {
        page_20_starts.push(support::case_before_page(&db, *centre, 20).await?);
    }
    let views = |staff: Uuid, after: Uuid| {
        [
            ("first page", ListFilter::default()),
            (
                "open cases",
                ListFilter {
                    state: Some(trygg::cases::CaseState::Open),
                    ..ListFilter::default()
                },
            ),
            (
                "by contact person",
                ListFilter {
                    contact_person_id: Some(staff),
                    ..ListFilter::default()
                },
            ),
            (
                "name search",
                ListFilter {
                    name: "tiril påfunnset".into(),
                    ..ListFilter::default()
                },
            ),
            (
                "two-letter search",
                ListFilter {
                    name: "se".into(),
                    ..ListFilter::default()
                },
            ),
            (
                "page 20",
                ListFilter {
                    from: Some(cases::PageStart::After(after)),
                    ..ListFilter::default()
                },
            ),
        ]
    };
    println!(
        "{:<20} {:>14} {:>14}",
        "median of 30", "100 cases", "100 000 cases"
    );
    let labels: Vec<&str> = views(Uuid::nil(), Uuid::nil())
        .iter()
        .map(|(l, _)| *l)
        .collect();
    for (i, label) in labels.iter().enumerate() {
        let mut cells = Vec::new();
        for ((_, centre, staff), after) in centres.iter().zip(&page_20_starts) {
            let (_, filter) = &views(*staff, *after)[i];
            let mut times = Vec::new();
            for _ in 0..RUNS {
                let started = Instant::now();
                cases::list(&db, (*centre, Uuid::nil()), filter).await?;
                times.push(started.elapsed());
            }
            times.sort();
            cells.push(times[RUNS / 2]);
        }
        println!("{label:<20} {:>14} {:>14}", ms(cells[0]), ms(cells[1]));
    }
    let mut cells = Vec::new();
    for (_, centre, _) in &centres {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            sqlx::query(AWAITING_REVIEW)
                .bind(centre)
                .bind(REVIEW_PAGE)
                .bind(PlanState::Submitted)
                .bind(Uuid::nil())
                .fetch_all(&db)
                .await?;
            times.push(started.elapsed());
        }
        times.sort();
        cells.push(times[RUNS / 2]);
    }
    println!(
        "{:<20} {:>14} {:>14}",
        "plans to review",
        ms(cells[0]),
        ms(cells[1])
    );

    // U4, P10: the review scan over every centre, raising everything at
    // first, then as it runs every quarter of an hour (nothing new).
    let rules = trygg::flags::Rules::default();
    let today = trygg::locale::today();
    let started = Instant::now();
    let first = trygg::flags::scan(&db, &rules, today, None).await?;
    let first_time = started.elapsed();
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        trygg::flags::scan(&db, &rules, today, None).await?;
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "\nreview scan of all {persons} persons: first {} (raised {}), then median of 5 {}",
        ms(first_time),
        first.raised,
        ms(times[2])
    );
    let mut cells = Vec::new();
    for (_, centre, _) in &centres {
        let mut times = Vec::new();
        for _ in 0..RUNS / 3 {
            let started = Instant::now();
            trygg::compliance::figures(&db, *centre, today).await?;
            times.push(started.elapsed());
        }
        times.sort();
        cells.push(times[times.len() / 2]);
    }
    println!(
        "{:<20} {:>14} {:>14}",
        "compliance figures",
        ms(cells[0]),
        ms(cells[1])
    );

    let (_, big, staff) = centres[1];
    println!("\n-- plan at 100 000 cases: the compliance figures");
    let rows = sqlx::query(&format!(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {}",
        *trygg::compliance::FIGURES
    ))
    .bind(big)
    .bind(trygg::compliance::first_month(today))
    .bind(MappingState::Completed)
    .bind(PlanState::Approved)
    .bind(trygg::flags::FlagKind::OverdueReview)
    .bind(trygg::cases::PersonKind::Child)
    .bind(trygg::plans::content::SCHOOL_AGE)
    .fetch_all(&db)
    .await?;
    for row in rows {
        println!("{}", row.get::<String, _>(0));
    }
    for (kind, cause) in trygg::flags::causes() {
        println!("\n-- plan of the review scan: who has {kind:?}");
        let rows = sqlx::query(&format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {cause}"))
            .bind(today)
            .bind(None::<Uuid>)
            .bind(rules.departure_review_days)
            .bind(rules.mapping_due_days)
            .bind(rules.plan_due_days)
            .fetch_all(&db)
            .await?;
        for row in rows {
            println!("{}", row.get::<String, _>(0));
        }
    }
    for (label, filter) in views(staff, page_20_starts[1]) {
        println!("\n-- plan at 100 000 cases: {label}");
        let rows = cases::list_query(
            big,
            Uuid::nil(),
            &filter,
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ",
        )
        .build()
        .fetch_all(&db)
        .await?;
        for row in rows {
            println!("{}", row.get::<String, _>(0));
        }
    }
    println!("\n-- plan at 100 000 cases: the plans to review");
    let rows = sqlx::query(&format!(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {AWAITING_REVIEW}"
    ))
    .bind(big)
    .bind(REVIEW_PAGE)
    .bind(PlanState::Submitted)
    .bind(Uuid::nil())
    .fetch_all(&db)
    .await?;
    for row in rows {
        println!("{}", row.get::<String, _>(0));
    }

    db.close().await;
    cluster.stop().await;
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
