//! `/compliance` («Etterlevelse»): where a centre stands on § 4, per month of
//! arrival, for adults and children apart — mapped within a week, an
//! approved plan within two, the child's own part, reviews overdue now, and
//! the median days to a first plan. Counts only, never a name; a count of
//! fewer than five people shows as «< 5», and so does any figure computed
//! from fewer than five (so that no one can be recognised). Also as CSV.
//!
//! The figures are kept, not computed at each view (seconds at 100 000
//! cases): the scheduled work computes them again every quarter of an
//! hour, and a centre's first view computes them. The page says when.

use std::net::IpAddr;
use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sqlx::FromRow;
use time::Date;
use uuid::Uuid;

use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::ReadCompliance};
use crate::cases::PersonKind;
use crate::error::AppError;
use crate::flags::FlagKind;
use crate::http::ClientIp;
use crate::http::page::{Page, render};
use crate::mapping::MappingState;
use crate::plans::PlanState;
use crate::plans::content::SCHOOL_AGE;

/// Figures below this many people are not shown.
pub const SMALL: i64 = 5;
/// Months of arrival shown, this one included.
const MONTHS: i32 = 12;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/compliance", get(view_compliance_get))
        .route("/compliance.csv", get(view_compliance_csv_get))
}

/// One month's arrivals of adults, or of children.
#[derive(Clone, Debug, FromRow)]
pub struct Row {
    pub month: Date,
    pub kind: PersonKind,
    pub arrived: i64,
    pub mapped_in_time: i64,
    pub planned_in_time: i64,
    pub school_age: i64,
    pub with_child_part: i64,
    pub overdue: i64,
    /// People with an approved plan, and the median days to the first.
    pub with_plan: i64,
    pub median_days: Option<f64>,
}

/// The figures: `$1` centre, `$2` first month, `$3` completed, `$4`
/// approved, `$5` overdue review, `$6` child, `$7` school age. Public for
/// the benchmark's query plan.
pub static FIGURES: LazyLock<String> = LazyLock::new(|| {
    format!(
    "WITH people AS MATERIALIZED (
             SELECT pe.id, pe.kind, a.arrival_date,
                    date_trunc('month', a.arrival_date)::date AS month,
                    pe.kind = $6 AND pe.birth_date <= a.arrival_date - make_interval(years => $7)
                        AS school_age
             FROM persons pe JOIN cases c ON c.id = pe.case_id
             CROSS JOIN LATERAL (SELECT {ARRIVED} AS arrival_date) a
             WHERE pe.centre_id = $1 AND pe.removed_at IS NULL AND a.arrival_date >= $2
         ), mapped AS (
             SELECT m.person_id, (min(m.completed_at) AT TIME ZONE 'Europe/Oslo')::date AS first_mapped
             FROM mappings m JOIN people p ON p.id = m.person_id
             WHERE m.centre_id = $1 AND m.state = $3 GROUP BY m.person_id
         ), approved AS (
             SELECT pl.person_id,
                    (min(pl.approved_at) AT TIME ZONE 'Europe/Oslo')::date AS first_approved,
                    -- The newest approved version's: only a yes or no is sorted.
                    -- Read (a plan's content is large) for school-age children only.
                    (array_agg(p.school_age AND EXISTS (
                                   SELECT 1 FROM jsonb_each_text(pl.content->'child_part') e
                                   WHERE btrim(e.value) <> '')
                               ORDER BY pl.version DESC))[1] AS has_child_part
             FROM plans pl JOIN people p ON p.id = pl.person_id
             WHERE pl.centre_id = $1 AND pl.state = $4 GROUP BY pl.person_id
         ), firsts AS (
             SELECT p.*, m.first_mapped, a.first_approved,
                    coalesce(a.has_child_part, false) AS has_child_part,
                    f.person_id IS NOT NULL AS overdue
             FROM people p
             LEFT JOIN mapped m ON m.person_id = p.id
             LEFT JOIN approved a ON a.person_id = p.id
             LEFT JOIN review_flags f ON f.person_id = p.id AND f.kind = $5
                                     AND f.resolved_at IS NULL
         )
         SELECT month, kind, count(*) AS arrived,
                count(*) FILTER (WHERE first_mapped <= arrival_date + 7) AS mapped_in_time,
                count(*) FILTER (WHERE first_approved <= arrival_date + 14) AS planned_in_time,
                count(*) FILTER (WHERE school_age) AS school_age,
                count(*) FILTER (WHERE school_age AND has_child_part) AS with_child_part,
                count(*) FILTER (WHERE overdue) AS overdue,
                count(first_approved) AS with_plan,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY first_approved - arrival_date)
                    AS median_days
         FROM firsts GROUP BY month, kind ORDER BY month DESC, kind DESC",
    ARRIVED = crate::flags::ARRIVED
)
});

/// The figures computed now, newest month first, adults before children:
/// one query (2 s at 100 000 cases, on the server's pool, which runs
/// without JIT: see `db::connect_server_pool`). Public for the benchmark.
pub async fn figures(db: &sqlx::PgPool, centre_id: Uuid, today: Date) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as(&FIGURES)
        .bind(centre_id)
        .bind(first_month(today))
        .bind(MappingState::Completed)
        .bind(PlanState::Approved)
        .bind(FlagKind::OverdueReview)
        .bind(PersonKind::Child)
        .bind(SCHOOL_AGE)
        .fetch_all(db)
        .await
}

/// Keeps a centre's figures, in one statement: the months given are
/// written over, months no longer among them removed. Two refreshes at
/// once agree, row by row. (The figures are computed by `FIGURES` on its
/// own: inside this statement, which writes, PostgreSQL planned them far
/// worse at 100 000 cases.)
const KEEP: &str = "WITH fresh AS (
         SELECT * FROM unnest($2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
                              $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[],
                              $11::float8[])
             AS f(month, kind, arrived, mapped_in_time, planned_in_time, school_age,
                  with_child_part, overdue, with_plan, median_days)
     ), refreshed AS (
         INSERT INTO compliance_refreshed (centre_id, refreshed_at) VALUES ($1, now())
         ON CONFLICT (centre_id) DO UPDATE SET refreshed_at = now()
         RETURNING centre_id
     ), gone AS (
         DELETE FROM compliance_figures k
         WHERE k.centre_id = $1
           AND (k.month, k.kind) NOT IN (SELECT month, kind FROM fresh)
     )
     INSERT INTO compliance_figures
         (centre_id, month, kind, arrived, mapped_in_time, planned_in_time, school_age,
          with_child_part, overdue, with_plan, median_days)
     SELECT refreshed.centre_id, fresh.* FROM fresh CROSS JOIN refreshed
     ON CONFLICT (centre_id, month, kind) DO UPDATE SET
         arrived = excluded.arrived, mapped_in_time = excluded.mapped_in_time,
         planned_in_time = excluded.planned_in_time, school_age = excluded.school_age,
         with_child_part = excluded.with_child_part, overdue = excluded.overdue,
         with_plan = excluded.with_plan, median_days = excluded.median_days";

const ROW_COLUMNS: &str = "month, kind, arrived, mapped_in_time, planned_in_time, school_age, \
                           with_child_part, overdue, with_plan, median_days";

/// Computes and keeps the centre's figures (the review scan, a first view),
/// and returns them.
pub async fn refresh(db: &sqlx::PgPool, centre_id: Uuid, today: Date) -> sqlx::Result<Vec<Row>> {
    let mut rows = figures(db, centre_id, today).await?;
    let column = |f: fn(&Row) -> i64| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(KEEP)
        .bind(centre_id)
        .bind(rows.iter().map(|r| r.month).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.kind.code()).collect::<Vec<_>>())
        .bind(column(|r| r.arrived))
        .bind(column(|r| r.mapped_in_time))
        .bind(column(|r| r.planned_in_time))
        .bind(column(|r| r.school_age))
        .bind(column(|r| r.with_child_part))
        .bind(column(|r| r.overdue))
        .bind(column(|r| r.with_plan))
        .bind(rows.iter().map(|r| r.median_days).collect::<Vec<_>>())
        .execute(db)
        .await?;
    sort(&mut rows);
    Ok(rows)
}

/// Refreshes the figures of every centre (the scheduled work), while
/// `go_on` says so; one centre that fails does not stop the others.
pub async fn refresh_all(
    db: &sqlx::PgPool,
    today: Date,
    go_on: impl Fn() -> bool,
) -> sqlx::Result<()> {
    let centres: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM centres")
        .fetch_all(db)
        .await?;
    for centre in centres {
        if !go_on() {
            break;
        }
        if let Err(e) = refresh(db, centre, today).await {
            tracing::warn!(error = %e, %centre, "refreshing a centre's compliance figures failed");
        }
    }
    Ok(())
}

/// Newest month first, adults before children.
fn sort(rows: &mut [Row]) {
    rows.sort_by_key(|row| std::cmp::Reverse((row.month, row.kind == PersonKind::Resident)));
}

/// The kept figures of a centre and when they were computed, as of today
/// (a month that has left the twelve is not shown); `None` if never.
async fn kept(
    db: &sqlx::PgPool,
    centre_id: Uuid,
    today: Date,
) -> sqlx::Result<Option<(time::OffsetDateTime, Vec<Row>)>> {
    use sqlx::Row as _;
    // One row with no month when the twelve months had no arrivals.
    let kept = sqlx::query(&format!(
        "SELECT r.refreshed_at, {ROW_COLUMNS}
         FROM compliance_refreshed r
         LEFT JOIN compliance_figures f ON f.centre_id = r.centre_id AND f.month >= $2
         WHERE r.centre_id = $1"
    ))
    .bind(centre_id)
    .bind(first_month(today))
    .fetch_all(db)
    .await?;
    let Some(first) = kept.first() else {
        return Ok(None);
    };
    let refreshed_at = first.try_get("refreshed_at")?;
    let mut rows = Vec::new();
    for row in &kept {
        if row.try_get::<Option<Date>, _>("month")?.is_some() {
            rows.push(Row::from_row(row)?);
        }
    }
    sort(&mut rows);
    Ok(Some((refreshed_at, rows)))
}

/// The first day of the earliest month shown.
pub fn first_month(today: Date) -> Date {
    let mut month = today.replace_day(1).unwrap_or(today);
    for _ in 1..MONTHS {
        month = month
            .previous_day()
            .and_then(|d| d.replace_day(1).ok())
            .unwrap_or(month);
    }
    month
}

impl Row {
    /// The month as Norwegians name it: «november 2026».
    pub fn month_name(&self) -> String {
        const NAMES: [&str; 12] = [
            "januar",
            "februar",
            "mars",
            "april",
            "mai",
            "juni",
            "juli",
            "august",
            "september",
            "oktober",
            "november",
            "desember",
        ];
        format!(
            "{} {}",
            NAMES[usize::from(u8::from(self.month.month())) - 1],
            self.month.year()
        )
    }

    pub fn group(&self) -> &'static str {
        match self.kind {
            PersonKind::Resident => "Voksne",
            PersonKind::Child => "Barn",
        }
    }

    /// The row's figures as shown: arrived, mapped within 7 days, plan
    /// within 14 days, child's own part, overdue now, median days.
    pub fn cells(&self) -> [String; 6] {
        let share = |part: i64, of: i64| shown_share(part, of);
        [
            shown_count(self.arrived),
            share(self.mapped_in_time, self.arrived),
            share(self.planned_in_time, self.arrived),
            match self.kind {
                PersonKind::Child if self.school_age > 0 => {
                    share(self.with_child_part, self.school_age)
                }
                _ => "–".into(),
            },
            if self.arrived < SMALL {
                "< 5".into()
            } else {
                shown_count(self.overdue)
            },
            match self.median_days {
                _ if self.with_plan < SMALL => "< 5".into(),
                Some(days) => format!("{days:.0}"),
                None => "–".into(),
            },
        ]
    }
}

pub const COLUMNS: [&str; 6] = [
    "Ankomster",
    "Kartlagt innen 7 dager",
    "Godkjent plan innen 14 dager",
    "Skolebarn med egen del i planen",
    "Forsinket revisjon nå",
    "Median dager til første plan",
];

/// A count of people, or «< 5» for one to four.
fn shown_count(n: i64) -> String {
    if (1..SMALL).contains(&n) {
        "< 5".into()
    } else {
        n.to_string()
    }
}

/// A share of `of` people, or «< 5» when it would tell of fewer than five:
/// when the people counted, or those not counted, are one to four (80 % of
/// five is four of them, and one who was not).
fn shown_share(part: i64, of: i64) -> String {
    let small = |n: i64| (1..SMALL).contains(&n);
    if of < SMALL || small(part) || small(of - part) {
        return "< 5".into();
    }
    format!("{} %", (part * 100 + of / 2) / of)
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    page: Page,
    rows: Vec<Row>,
    columns: [&'static str; 6],
    /// When the figures were computed: «24.11.2026 21:45», as every page
    /// writes a time.
    computed: String,
}

/// The caller's centre's figures and when they were computed, their
/// reading audited.
async fn read(
    state: &AppState,
    user: &Can<ReadCompliance>,
    ip: Option<IpAddr>,
) -> Result<(time::OffsetDateTime, Vec<Row>), AppError> {
    let today = crate::locale::today();
    let kept = kept(&state.db, user.centre_id, today).await?;
    let figures = match kept {
        Some(kept) => kept,
        None => (
            time::OffsetDateTime::now_utc(),
            refresh(&state.db, user.centre_id, today).await?,
        ),
    };
    Event::by(AuditKind::ComplianceViewed, user, ip)
        .record_read(&state.reads)
        .await?;
    Ok(figures)
}

async fn view_compliance_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCompliance>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    let (computed, rows) = read(&state, &user, ip).await?;
    render(&CompliancePage {
        page,
        rows,
        columns: COLUMNS,
        computed: crate::locale::date_time(computed),
    })
}

async fn view_compliance_csv_get(
    State(state): State<AppState>,
    user: Can<ReadCompliance>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    let (_, rows) = read(&state, &user, ip).await?;
    // Semicolons, as Norwegian spreadsheets read them; no cell holds one.
    let mut csv = format!("Måned;Gruppe;{}\r\n", COLUMNS.join(";"));
    for row in &rows {
        csv.push_str(&format!(
            "{};{};{}\r\n",
            row.month_name(),
            row.group(),
            row.cells().join(";")
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"etterlevelse.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_show_as_fewer_than_five() {
        assert_eq!(shown_count(0), "0");
        assert_eq!(shown_count(4), "< 5");
        assert_eq!(shown_count(5), "5");
        assert_eq!(shown_share(1, 4), "< 5");
        assert_eq!(
            shown_share(4, 5),
            "< 5",
            "would tell of the one who was not"
        );
        assert_eq!(shown_share(1, 9), "< 5");
        assert_eq!(shown_share(5, 10), "50 %");
        assert_eq!(shown_share(0, 5), "0 %");
        assert_eq!(shown_share(5, 5), "100 %");
        let today = Date::from_calendar_date(2026, time::Month::November, 24).unwrap();
        assert_eq!(
            first_month(today),
            Date::from_calendar_date(2025, time::Month::December, 1).unwrap()
        );
    }
}
