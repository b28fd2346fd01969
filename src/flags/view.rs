//! Open flags as the pages show them: counts for the dashboard, people for
//! the work lists, tags for the case list and the case page. Every query is
//! within one centre and served by `review_flags_centre_open_idx` or
//! `review_flags_case_open_idx`.

use std::sync::LazyLock;

use sqlx::{FromRow, PgExecutor};
use time::Date;
use uuid::Uuid;

use super::FlagKind;
use crate::cases::PersonKind;

/// An open flag and whom it is about: which person, of which family, and
/// whose contact person they are.
#[derive(Clone, Debug, FromRow)]
pub struct Flagged {
    pub kind: FlagKind,
    pub person_id: Uuid,
    pub case_id: Uuid,
    pub person_name: String,
    pub person_kind: PersonKind,
    pub birth_date: Date,
    /// The resident of the case: for a child, whose child.
    pub resident_name: Option<String>,
    pub contact_name: Option<String>,
    pub due_on: Date,
}

impl Flagged {
    /// "3 dager på overtid", "Flytter ut om 5 dager"…, as of today.
    pub fn when(&self) -> String {
        let today = crate::locale::today();
        self.kind.when((self.due_on - today).whole_days() as i32)
    }

    pub fn due(&self) -> String {
        crate::locale::date(self.due_on)
    }

    /// «barn, 8 år» for a child; nothing for the resident.
    pub fn child(&self) -> Option<String> {
        (self.person_kind == PersonKind::Child).then(|| {
            let age = crate::locale::age(self.birth_date, crate::locale::today());
            format!("barn, {age} år")
        })
    }

    /// Where the work is done: the plan, or the mapping.
    pub fn link(&self) -> String {
        let record = match self.kind {
            FlagKind::NoMapping | FlagKind::RelocationToConsider | FlagKind::OrderExpires => {
                "mapping"
            }
            _ => "plan",
        };
        format!("/cases/{}/people/{}/{record}", self.case_id, self.person_id)
    }
}

/// A work list's section: one kind of flag, most urgent first.
pub struct Section {
    pub kind: FlagKind,
    pub rows: Vec<Flagged>,
    /// More than the rows shown.
    pub more: bool,
}

/// The centre's open flags, a section per kind with any, most urgent kind
/// first, each at most `limit` rows: one statement, which reads each kind's
/// most urgent flags from the index.
pub async fn sections(
    db: &sqlx::PgPool,
    (centre_id, account): (Uuid, Uuid),
    limit: i64,
) -> sqlx::Result<Vec<Section>> {
    let mut flagged: Vec<Flagged> = sqlx::query_as(&SECTIONS)
        .bind(centre_id)
        .bind(FlagKind::BY_URGENCY.map(|kind| kind.code()).to_vec())
        .bind(limit + 1)
        .bind(account)
        .fetch_all(db)
        .await?;
    let mut sections = Vec::new();
    for kind in FlagKind::BY_URGENCY {
        let (mut rows, rest): (Vec<Flagged>, Vec<Flagged>) =
            flagged.into_iter().partition(|f| f.kind == kind);
        flagged = rest;
        if rows.is_empty() {
            continue;
        }
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        sections.push(Section { kind, rows, more });
    }
    Ok(sections)
}

/// Open flags `f`, as `from` names them, with their person, the case's
/// resident and the contact person (the person's own, or the case's); then
/// `rest` (a `WHERE`, an `ORDER BY`). Only flags of cases the account `$4`
/// may open: a flag's kind and date tell of what a restricted case holds.
fn flagged(from: &str, rest: &str) -> String {
    format!(
        "SELECT f.kind, f.person_id, f.case_id, pe.name AS person_name, pe.kind AS person_kind,
                pe.birth_date, r.name AS resident_name, a.full_name AS contact_name, f.due_on
         FROM {from}
         JOIN persons pe ON pe.id = f.person_id
         JOIN cases c ON c.id = f.case_id
         LEFT JOIN persons r ON r.case_id = f.case_id AND r.kind = '{}'
         LEFT JOIN accounts a ON a.id = coalesce(pe.contact_person_id, c.contact_person_id)
         {rest}",
        PersonKind::Resident.code()
    )
}

/// Each kind's most urgent flags (`$2` the kinds), read from the index.
static SECTIONS: LazyLock<String> = LazyLock::new(|| {
    flagged(
        &format!(
            "unnest($2::text[]) AS k(kind)
             CROSS JOIN LATERAL (
                 SELECT o.id FROM review_flags o JOIN cases oc ON oc.id = o.case_id
                 WHERE o.centre_id = $1 AND o.kind = k.kind AND o.resolved_at IS NULL
                   AND {}
                 ORDER BY o.due_on, o.id LIMIT $3
             ) most_urgent
             JOIN review_flags f ON f.id = most_urgent.id",
            crate::cases::restriction::may_open("oc", "$4")
        ),
        "ORDER BY f.due_on, f.id",
    )
});

static MINE: LazyLock<String> = LazyLock::new(|| {
    flagged(
        "review_flags f",
        &format!(
            "WHERE f.centre_id = $1 AND f.resolved_at IS NULL
               AND (pe.contact_person_id = $2 OR c.contact_person_id = $2)
               AND {}
             ORDER BY f.due_on, f.id LIMIT $3",
            crate::cases::restriction::may_open("c", "$2")
        ),
    )
});

/// The centre's open flags about people whose contact person is `account`
/// (their own, or their case's), most urgent kind first.
pub async fn mine(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    account: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<Flagged>> {
    let mut flagged: Vec<Flagged> = sqlx::query_as(&MINE)
        .bind(centre_id)
        .bind(account)
        .bind(limit)
        .fetch_all(db)
        .await?;
    flagged.sort_by_key(|f| urgency(f.kind));
    Ok(flagged)
}

/// How many open flags of each kind the centre has that `account` may see,
/// most urgent kind first; kinds without flags are left out.
pub async fn counts(
    db: impl PgExecutor<'_>,
    (centre_id, account): (Uuid, Uuid),
) -> sqlx::Result<Vec<(FlagKind, i64)>> {
    let counts = sqlx::query_as(&open_counts("$2"))
        .bind(centre_id)
        .bind(account)
        .fetch_all(db)
        .await?;
    Ok(by_urgency(counts))
}

/// How many open flags of each kind the centre `$1` has, as (kind, n),
/// leaving out those of cases restricted to others than `account` (a
/// flag's kind tells of the case). All of them, less the few of restricted
/// cases: both counts come from an index.
pub fn open_counts(account: &str) -> String {
    format!(
        "SELECT kind, sum(n)::bigint AS n FROM (
             SELECT kind, count(*) AS n FROM review_flags
             WHERE centre_id = $1 AND resolved_at IS NULL GROUP BY kind
             UNION ALL
             SELECT f.kind, -count(*) FROM cases c
             JOIN review_flags f ON f.case_id = c.id AND f.resolved_at IS NULL
             WHERE c.centre_id = $1 AND c.restricted_to IS NOT NULL
               AND NOT coalesce({}, false)
             GROUP BY f.kind
         ) k GROUP BY kind HAVING sum(n) > 0",
        crate::cases::restriction::may_open("c", account)
    )
}

/// Counts, most urgent kind first.
pub fn by_urgency(mut counts: Vec<(FlagKind, i64)>) -> Vec<(FlagKind, i64)> {
    counts.sort_by_key(|(kind, _)| urgency(*kind));
    counts
}

pub(crate) fn urgency(kind: FlagKind) -> usize {
    FlagKind::BY_URGENCY
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}
