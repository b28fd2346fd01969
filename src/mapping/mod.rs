//! Threat mapping (§ 4 a, M1–M8): one per person, the resident and each
//! child. Every save of the newest version is a draft; "Fullfør" freezes it
//! as version n. Changing a completed mapping starts version n+1 from it.
//! Fears and threats keep their ids across versions (M8), so a plan's
//! measure can point at one for good (M7).
//!
//! `content` is the typed mapping, `form` reads the posted form into it,
//! `rows` reads it as rows; this file holds its versions (on the one
//! versioned core, `crate::versioned`), `routes` the pages.

pub mod content;
pub mod factors;
pub mod form;
pub mod legal;
pub mod routes;
pub mod rows;

use sqlx::{FromRow, PgConnection, PgExecutor, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::code_enum;
use crate::versioned::{self, Versioned};
pub use content::Content;

code_enum! {
    pub enum MappingState {
        Draft = "draft" "Utkast",
        Completed = "completed" "Fullført",
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct Version {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub version: i32,
    pub state: MappingState,
    #[sqlx(json)]
    pub content: Content,
    pub lock_version: i32,
    pub updated_at: OffsetDateTime,
    pub updated_by_name: String,
    pub completed_at: Option<OffsetDateTime>,
    pub completed_by_name: Option<String>,
    /// The centre a relocation brought this version from (R6).
    pub received_from: Option<String>,
}

impl Versioned for Version {
    const TABLE: &'static str = "mappings";
    const SELECT: &'static str =
        "SELECT r.id, r.centre_id, r.version, r.state, r.content, r.lock_version,
            r.updated_at, u.full_name AS updated_by_name, r.completed_at,
            c.full_name AS completed_by_name, r.received_from
         FROM mappings r
         JOIN accounts u ON u.id = r.updated_by
         LEFT JOIN accounts c ON c.id = r.completed_by";
    type Content = Content;
    type State = MappingState;
    const DRAFT: MappingState = MappingState::Draft;
    const OPEN: &'static [MappingState] = &[MappingState::Draft];
    const FINISHED: MappingState = MappingState::Completed;

    fn state(&self) -> MappingState {
        self.state
    }
}

impl Version {
    pub fn is_draft(&self) -> bool {
        self.state == MappingState::Draft
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

/// Every version of a person's mapping, newest first, and the relocation
/// under way on their case, if any: the mapping's page, in one statement.
pub async fn versions_and_active_relocation(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
    person_id: Uuid,
) -> sqlx::Result<(Vec<Version>, Option<Uuid>)> {
    let select = Version::SELECT.replacen("SELECT ", "SELECT rel.id AS active_relocation, ", 1);
    let rows = sqlx::query(&format!(
        "{select}
         LEFT JOIN relocations rel ON rel.case_id = $3 AND rel.centre_id = $2
                                  AND {}
         WHERE r.person_id = $1 AND r.centre_id = $2 ORDER BY r.version DESC",
        crate::relocation::ACTIVE
    ))
    .bind(person_id)
    .bind(centre_id)
    .bind(case_id)
    .fetch_all(db)
    .await?;
    let active = rows
        .first()
        .and_then(|row| row.get::<Option<Uuid>, _>("active_relocation"));
    let versions = rows
        .iter()
        .map(Version::from_row)
        .collect::<sqlx::Result<_>>()?;
    Ok((versions, active))
}

/// A person's mapping at a glance.
#[derive(Clone, Debug)]
pub struct Status {
    /// The newest completed version.
    pub completed: Option<i32>,
    pub has_draft: bool,
}

// Each takes the caller's centre with the person: see `versioned`.

/// The newest completed version: what a safety plan builds on (M7).
pub async fn newest_completed(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
) -> sqlx::Result<Option<Version>> {
    versioned::newest_in(db, centre_id, person_id, MappingState::Completed).await
}

pub async fn draft(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
) -> sqlx::Result<Option<Version>> {
    versioned::unfinished(db, centre_id, person_id).await
}

/// How the next version starts: from the newest one, or empty.
pub fn next_content(child: bool) -> impl FnOnce(Option<Content>) -> Content {
    move |newest| newest.unwrap_or_else(|| Content::empty(child))
}

/// Opens a draft: the next version, from the newest completed one (or
/// empty). An existing draft is kept as it is. `true` when one was opened.
pub async fn start_draft(
    tx: &mut PgConnection,
    centre_id: Uuid,
    person_id: Uuid,
    child: bool,
    author: Uuid,
) -> sqlx::Result<bool> {
    versioned::start_next::<Version>(tx, centre_id, person_id, author, next_content(child), &[])
        .await
}

/// Saves the draft if nobody saved it since `lock_version` was read, and
/// completes it when `complete`. `false` when someone else saved first.
pub async fn save_draft(
    tx: &mut PgConnection,
    draft: &Version,
    lock_version: i32,
    content: &Content,
    author: Uuid,
    complete: bool,
) -> sqlx::Result<bool> {
    let saved =
        versioned::save::<Version>(tx, draft.centre_id, draft.id, lock_version, content, author)
            .await?;
    if saved && complete {
        versioned::advance::<Version>(tx, draft.id, MappingState::Completed, author).await?;
    }
    Ok(saved)
}

/// R6: a mapping another centre shared at a relocation becomes the
/// person's version 1 here, completed, marked with where it came from.
pub async fn receive(
    tx: &mut PgConnection,
    centre_id: Uuid,
    person_id: Uuid,
    content: &Content,
    by: Uuid,
    from_centre: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mappings (id, person_id, centre_id, version, state, content, created_by,
                               updated_by, completed_by, completed_at, received_from)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $6, $6, now(), $7)",
    )
    .bind(Uuid::new_v4())
    .bind(person_id)
    .bind(centre_id)
    .bind(MappingState::Completed)
    .bind(sqlx::types::Json(content))
    .bind(by)
    .bind(from_centre)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
