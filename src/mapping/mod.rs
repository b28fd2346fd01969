//! Threat mapping (§ 4 a, M1–M8): one per person, the resident and each
//! child. Every save of the newest version is a draft; "Fullfør" freezes it
//! as version n. Changing a completed mapping starts version n+1 from it.
//! Fears and threats keep their ids across versions (M8), so a plan's
//! measure can point at one for good (M7).

pub mod content;
pub mod routes;

use sqlx::{FromRow, PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::Person;
pub use content::Content;

/// A person's mapping at a glance.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// The newest completed version.
    pub completed: Option<i32>,
    pub has_draft: bool,
}

/// The mapping status of each of `people`, in their order: one query.
pub async fn statuses(db: &PgPool, people: &[Person]) -> sqlx::Result<Vec<Status>> {
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let rows: Vec<(Uuid, Option<i32>, Option<bool>)> = sqlx::query_as(
        "SELECT person_id, max(version) FILTER (WHERE state = 'completed'), bool_or(state = 'draft')
         FROM mappings WHERE person_id = ANY($1) GROUP BY person_id",
    )
    .bind(&ids)
    .fetch_all(db)
    .await?;
    Ok(people
        .iter()
        .map(|p| {
            rows.iter()
                .find(|(id, _, _)| *id == p.id)
                .map(|(_, completed, draft)| Status {
                    completed: *completed,
                    has_draft: draft.unwrap_or(false),
                })
                .unwrap_or_default()
        })
        .collect())
}

#[derive(Clone, Debug, FromRow)]
pub struct Version {
    pub id: Uuid,
    pub version: i32,
    pub state: String,
    #[sqlx(json)]
    pub content: Content,
    pub lock_version: i32,
    pub updated_at: OffsetDateTime,
    pub updated_by_name: String,
    pub completed_at: Option<OffsetDateTime>,
    pub completed_by_name: Option<String>,
}

impl Version {
    pub fn is_draft(&self) -> bool {
        self.state == "draft"
    }

    pub fn completed_when(&self) -> String {
        self.completed_at
            .map(crate::locale::date_time)
            .unwrap_or_default()
    }

    pub fn updated_when(&self) -> String {
        crate::locale::date_time(self.updated_at)
    }
}

const VERSION_SELECT: &str =
    "SELECT m.id, m.version, m.state, m.content, m.lock_version, m.updated_at,
        u.full_name AS updated_by_name, m.completed_at, c.full_name AS completed_by_name
     FROM mappings m
     JOIN accounts u ON u.id = m.updated_by
     LEFT JOIN accounts c ON c.id = m.completed_by";

/// Every version of a person's mapping, newest first.
pub async fn versions(db: impl PgExecutor<'_>, person: &Person) -> sqlx::Result<Vec<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT} WHERE m.person_id = $1 ORDER BY m.version DESC"
    ))
    .bind(person.id)
    .fetch_all(db)
    .await
}

pub async fn version(
    db: impl PgExecutor<'_>,
    person: &Person,
    n: i32,
) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT} WHERE m.person_id = $1 AND m.version = $2"
    ))
    .bind(person.id)
    .bind(n)
    .fetch_optional(db)
    .await
}

/// The newest completed version: what a safety plan builds on (M7).
pub async fn newest_completed(
    db: impl PgExecutor<'_>,
    person: &Person,
) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT} WHERE m.person_id = $1 AND m.state = 'completed'
         ORDER BY m.version DESC LIMIT 1"
    ))
    .bind(person.id)
    .fetch_optional(db)
    .await
}

pub async fn draft(db: impl PgExecutor<'_>, person: &Person) -> sqlx::Result<Option<Version>> {
    sqlx::query_as(&format!(
        "{VERSION_SELECT} WHERE m.person_id = $1 AND m.state = 'draft'"
    ))
    .bind(person.id)
    .fetch_optional(db)
    .await
}

/// Opens a draft: the next version, starting from the newest completed one
/// (or empty). An existing draft is kept as it is.
pub async fn start_draft(db: &PgPool, person: &Person, author: Uuid) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    // One draft at a time per person, even when two staff start at once.
    sqlx::query("SELECT 1 FROM persons WHERE id = $1 FOR UPDATE")
        .bind(person.id)
        .execute(&mut *tx)
        .await?;
    let latest: Option<(i32, String, sqlx::types::Json<Content>)> = sqlx::query_as(
        "SELECT version, state, content FROM mappings WHERE person_id = $1
         ORDER BY version DESC LIMIT 1",
    )
    .bind(person.id)
    .fetch_optional(&mut *tx)
    .await?;
    let (next, content) = match latest {
        Some((_, state, _)) if state == "draft" => return tx.commit().await,
        Some((version, _, content)) => (version + 1, content.0),
        None => (1, Content::new_for(person)),
    };
    sqlx::query(
        "INSERT INTO mappings (id, person_id, centre_id, version, state, content, created_by, updated_by)
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $6)",
    )
    .bind(Uuid::new_v4())
    .bind(person.id)
    .bind(person_centre(&mut tx, person).await?)
    .bind(next)
    .bind(sqlx::types::Json(&content))
    .bind(author)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

async fn person_centre(tx: &mut sqlx::PgConnection, person: &Person) -> sqlx::Result<Uuid> {
    sqlx::query_scalar("SELECT centre_id FROM persons WHERE id = $1")
        .bind(person.id)
        .fetch_one(&mut *tx)
        .await
}

/// Saves the draft if nobody saved it since `lock_version` was read, and
/// completes it when `complete`. `false` when someone else saved first.
pub async fn save_draft(
    db: impl PgExecutor<'_>,
    draft: &Version,
    lock_version: i32,
    content: &Content,
    author: Uuid,
    complete: bool,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE mappings SET content = $3, lock_version = lock_version + 1, updated_by = $4,
                             updated_at = now(),
                             state = CASE WHEN $5 THEN 'completed' ELSE state END,
                             completed_by = CASE WHEN $5 THEN $4 END,
                             completed_at = CASE WHEN $5 THEN now() END
         WHERE id = $1 AND lock_version = $2 AND state = 'draft'",
    )
    .bind(draft.id)
    .bind(lock_version)
    .bind(sqlx::types::Json(content))
    .bind(author)
    .bind(complete)
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}
