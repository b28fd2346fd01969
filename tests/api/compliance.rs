//! § 4 compliance figures (U4, M1, P1, P5): per month of arrival, adults and
//! children apart, counted by hand below; small cells hidden; another
//! centre's people never counted; the CSV says the same.

use time::Duration;
use trygg::accounts::Role;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

/// One person who arrived on `arrival` with a mapping completed and a plan
/// approved that many days later (none when `None`).
struct Arrival {
    child_born_years_before: Option<i64>,
    mapped_after: Option<i64>,
    approved_after: Option<i64>,
    child_part: bool,
    overdue: bool,
}

async fn arrive(app: &TestApp, centre: Uuid, author: Uuid, arrival: time::Date, who: &Arrival) {
    let case = Uuid::new_v4();
    let person = Uuid::new_v4();
    sqlx::query("INSERT INTO cases (id, centre_id, arrival_date) VALUES ($1, $2, $3)")
        .bind(case)
        .bind(centre)
        .bind(arrival)
        .execute(&app.db)
        .await
        .unwrap();
    let (kind, born) = match who.child_born_years_before {
        Some(years) => ("child", arrival - Duration::days(365 * years + 10)),
        None => ("resident", arrival - Duration::days(365 * 30)),
    };
    sqlx::query(
        "INSERT INTO persons (id, case_id, centre_id, kind, name, birth_date, created_at)
         VALUES ($1, $2, $3, $4, 'Fiktiv Person', $5, $6::date + time '12:00')",
    )
    .bind(person)
    .bind(case)
    .bind(centre)
    .bind(kind)
    .bind(born)
    .bind(arrival)
    .execute(&app.db)
    .await
    .unwrap();
    let at =
        |days: i64| (arrival + Duration::days(days)).midnight().assume_utc() + Duration::hours(10);
    if let Some(days) = who.mapped_after {
        sqlx::query(
            "INSERT INTO mappings (id, person_id, centre_id, version, state, content, created_by,
                                   updated_by, completed_by, completed_at)
             VALUES ($1, $2, $3, 1, 'completed', '{}', $4, $4, $4, $5)",
        )
        .bind(Uuid::new_v4())
        .bind(person)
        .bind(centre)
        .bind(author)
        .bind(at(days))
        .execute(&app.db)
        .await
        .unwrap();
    }
    if let Some(days) = who.approved_after {
        let content = if who.child_part {
            r#"{"child_part": {"can_do": "Gå med mamma", "avoid": ""}}"#
        } else {
            r#"{"child_part": {"can_do": "", "avoid": " "}}"#
        };
        sqlx::query(
            "INSERT INTO plans (id, person_id, centre_id, version, state, mapping_version, content,
                                created_by, updated_by, approved_by, approved_at, next_review_on)
             VALUES ($1, $2, $3, 1, 'approved', 1, $4::jsonb, $5, $5, $5, $6, $7)",
        )
        .bind(Uuid::new_v4())
        .bind(person)
        .bind(centre)
        .bind(content)
        .bind(author)
        .bind(at(days))
        .bind(arrival + Duration::days(60))
        .execute(&app.db)
        .await
        .unwrap();
    }
    if who.overdue {
        sqlx::query(
            "INSERT INTO review_flags (kind, person_id, case_id, centre_id, due_on)
             VALUES ('overdue_review', $1, $2, $3, $4)",
        )
        .bind(person)
        .bind(case)
        .bind(centre)
        .bind(arrival)
        .execute(&app.db)
        .await
        .unwrap();
    }
}

fn adult(mapped: Option<i64>, approved: Option<i64>) -> Arrival {
    Arrival {
        child_born_years_before: None,
        mapped_after: mapped,
        approved_after: approved,
        child_part: false,
        overdue: false,
    }
}

#[tokio::test]
async fn figures_per_month_count_by_hand_and_hide_small_cells() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let other = app.centre("B").await;
    let coordinator = app.user(&centre, Role::Coordinator).await;
    let stranger = app.user(&other, Role::Staff).await;
    // The 5th of the month two months ago: well inside the twelve shown.
    let today = trygg::locale::today();
    let month = (today.replace_day(1).unwrap() - Duration::days(40))
        .replace_day(5)
        .unwrap();

    // Twelve adults. Mapped within 7 days: 1–6 (6 of 12 = 50 %). Plan
    // within 14 days: 1–5 (5 of 12 = 42 %). With a plan: 1–7, after 10, 12,
    // 14, 13, 9, 20 and 30 days: median 13. One review overdue (< 5).
    let adults = [
        adult(Some(2), Some(10)),
        adult(Some(3), Some(12)),
        Arrival {
            overdue: true,
            ..adult(Some(5), Some(14))
        },
        adult(Some(7), Some(13)),
        adult(Some(1), Some(9)),
        adult(Some(4), Some(20)),
        adult(Some(9), Some(30)),
        adult(Some(10), None),
        adult(None, None),
        adult(Some(8), None),
        adult(None, None),
        adult(Some(12), None),
    ];
    for who in &adults {
        arrive(&app, centre.id, coordinator.id, month, who).await;
    }
    // Two children: too few to show anything.
    for (years, part) in [(10, true), (3, false)] {
        let child = Arrival {
            child_born_years_before: Some(years),
            child_part: part,
            ..adult(Some(2), Some(5))
        };
        arrive(&app, centre.id, coordinator.id, month, &child).await;
    }
    // Another centre's arrivals are never counted.
    for who in &adults {
        arrive(&app, other.id, stranger.id, month, who).await;
    }

    let mut browser = app.signed_in(&coordinator).await;
    let page = browser.get("/compliance").await;
    assert_eq!(page.status, 200);
    let rows: Vec<Vec<String>> = page
        .html()
        .select(&crate::helpers::selector("tbody tr"))
        .map(|tr| {
            tr.children()
                .filter_map(scraper::ElementRef::wrap)
                .map(|cell| cell.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 2, "one month, two groups: {rows:?}");
    assert_eq!(
        rows[0][1..],
        ["Voksne", "12", "50 %", "42 %", "–", "< 5", "13"]
    );
    assert_eq!(
        rows[1][1..],
        ["Barn", "< 5", "< 5", "< 5", "< 5", "< 5", "< 5"]
    );
    assert!(
        !page.body.contains("Fiktiv Person"),
        "counts only, never names"
    );

    let csv = browser.get("/compliance.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header_required("content-type").starts_with("text/csv"));
    assert!(
        csv.header_required("content-disposition")
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("Måned;Gruppe;Ankomster;"));
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].ends_with(";Voksne;12;50 %;42 %;–;< 5;13"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].ends_with(";Barn;< 5;< 5;< 5;< 5;< 5;< 5"),
        "{}",
        lines[2]
    );

    // The other centre sees its own twelve adults, and only them.
    let admin = app.user(&other, Role::Admin).await;
    let theirs = app.signed_in(&admin).await.get("/compliance.csv").await;
    assert_eq!(theirs.body.lines().count(), 2);

    // Issue 16: the figures are kept, and say when they were computed; a
    // new arrival shows once the review scan has refreshed them.
    assert!(page.body.contains("Tallene ble regnet ut"));
    arrive(&app, centre.id, coordinator.id, month, &adult(None, None)).await;
    let kept = browser.get("/compliance.csv").await;
    assert!(kept.body.contains(";Voksne;12;"), "{}", kept.body);
    trygg::compliance::refresh_all(&app.db, today, || true)
        .await
        .unwrap();
    let refreshed = browser.get("/compliance.csv").await;
    assert!(refreshed.body.contains(";Voksne;13;"), "{}", refreshed.body);
    // A month without arrivals any more is removed at the refresh.
    sqlx::query("UPDATE cases SET arrival_date = arrival_date - 400 WHERE centre_id = $1")
        .bind(centre.id)
        .execute(&app.db)
        .await
        .unwrap();
    trygg::compliance::refresh_all(&app.db, today, || true)
        .await
        .unwrap();
    let emptied = browser.get("/compliance").await;
    assert!(
        emptied
            .body
            .contains("Ingen har kommet de siste tolv månedene")
    );
}
