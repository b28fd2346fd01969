//! The scan: per kind of flag, one statement finds every person whose flag
//! has a cause today, raises the flags not yet open and resolves the open
//! flags whose cause is gone. The open flag of a person and kind is
//! unique in the database, and each kind takes an advisory lock, so two scans at
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
/// changed), as of `today` (Europe/Oslo). The kinds run side by side, each in
/// its own transaction with its audit events.
pub async fn scan(
    db: &PgPool,
    rules: &Rules,
    today: Date,
    only_case: Option<Uuid>,
) -> sqlx::Result<Scanned> {
    let mut kinds = tokio::task::JoinSet::new();
    for index in 0..CAUSES.len() {
        let (db, rules) = (db.clone(), *rules);
        kinds.spawn(async move { scan_kind(&db, &rules, today, only_case, index).await });
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

/// One kind of flag (`CAUSES[index]`): raised, moved and resolved in one
/// statement, audited in the same transaction.
async fn scan_kind(
    db: &PgPool,
    rules: &Rules,
    today: Date,
    only_case: Option<Uuid>,
    index: usize,
) -> sqlx::Result<Scanned> {
    let (kind, cause) = &CAUSES[index];
    let mut tx = db.begin().await?;
    // One scan of a kind at a time; a second waits, then finds nothing to do.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('trygg-review-scan'), $1)")
        .bind(index as i32)
        .execute(&mut *tx)
        .await?;
    let rows = sqlx::query(&cause.scan)
        .bind(today)
        .bind(only_case)
        .bind(rules.departure_review_days)
        .bind(rules.mapping_due_days)
        .bind(rules.plan_due_days)
        .bind(*kind)
        .fetch_all(&mut *tx)
        .await?;
    let mut scanned = Scanned::default();
    let events: Vec<Event<'_>> = rows
        .iter()
        .map(|row| {
            let raised: bool = row.get("raised");
            if raised {
                scanned.raised += 1;
            } else {
                scanned.resolved += 1;
            }
            let audit = if raised {
                AuditKind::FlagRaised
            } else {
                AuditKind::FlagResolved
            };
            Event::by_the_system(audit, row.get("centre_id"), row.get("case_id"), kind.code())
        })
        .collect();
    Event::record_all(&mut *tx, &events).await?;
    tx.commit().await?;
    Ok(scanned)
}

struct Cause {
    /// Who has the cause: `(person_id, case_id, centre_id, due_on)`.
    select: String,
    /// Raises, moves and resolves this kind's flags in one statement,
    /// finding the cause once; returns `(centre_id, case_id, raised)` per
    /// flag raised or resolved.
    scan: String,
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
    // Codes come from the enums; written into the SQL as literals so that
    // the planner can use the partial indexes.
    let approved = PlanState::Approved.code();
    let completed = MappingState::Completed.code();
    let relocate = Relocation::Consider.code();
    let in_open_case = "pe.removed_at IS NULL AND c.closed_on IS NULL
                        AND ($2::uuid IS NULL OR c.id = $2)";
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
                 WHERE c.planned_departure_date BETWEEN $1::date AND $1::date + $3::int
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
                        c.arrival_date + $4::int AS due_on
                 FROM cases c
                 JOIN persons pe ON pe.case_id = c.id
                 WHERE c.arrival_date <= $1::date - $4::int AND {in_open_case}
                   AND NOT EXISTS (SELECT 1 FROM mappings m
                                   WHERE m.person_id = pe.id AND m.state = '{completed}')"
            ),
        ),
        (
            FlagKind::NoPlan,
            format!(
                "SELECT pe.id AS person_id, c.id AS case_id, c.centre_id,
                        c.arrival_date + $5::int AS due_on
                 FROM cases c
                 JOIN persons pe ON pe.case_id = c.id
                 WHERE c.arrival_date <= $1::date - $5::int AND {in_open_case}
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
                   AND NOT EXISTS (SELECT 1 FROM mappings newer
                                   WHERE newer.person_id = m.person_id
                                     AND newer.state = '{completed}' AND newer.version > m.version)
                   AND {in_open_case}"
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
                     WHERE f.kind = $6 AND f.resolved_at IS NULL
                       AND ($2::uuid IS NULL OR f.case_id = $2)
                       AND NOT EXISTS (SELECT 1 FROM cause WHERE cause.person_id = f.person_id)
                     RETURNING f.centre_id, f.case_id)
                 SELECT centre_id, case_id, true AS raised FROM raised WHERE new
                 UNION ALL
                 SELECT centre_id, case_id, false FROM resolved"
            );
            let select =
                format!("WITH cause AS ({cause}) SELECT cause.* FROM cause WHERE {params}");
            (kind, Cause { select, scan })
        })
        .collect()
});
