//! The scan: per kind of flag, one statement finds every person whose flag
//! has a cause today, raises the flags not yet open and resolves the open
//! flags whose cause is gone. The open flag of a person and kind is
//! unique in the database, and each kind of a full scan takes an advisory lock, so two scans at
//! once (two servers, or a server and `trygg reviews scan`) raise nothing
//! twice. Raising and resolving are audited in the scan's transaction.

use std::sync::LazyLock;

use sqlx::{PgPool, Row};
use time::Date;
use uuid::Uuid;

use super::{FlagKind, Rules};
use crate::audit::{AuditKind, Event};
use crate::mapping::MappingState;
use crate::mapping::content::Relocation;
use crate::plans::PlanState;

/// What one scan did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    pub raised: u64,
    pub resolved: u64,
}

/// Scans every centre, or only `only_case` (when something about it just
/// changed), as of `today` (Europe/Oslo).
pub async fn scan(
    db: &PgPool,
    rules: &Rules,
    today: Date,
    only_case: Option<Uuid>,
) -> sqlx::Result<Scanned> {
    match only_case {
        Some(case) => scan_case(db, rules, today, case).await,
        None => scan_all(db, rules, today).await,
    }
}

/// Every centre: two kinds at a time (this machine's cores), each in its
/// own transaction under its own advisory lock, so that a second scan waits
/// and then finds nothing to do.
async fn scan_all(db: &PgPool, rules: &Rules, today: Date) -> sqlx::Result<Scanned> {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(2));
    let mut kinds = tokio::task::JoinSet::new();
    for index in 0..CAUSES.len() {
        let (db, rules, slots) = (db.clone(), *rules, slots.clone());
        kinds.spawn(async move {
            let _slot = slots.acquire().await;
            let mut tx = db.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('trygg-review-scan'), $1)")
                .bind(index as i32)
                .execute(&mut *tx)
                .await?;
            let (kind, cause) = &CAUSES[index];
            let scanned = run(&mut tx, &cause.every_case, *kind, &rules, today, None).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(scanned)
        });
    }
    let mut scanned = Scanned::default();
    while let Some(done) = kinds.join_next().await {
        let kind =
            done.map_err(|e| sqlx::Error::Protocol(format!("a scan task failed: {e}")))??;
        scanned.raised += kind.raised;
        scanned.resolved += kind.resolved;
    }
    Ok(scanned)
}

/// One case, right after a change to it: every kind in turn, on one
/// connection and in one transaction. No advisory lock — the unique open
/// flag and the row locks keep it exactly once — and a short lock timeout,
/// so a request never waits long on a full scan.
async fn scan_case(db: &PgPool, rules: &Rules, today: Date, case: Uuid) -> sqlx::Result<Scanned> {
    let mut tx = db.begin().await?;
    sqlx::query("SET LOCAL lock_timeout = '2s'")
        .execute(&mut *tx)
        .await?;
    let mut scanned = Scanned::default();
    for (kind, cause) in CAUSES.iter() {
        let kind = run(&mut tx, &cause.one_case, *kind, rules, today, Some(case)).await?;
        scanned.raised += kind.raised;
        scanned.resolved += kind.resolved;
    }
    tx.commit().await?;
    Ok(scanned)
}

/// One kind's statement, and the audit events of what it raised and
/// resolved, in the caller's transaction.
async fn run(
    tx: &mut sqlx::PgConnection,
    sql: &str,
    kind: FlagKind,
    rules: &Rules,
    today: Date,
    case: Option<Uuid>,
) -> sqlx::Result<Scanned> {
    let rows = sqlx::query(sql)
        .bind(today)
        .bind(case)
        .bind(rules.departure_review_days)
        .bind(rules.mapping_due_days)
        .bind(rules.plan_due_days)
        .bind(kind)
        .fetch_all(&mut *tx)
        .await?;
    let mut scanned = Scanned::default();
    let events: Vec<Event<'_>> = rows
        .iter()
        .map(|row| {
            let raised: bool = row.get("raised");
            let audit = if raised {
                scanned.raised += 1;
                AuditKind::FlagRaised
            } else {
                scanned.resolved += 1;
                AuditKind::FlagResolved
            };
            Event::by_the_system(audit, row.get("centre_id"), row.get("case_id"), kind.code())
        })
        .collect();
    Event::record_all(&mut *tx, &events).await?;
    Ok(scanned)
}

struct Cause {
    /// Who has the cause: `(person_id, case_id, centre_id, due_on)`.
    select: String,
    /// Raises, moves and resolves this kind's flags in one statement,
    /// finding the cause once; returns `(centre_id, case_id, raised)` per
    /// flag raised or resolved. Over every case, or over case `$2`.
    every_case: String,
    one_case: String,
}

/// Each kind's cause as SQL with the scan's parameters (`$1` today, `$2`
/// only this case or null, `$3`–`$5` the rules' days): for the benchmark's
/// query plans.
pub fn causes() -> impl Iterator<Item = (FlagKind, &'static str)> {
    CAUSES
        .iter()
        .map(|(kind, cause)| (*kind, cause.select.as_str()))
}

/// Per kind: the people whose flag has a cause, as
/// `(person_id, case_id, centre_id, due_on)`. Parameters: `$1` today, `$2`
/// only this case (or null), `$3` departure review days, `$4` mapping due
/// days, `$5` plan due days. Every cause is about a person still in an open
/// case, so a closed case or a removed child resolves its flags.
static CAUSES: LazyLock<Vec<(FlagKind, Cause)>> = LazyLock::new(|| {
    let every = statements("$2::uuid IS NULL", "$2::uuid IS NULL");
    let one = statements("c.id = $2::uuid", "f.case_id = $2::uuid");
    every
        .into_iter()
        .zip(one)
        .map(|((kind, select, every_case), (_, _, one_case))| {
            let cause = Cause {
                select,
                every_case,
                one_case,
            };
            (kind, cause)
        })
        .collect()
});

/// Per kind: (kind, who has the cause, the scan statement), with the case
/// filter as given: every case (a separate SQL text, so that the planner is
/// never left with `$2 IS NULL OR …`), or one.
fn statements(case_filter: &str, flag_filter: &str) -> Vec<(FlagKind, String, String)> {
    // Codes come from the enums; written into the SQL as literals so that
    // the planner can use the partial indexes.
    let approved = PlanState::Approved.code();
    let completed = MappingState::Completed.code();
    let relocate = Relocation::Consider.code();
    let notice = super::ORDER_NOTICE_DAYS;
    // A day in a plan's or mapping's JSON, compared as ISO text so that no
    // stored value can fail the scan; forms take years 1900–2200 only.
    let iso_day = "'^(19|2[0-2])[0-9]{2}-[0-9]{2}-[0-9]{2}$'";
    let newest_completed = format!(
        "NOT EXISTS (SELECT 1 FROM mappings newer WHERE newer.person_id = m.person_id
                     AND newer.state = '{completed}' AND newer.version > m.version)"
    );
    let in_open_case = format!("pe.removed_at IS NULL AND c.closed_on IS NULL AND {case_filter}");
    let joined = format!("({})", super::ARRIVED);
    let newest_approved = format!(
        "NOT EXISTS (SELECT 1 FROM plans newer WHERE newer.person_id = pl.person_id
                     AND newer.state = '{approved}' AND newer.version > pl.version)"
    );
    let causes = [
        (
            FlagKind::OverdueReview,
            format!(
                "SELECT pl.person_id, pe.case_id, pl.centre_id, pl.next_review_on AS due_on
                 FROM plans pl
                 JOIN persons pe ON pe.id = pl.person_id
                 JOIN cases c ON c.id = pe.case_id
                 WHERE pl.state = '{approved}' AND pl.next_review_on < $1::date
                   AND {newest_approved} AND {in_open_case}"
            ),
        ),
        (
            FlagKind::ReviewBeforeDeparture,
            format!(
                "SELECT pe.id AS person_id, c.id AS case_id, c.centre_id,
                        c.planned_departure_date AS due_on
                 FROM cases c
                 JOIN persons pe ON pe.case_id = c.id
                 WHERE c.planned_departure_date <= $1::date + $3::int
                   AND {in_open_case}
                   AND NOT EXISTS (
                       SELECT 1 FROM plans pl WHERE pl.person_id = pe.id AND pl.state = '{approved}'
                         AND (pl.approved_at AT TIME ZONE 'Europe/Oslo')::date
                             >= c.planned_departure_date - $3::int)"
            ),
        ),
        (
            FlagKind::PlanBehindMapping,
            format!(
                "SELECT pl.person_id, pe.case_id, pl.centre_id,
                        (max(m.completed_at) AT TIME ZONE 'Europe/Oslo')::date AS due_on
                 FROM plans pl
                 JOIN persons pe ON pe.id = pl.person_id
                 JOIN cases c ON c.id = pe.case_id
                 JOIN mappings m ON m.person_id = pl.person_id AND m.state = '{completed}'
                                AND m.version > pl.mapping_version
                 WHERE pl.state = '{approved}' AND {newest_approved} AND {in_open_case}
                 GROUP BY pl.person_id, pe.case_id, pl.centre_id"
            ),
        ),
        (
            FlagKind::NoMapping,
            format!(
                "SELECT pe.id AS person_id, c.id AS case_id, c.centre_id,
                        {joined} + $4::int AS due_on
                 FROM cases c
                 JOIN persons pe ON pe.case_id = c.id
                 WHERE {joined} <= $1::date - $4::int AND {in_open_case}
                   AND NOT EXISTS (SELECT 1 FROM mappings m
                                   WHERE m.person_id = pe.id AND m.state = '{completed}')"
            ),
        ),
        (
            FlagKind::NoPlan,
            format!(
                "SELECT pe.id AS person_id, c.id AS case_id, c.centre_id,
                        {joined} + $5::int AS due_on
                 FROM cases c
                 JOIN persons pe ON pe.case_id = c.id
                 WHERE {joined} <= $1::date - $5::int AND {in_open_case}
                   AND EXISTS (SELECT 1 FROM mappings m
                               WHERE m.person_id = pe.id AND m.state = '{completed}')
                   AND NOT EXISTS (SELECT 1 FROM plans pl
                                   WHERE pl.person_id = pe.id AND pl.state = '{approved}')"
            ),
        ),
        (
            FlagKind::RelocationToConsider,
            format!(
                "SELECT m.person_id, pe.case_id, m.centre_id,
                        (m.completed_at AT TIME ZONE 'Europe/Oslo')::date AS due_on
                 FROM mappings m
                 JOIN persons pe ON pe.id = m.person_id
                 JOIN cases c ON c.id = pe.case_id
                 WHERE m.state = '{completed}' AND m.content->>'relocation' = '{relocate}'
                   -- A mapping received at a relocation answered for the centre before.
                   AND m.received_from IS NULL
                   AND NOT EXISTS (SELECT 1 FROM mappings newer
                                   WHERE newer.person_id = m.person_id
                                     AND newer.state = '{completed}' AND newer.version > m.version)
                   -- Considered: a relocation was opened on the case since.
                   AND NOT EXISTS (SELECT 1 FROM relocations r
                                   WHERE r.case_id = pe.case_id AND r.opened_at >= m.completed_at)
                   AND {in_open_case}"
            ),
        ),
        (
            // An order, ban or alarm of the newest completed mapping ends
            // within the notice, or has ended, and no newer version says
            // it was renewed or lifted.
            FlagKind::OrderExpires,
            format!(
                "SELECT m.person_id, pe.case_id, m.centre_id,
                        min(o.value->>'until')::date AS due_on
                 FROM mappings m
                 JOIN persons pe ON pe.id = m.person_id
                 JOIN cases c ON c.id = pe.case_id
                 CROSS JOIN LATERAL jsonb_array_elements(
                     CASE jsonb_typeof(m.content->'legal'->'orders')
                         WHEN 'array' THEN m.content->'legal'->'orders' ELSE '[]' END) o
                 WHERE m.state = '{completed}' AND {newest_completed}
                   AND o.value->>'until' ~ {iso_day}
                   AND o.value->>'until' <= to_char($1::date + {notice}, 'YYYY-MM-DD')
                   AND {in_open_case}
                 GROUP BY m.person_id, pe.case_id, m.centre_id"
            ),
        ),
        (
            // P6: a measure of the newest approved plan restricts the child
            // past its end date.
            FlagKind::RestrictionEnded,
            format!(
                "SELECT pl.person_id, pe.case_id, pl.centre_id,
                        min(m.value->>'until')::date AS due_on
                 FROM plans pl
                 JOIN persons pe ON pe.id = pl.person_id
                 JOIN cases c ON c.id = pe.case_id
                 CROSS JOIN LATERAL jsonb_array_elements(
                     CASE jsonb_typeof(pl.content->'measures')
                         WHEN 'array' THEN pl.content->'measures' ELSE '[]' END) m
                 WHERE pl.state = '{approved}' AND {newest_approved} AND {in_open_case}
                   AND m.value->>'restricts' = 'true'
                   AND m.value->>'until' ~ {iso_day}
                   AND m.value->>'until' < to_char($1::date, 'YYYY-MM-DD')
                 GROUP BY pl.person_id, pe.case_id, pl.centre_id"
            ),
        ),
        (
            // A serious incident was recorded after the newest approved plan.
            FlagKind::IncidentAfterPlan,
            format!(
                "SELECT pl.person_id, pe.case_id, pl.centre_id, max(i.occurred_on) AS due_on
                 FROM plans pl
                 JOIN persons pe ON pe.id = pl.person_id
                 JOIN cases c ON c.id = pe.case_id
                 JOIN incidents i ON i.case_id = pe.case_id AND i.serious
                                 AND pe.id = ANY (i.concerns) AND i.recorded_at > pl.approved_at
                 WHERE pl.state = '{approved}' AND {newest_approved} AND {in_open_case}
                 GROUP BY pl.person_id, pe.case_id, pl.centre_id"
            ),
        ),
    ];
    causes
        .into_iter()
        .map(|(kind, cause)| {
            // Every statement names every parameter, so each has a type.
            let params = "$1::date IS NOT NULL AND $3::int IS NOT NULL AND $4::int IS NOT NULL
                          AND $5::int IS NOT NULL";
            // A flag already open whose day moved (a departure changed)
            // gets its new day; only new flags count as raised.
            let scan = format!(
                "WITH cause AS MATERIALIZED ({cause}),
                 raised AS (
                     INSERT INTO review_flags (kind, person_id, case_id, centre_id, due_on)
                     SELECT $6, c.person_id, c.case_id, c.centre_id, c.due_on FROM cause c
                     WHERE {params}
                       AND NOT EXISTS (SELECT 1 FROM review_flags f
                                       WHERE f.person_id = c.person_id AND f.kind = $6
                                         AND f.resolved_at IS NULL AND f.due_on = c.due_on)
                     ON CONFLICT (person_id, kind) WHERE resolved_at IS NULL
                     DO UPDATE SET due_on = EXCLUDED.due_on
                     RETURNING centre_id, case_id, xmax = 0 AS new),
                 resolved AS (
                     UPDATE review_flags f SET resolved_at = now()
                     WHERE f.kind = $6 AND f.resolved_at IS NULL AND {flag_filter}
                       AND NOT EXISTS (SELECT 1 FROM cause WHERE cause.person_id = f.person_id)
                     RETURNING f.centre_id, f.case_id)
                 SELECT centre_id, case_id, true AS raised FROM raised WHERE new
                 UNION ALL
                 SELECT centre_id, case_id, false FROM resolved"
            );
            let select =
                format!("WITH cause AS ({cause}) SELECT cause.* FROM cause WHERE {params}");
            (kind, select, scan)
        })
        .collect()
}
