//! Safety plans (§ 4 b, P1–P10): one per person, built on a completed
//! mapping version (M7). A version is written as a draft, sent for approval,
//! returned with a coordinator's comment or approved with a next review date
//! (U2). An approved version never changes: changing the plan starts the next
//! version from it, on the newest mapping.

pub mod content;
pub mod reviews;
pub mod routes;

use sqlx::{FromRow, PgExecutor, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::cases::Person;
pub use content::Content;

#[derive(Clone, Debug, FromRow)]
pub struct Plan {
    pub id: Uuid,
    pub person_id: Uuid,
    pub version: i32,
    pub state: String,
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

impl Plan {
    /// Draft or returned: the version staff work on.
    pub fn is_open(&self) -> bool {
        self.state == "draft" || self.state == "returned"
    }

    pub fn is_submitted(&self) -> bool {
        self.state == "submitted"
    }

    pub fn is_approved(&self) -> bool {
        self.state == "approved"
    }

    pub fn state_label(&self) -> &'static str {
        state_label(&self.state)
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

pub fn state_label(state: &str) -> &'static str {
    match state {
        "draft" => "Utkast",
        "submitted" => "Til godkjenning",
        "returned" => "Returnert",
        "approved" => "Godkjent",
        _ => "Ukjent",
    }
}

const PLAN_SELECT: &str =
    "SELECT p.id, p.person_id, p.version, p.state, p.mapping_version, p.content,
        p.authors, p.lock_version, p.updated_at, u.full_name AS updated_by_name,
        p.submitted_at, s.full_name AS submitted_by_name,
        p.approved_at, a.full_name AS approved_by_name, p.next_review_on
     FROM plans p
     JOIN accounts u ON u.id = p.updated_by
     LEFT JOIN accounts s ON s.id = p.submitted_by
     LEFT JOIN accounts a ON a.id = p.approved_by";

/// Every version of a person's plan, newest first.
pub async fn versions(db: impl PgExecutor<'_>, person: &Person) -> sqlx::Result<Vec<Plan>> {
    sqlx::query_as(&format!(
        "{PLAN_SELECT} WHERE p.person_id = $1 ORDER BY p.version DESC"
    ))
    .bind(person.id)
    .fetch_all(db)
    .await
}

pub async fn version(
    db: impl PgExecutor<'_>,
    person: &Person,
    n: i32,
) -> sqlx::Result<Option<Plan>> {
    sqlx::query_as(&format!(
        "{PLAN_SELECT} WHERE p.person_id = $1 AND p.version = $2"
    ))
    .bind(person.id)
    .bind(n)
    .fetch_optional(db)
    .await
}

/// The version not yet approved (draft, submitted or returned), if any.
pub async fn unapproved(db: impl PgExecutor<'_>, person: &Person) -> sqlx::Result<Option<Plan>> {
    sqlx::query_as(&format!(
        "{PLAN_SELECT} WHERE p.person_id = $1 AND p.state <> 'approved'"
    ))
    .bind(person.id)
    .fetch_optional(db)
    .await
}

/// The newest approved version before version `before`.
pub async fn approved_before(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    before: i32,
) -> sqlx::Result<Option<Plan>> {
    sqlx::query_as(&format!(
        "{PLAN_SELECT} WHERE p.person_id = $1 AND p.state = 'approved' AND p.version < $2
         ORDER BY p.version DESC LIMIT 1"
    ))
    .bind(person_id)
    .bind(before)
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
        "{PLAN_SELECT} WHERE p.id = $1 AND p.centre_id = $2"
    ))
    .bind(id)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// A person's plan at a glance, for the case page.
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub approved: Option<i32>,
    /// The state of the version not yet approved, if any.
    pub open_state: Option<String>,
}

impl Status {
    pub fn open_label(&self) -> &'static str {
        self.open_state.as_deref().map_or("", state_label)
    }
}

/// The plan status of each of `people`, in their order: one query.
pub async fn statuses(db: &PgPool, people: &[Person]) -> sqlx::Result<Vec<Status>> {
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let rows: Vec<(Uuid, Option<i32>, Option<String>)> = sqlx::query_as(
        "SELECT person_id, max(version) FILTER (WHERE state = 'approved'),
                max(state) FILTER (WHERE state <> 'approved')
         FROM plans WHERE person_id = ANY($1) GROUP BY person_id",
    )
    .bind(&ids)
    .fetch_all(db)
    .await?;
    Ok(people
        .iter()
        .map(|p| {
            rows.iter()
                .find(|(id, _, _)| *id == p.id)
                .map(|(_, approved, open)| Status {
                    approved: *approved,
                    open_state: open.clone(),
                })
                .unwrap_or_default()
        })
        .collect())
}

/// Opens the next version on `mapping_version`, from the newest approved
/// one (or empty). An unapproved version is kept as it is.
pub async fn start_draft(
    db: &PgPool,
    person: &Person,
    mapping_version: i32,
    links: &[content::Link],
    author: Uuid,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    // One open version per person, even when two staff start at once.
    let centre_id: Uuid =
        sqlx::query_scalar("SELECT centre_id FROM persons WHERE id = $1 FOR UPDATE")
            .bind(person.id)
            .fetch_one(&mut *tx)
            .await?;
    let latest: Option<(i32, String, sqlx::types::Json<Content>)> = sqlx::query_as(
        "SELECT version, state, content FROM plans WHERE person_id = $1
         ORDER BY version DESC LIMIT 1",
    )
    .bind(person.id)
    .fetch_optional(&mut *tx)
    .await?;
    let (next, mut content) = match latest {
        Some((_, state, _)) if state != "approved" => return tx.commit().await,
        Some((version, _, content)) => (version + 1, content.0),
        None => (1, Content::empty(person.is_child())),
    };
    content.keep_links(links);
    sqlx::query(
        "INSERT INTO plans (id, person_id, centre_id, version, state, mapping_version, content,
                            created_by, updated_by)
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(person.id)
    .bind(centre_id)
    .bind(next)
    .bind(mapping_version)
    .bind(sqlx::types::Json(&content))
    .bind(author)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Saves an open version if nobody changed it since `lock_version` was read,
/// and submits it when `submit`. `false` when someone else was first.
pub async fn save(
    db: impl PgExecutor<'_>,
    plan: &Plan,
    lock_version: i32,
    content: &Content,
    mapping_version: i32,
    author: Uuid,
    submit: bool,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE plans SET content = $3, mapping_version = $4, lock_version = lock_version + 1,
                          updated_by = $5, updated_at = now(),
                          authors = CASE WHEN $5 = ANY(authors) THEN authors
                                         ELSE array_append(authors, $5) END,
                          state = CASE WHEN $6 THEN 'submitted' ELSE state END,
                          submitted_by = CASE WHEN $6 THEN $5 ELSE submitted_by END,
                          submitted_at = CASE WHEN $6 THEN now() ELSE submitted_at END
         WHERE id = $1 AND lock_version = $2 AND state IN ('draft', 'returned')",
    )
    .bind(plan.id)
    .bind(lock_version)
    .bind(sqlx::types::Json(content))
    .bind(mapping_version)
    .bind(author)
    .bind(submit)
    .execute(db)
    .await?
    .rows_affected()
        > 0)
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
    db: &PgPool,
    plan: &Plan,
    lock_version: i32,
    by: Uuid,
    decision: Decision<'_>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let (state, comment, next_review_on) = match decision {
        Decision::Return { comment } => ("returned", comment, None),
        Decision::Approve {
            reason,
            next_review_on,
        } => ("approved", reason, Some(next_review_on)),
    };
    let approve = state == "approved";
    let changed = sqlx::query(
        "UPDATE plans SET state = $3, lock_version = lock_version + 1,
                          approved_by = CASE WHEN $5 THEN $4 END,
                          approved_at = CASE WHEN $5 THEN now() END,
                          next_review_on = $6
         WHERE id = $1 AND lock_version = $2 AND state = 'submitted' AND NOT ($4 = ANY(authors))",
    )
    .bind(plan.id)
    .bind(lock_version)
    .bind(state)
    .bind(by)
    .bind(approve)
    .bind(next_review_on)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if !changed {
        return Ok(false);
    }
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
    tx.commit().await?;
    Ok(true)
}

#[derive(Clone, Debug, FromRow)]
pub struct DecisionRecord {
    pub decision: String,
    pub comment: String,
    pub decided_by_name: String,
    pub decided_at: OffsetDateTime,
}

impl DecisionRecord {
    pub fn is_return(&self) -> bool {
        self.decision == "returned"
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
    (plan.state == "returned")
        .then(|| decisions.iter().rev().find(|d| d.is_return()))
        .flatten()
}

/// The decisions on a version, oldest first.
pub async fn decisions(db: impl PgExecutor<'_>, plan: &Plan) -> sqlx::Result<Vec<DecisionRecord>> {
    sqlx::query_as(
        "SELECT d.decision, d.comment, a.full_name AS decided_by_name, d.decided_at
         FROM plan_decisions d JOIN accounts a ON a.id = d.decided_by
         WHERE d.plan_id = $1 ORDER BY d.decided_at, d.id",
    )
    .bind(plan.id)
    .fetch_all(db)
    .await
}
