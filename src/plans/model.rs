//! A plan's versions, on the one versioned core, and the coordinators'
//! decisions on them.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::content::{Content, Link};
use crate::code_enum;
use crate::mapping;
use crate::versioned::{self, Versioned};

code_enum! {
    pub enum PlanState {
        Draft = "draft" "Utkast",
        Submitted = "submitted" "Til godkjenning",
        Returned = "returned" "Returnert",
        Approved = "approved" "Godkjent",
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct Plan {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub person_id: Uuid,
    pub version: i32,
    pub state: PlanState,
    pub mapping_version: i32,
    #[sqlx(json)]
    pub content: Content,
    pub authors: Vec<Uuid>,
    pub lock_version: i32,
    pub updated_at: OffsetDateTime,
    pub updated_by_name: String,
    pub submitted_at: Option<OffsetDateTime>,
    pub submitted_by_name: Option<String>,
    pub approved_at: Option<OffsetDateTime>,
    pub approved_by_name: Option<String>,
    pub next_review_on: Option<Date>,
}

impl Versioned for Plan {
    const TABLE: &'static str = "plans";
    const SELECT: &'static str =
        "SELECT r.id, r.centre_id, r.person_id, r.version, r.state, r.mapping_version,
            r.content, r.authors, r.lock_version, r.updated_at, u.full_name AS updated_by_name,
            r.submitted_at, s.full_name AS submitted_by_name,
            r.approved_at, a.full_name AS approved_by_name, r.next_review_on
         FROM plans r
         JOIN accounts u ON u.id = r.updated_by
         LEFT JOIN accounts s ON s.id = r.submitted_by
         LEFT JOIN accounts a ON a.id = r.approved_by";
    type Content = Content;
    type State = PlanState;
    const DRAFT: PlanState = PlanState::Draft;
    const OPEN: &'static [PlanState] = &[PlanState::Draft, PlanState::Returned];
    const FINISHED: PlanState = PlanState::Approved;

    fn state(&self) -> PlanState {
        self.state
    }
}

impl Plan {
    /// Draft or returned: the version staff work on.
    pub fn is_open(&self) -> bool {
        Plan::OPEN.contains(&self.state)
    }

    pub fn is_submitted(&self) -> bool {
        self.state == PlanState::Submitted
    }

    pub fn is_approved(&self) -> bool {
        self.state == PlanState::Approved
    }

    pub fn is_returned(&self) -> bool {
        self.state == PlanState::Returned
    }

    pub fn state_label(&self) -> &'static str {
        self.state.label()
    }

    pub fn written_by(&self, account: Uuid) -> bool {
        self.authors.contains(&account)
    }

    pub fn updated_when(&self) -> String {
        crate::locale::date_time(self.updated_at)
    }

    pub fn submitted_when(&self) -> String {
        self.submitted_at
            .map(crate::locale::date_time)
            .unwrap_or_default()
    }

    pub fn approved_when(&self) -> String {
        self.approved_at
            .map(crate::locale::date_time)
            .unwrap_or_default()
    }

    pub fn next_review(&self) -> String {
        self.next_review_on
            .map(crate::locale::date)
            .unwrap_or_default()
    }

    /// P10: the approved plan's review date has passed.
    pub fn review_overdue(&self) -> bool {
        self.next_review_on
            .is_some_and(|d| d < crate::locale::today())
    }
}

// Each takes the caller's centre with the person: see `versioned`.

/// The version not yet approved (draft, submitted or returned), if any.
pub async fn unapproved(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
) -> sqlx::Result<Option<Plan>> {
    versioned::unfinished(db, centre_id, person_id).await
}

/// The newest approved version before version `before`.
pub async fn approved_before(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
    before: i32,
) -> sqlx::Result<Option<Plan>> {
    sqlx::query_as(&format!(
        "{} WHERE r.person_id = $1 AND r.state = $2 AND r.version < $3 AND r.centre_id = $4
         ORDER BY r.version DESC LIMIT 1",
        Plan::SELECT
    ))
    .bind(person_id)
    .bind(PlanState::Approved)
    .bind(before)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// A version by its id, only within `centre_id` (for the review pages).
pub async fn by_id_in_centre(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Plan>> {
    sqlx::query_as(&format!(
        "{} WHERE r.id = $1 AND r.centre_id = $2",
        Plan::SELECT
    ))
    .bind(id)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// A person's plan at a glance, for the case page.
#[derive(Clone, Debug)]
pub struct Status {
    pub approved: Option<i32>,
    /// The state of the version not yet approved, if any.
    pub open_state: Option<PlanState>,
}

impl Status {
    pub fn open_label(&self) -> &'static str {
        self.open_state.map_or("", PlanState::label)
    }
}

/// How the next version starts: from the newest approved one (or empty),
/// keeping only the links `links` still offers (the newest mapping's).
pub fn next_content(child: bool, links: Vec<Link>) -> impl FnOnce(Option<Content>) -> Content {
    move |newest| {
        let mut content = newest.unwrap_or_else(|| Content::empty(child));
        content.keep_links(&links);
        content
    }
}

/// Opens the next version on `mapping`, unless one is not yet approved.
/// `true` when one was opened.
pub async fn start_draft(
    tx: &mut PgConnection,
    centre_id: Uuid,
    person_id: Uuid,
    child: bool,
    mapping: &mapping::Version,
    author: Uuid,
) -> sqlx::Result<bool> {
    let links = super::content::links_of(&mapping.content);
    versioned::start_next::<Plan>(
        tx,
        centre_id,
        person_id,
        author,
        next_content(child, links),
        &[("mapping_version", mapping.version)],
    )
    .await
}

/// Saves an open version if nobody changed it since `lock_version` was
/// read, on `mapping_version`, and submits it when `submit`. `false` when
/// someone else was first.
pub async fn save(
    tx: &mut PgConnection,
    plan: &Plan,
    lock_version: i32,
    content: &Content,
    mapping_version: i32,
    author: Uuid,
    submit: bool,
) -> sqlx::Result<bool> {
    if !versioned::save::<Plan>(tx, plan.centre_id, plan.id, lock_version, content, author).await? {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE plans SET mapping_version = $2,
                          authors = CASE WHEN $3 = ANY(authors) THEN authors
                                         ELSE array_append(authors, $3) END
         WHERE id = $1",
    )
    .bind(plan.id)
    .bind(mapping_version)
    .bind(author)
    .execute(&mut *tx)
    .await?;
    if submit {
        versioned::advance::<Plan>(tx, plan.id, PlanState::Submitted, author).await?;
    }
    Ok(true)
}

/// A coordinator's decision on a submitted version.
pub enum Decision<'a> {
    Return {
        comment: &'a str,
    },
    Approve {
        reason: &'a str,
        next_review_on: Date,
    },
}

/// Records `decision` if the version is still submitted as read at
/// `lock_version` and `by` wrote none of it. `false` otherwise.
pub async fn decide(
    tx: &mut PgConnection,
    plan: &Plan,
    lock_version: i32,
    by: Uuid,
    decision: Decision<'_>,
) -> sqlx::Result<bool> {
    let (state, comment, next_review_on) = match decision {
        Decision::Return { comment } => (PlanState::Returned, comment, None),
        Decision::Approve {
            reason,
            next_review_on,
        } => (PlanState::Approved, reason, Some(next_review_on)),
    };
    let changed = sqlx::query(
        "UPDATE plans SET state = $3, lock_version = lock_version + 1,
                          approved_by = CASE WHEN $3 = $7 THEN $4 END,
                          approved_at = CASE WHEN $3 = $7 THEN now() END,
                          next_review_on = $5
         WHERE id = $1 AND lock_version = $2 AND state = $6 AND NOT ($4 = ANY(authors))",
    )
    .bind(plan.id)
    .bind(lock_version)
    .bind(state)
    .bind(by)
    .bind(next_review_on)
    .bind(PlanState::Submitted)
    .bind(PlanState::Approved)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if changed {
        sqlx::query(
            "INSERT INTO plan_decisions (id, plan_id, decision, comment, decided_by)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uuid::new_v4())
        .bind(plan.id)
        .bind(state)
        .bind(comment)
        .bind(by)
        .execute(&mut *tx)
        .await?;
    }
    Ok(changed)
}

#[derive(Clone, Debug, FromRow)]
pub struct DecisionRecord {
    pub decision: PlanState,
    pub comment: String,
    pub decided_by_name: String,
    pub decided_at: OffsetDateTime,
}

impl DecisionRecord {
    pub fn is_return(&self) -> bool {
        self.decision == PlanState::Returned
    }
    pub fn when(&self) -> String {
        crate::locale::date_time(self.decided_at)
    }
}

/// The newest return comment, while the version is back with its writers.
pub fn return_comment<'a>(
    plan: &Plan,
    decisions: &'a [DecisionRecord],
) -> Option<&'a DecisionRecord> {
    plan.is_returned()
        .then(|| decisions.iter().rev().find(|d| d.is_return()))
        .flatten()
}

/// The centre's (`$1`) plans in state `$3` (submitted), oldest first, at
/// most `$2`, of the cases the account `$4` may open
/// (`restriction::may_open`); public for the benchmark.
pub const AWAITING_REVIEW: &str = "SELECT p.id, p.version, p.content, m.content AS mapping,
        p.submitted_at, s.full_name AS submitted_by_name, pe.name AS person_name, pe.birth_date,
        c.has_shielded_address AS centre_has_shielded_address
    FROM plans p
    JOIN centres c ON c.id = p.centre_id
    JOIN persons pe ON pe.id = p.person_id
    JOIN cases k ON k.id = pe.case_id
    JOIN mappings m ON m.person_id = p.person_id AND m.version = p.mapping_version
    LEFT JOIN accounts s ON s.id = p.submitted_by
    WHERE p.centre_id = $1 AND p.state = $3 AND pe.removed_at IS NULL
      AND (k.restricted_to IS NULL OR $4 = ANY(k.restricted_to))
    ORDER BY p.submitted_at, p.id
    LIMIT $2";

/// A plan waiting for a coordinator, with what its flags need.
#[derive(FromRow)]
pub struct Waiting {
    pub id: Uuid,
    pub version: i32,
    #[sqlx(json)]
    pub content: Content,
    #[sqlx(json)]
    pub mapping: mapping::Content,
    pub submitted_at: Option<OffsetDateTime>,
    pub submitted_by_name: Option<String>,
    pub person_name: String,
    pub birth_date: Date,
    /// Whether the centre's address is shielded (P8), which the flags need.
    pub centre_has_shielded_address: bool,
}

/// The centre's plans sent for approval, oldest first, at most `limit`, of
/// the cases `account` may open.
pub async fn awaiting_review(
    db: impl PgExecutor<'_>,
    (centre_id, account): (Uuid, Uuid),
    limit: i64,
) -> sqlx::Result<Vec<Waiting>> {
    sqlx::query_as(AWAITING_REVIEW)
        .bind(centre_id)
        .bind(limit)
        .bind(PlanState::Submitted)
        .bind(account)
        .fetch_all(db)
        .await
}

/// The case a person belongs to, within `centre_id`.
pub async fn case_of_person(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT case_id FROM persons WHERE id = $1 AND centre_id = $2")
        .bind(person_id)
        .bind(centre_id)
        .fetch_optional(db)
        .await
}
