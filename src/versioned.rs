//! The one core of every versioned record (mappings, plans, and relocations
//! to come): a person has numbered versions; at most one is unfinished; a
//! finished one never changes, and changing it starts the next version from
//! it. An open version is saved only if nobody saved it since it was read
//! (`lock_version`). Any two versions compare row by row.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgHasArrayType, PgRow};
use sqlx::types::Json;
use sqlx::{Encode, FromRow, PgConnection, PgExecutor, PgPool, Postgres, Type};
use uuid::Uuid;

use crate::audit::Event;
use crate::codes::Code;
use crate::error::AppError;

/// A kind of versioned record: a table with `id, person_id, centre_id,
/// version, state, content, lock_version, created_by, updated_by,
/// updated_at`, and `{state}_by`/`{state}_at` for the states it records.
pub trait Versioned: for<'r> FromRow<'r, PgRow> + Send + Unpin {
    const TABLE: &'static str;
    /// Selects whole versions from `TABLE` aliased `r`; a `WHERE` follows.
    const SELECT: &'static str;
    type Content: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static;
    type State: Code + Type<Postgres> + for<'q> Encode<'q, Postgres> + PgHasArrayType + Send + Sync;
    /// The state of a new version.
    const DRAFT: Self::State;
    /// The states in which a version is still written (saved).
    const OPEN: &'static [Self::State];
    /// The state of a finished version: the next one may start.
    const FINISHED: Self::State;

    fn state(&self) -> Self::State;
}

// Every query names the caller's centre as well as the person: a person id
// of another centre finds nothing.

/// Every version of a person's record, newest first.
pub async fn all<R: Versioned>(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
) -> sqlx::Result<Vec<R>> {
    sqlx::query_as(&format!(
        "{} WHERE r.person_id = $1 AND r.centre_id = $2 ORDER BY r.version DESC",
        R::SELECT
    ))
    .bind(person_id)
    .bind(centre_id)
    .fetch_all(db)
    .await
}

/// Version `n` of a person's record.
pub async fn number<R: Versioned>(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
    n: i32,
) -> sqlx::Result<Option<R>> {
    sqlx::query_as(&format!(
        "{} WHERE r.person_id = $1 AND r.version = $2 AND r.centre_id = $3",
        R::SELECT
    ))
    .bind(person_id)
    .bind(n)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// The newest version in `state` (the newest completed mapping, say).
pub async fn newest_in<R: Versioned>(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
    state: R::State,
) -> sqlx::Result<Option<R>> {
    sqlx::query_as(&format!(
        "{} WHERE r.person_id = $1 AND r.state = $2 AND r.centre_id = $3
         ORDER BY r.version DESC LIMIT 1",
        R::SELECT
    ))
    .bind(person_id)
    .bind(state)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// The version not yet finished, if any: there is at most one.
pub async fn unfinished<R: Versioned>(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    person_id: Uuid,
) -> sqlx::Result<Option<R>> {
    sqlx::query_as(&format!(
        "{} WHERE r.person_id = $1 AND r.state <> $2 AND r.centre_id = $3",
        R::SELECT
    ))
    .bind(person_id)
    .bind(R::FINISHED)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// Starts the next version from the newest one (`next` makes its content
/// from it, or from nothing), unless one is unfinished. `extra` are the
/// record's own columns. `true` when a version was started.
pub async fn start_next<R: Versioned>(
    tx: &mut PgConnection,
    centre_id: Uuid,
    person_id: Uuid,
    author: Uuid,
    next: impl FnOnce(Option<R::Content>) -> R::Content,
    extra: &[(&'static str, i32)],
) -> sqlx::Result<bool> {
    // One unfinished version per person, even when two start at once.
    let found = sqlx::query("SELECT 1 FROM persons WHERE id = $1 AND centre_id = $2 FOR UPDATE")
        .bind(person_id)
        .bind(centre_id)
        .fetch_optional(&mut *tx)
        .await?;
    if found.is_none() {
        return Ok(false);
    }
    let newest: Option<(i32, String, Json<R::Content>)> = sqlx::query_as(&format!(
        "SELECT version, state, content FROM {} WHERE person_id = $1
         ORDER BY version DESC LIMIT 1",
        R::TABLE
    ))
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (version, content) = match newest {
        Some((_, state, _)) if state != R::FINISHED.code() => return Ok(false),
        Some((version, _, content)) => (version + 1, next(Some(content.0))),
        None => (1, next(None)),
    };
    let columns: String = extra.iter().map(|(c, _)| format!(", {c}")).collect();
    let values: String = (0..extra.len()).map(|i| format!(", ${}", i + 8)).collect();
    let sql = format!(
        "INSERT INTO {} (id, person_id, centre_id, version, state, content, created_by, updated_by{columns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7{values})",
        R::TABLE
    );
    let mut insert = sqlx::query(&sql)
        .bind(Uuid::new_v4())
        .bind(person_id)
        .bind(centre_id)
        .bind(version)
        .bind(R::DRAFT)
        .bind(Json(content))
        .bind(author);
    for (_, value) in extra {
        insert = insert.bind(*value);
    }
    insert.execute(&mut *tx).await?;
    Ok(true)
}

/// Saves an open version if nobody saved it since `lock_version` was read;
/// `false` (nothing written) when someone else was first.
pub async fn save<R: Versioned>(
    tx: &mut PgConnection,
    centre_id: Uuid,
    id: Uuid,
    lock_version: i32,
    content: &R::Content,
    author: Uuid,
) -> sqlx::Result<bool> {
    let saved = sqlx::query(&format!(
        "UPDATE {} SET content = $3, lock_version = lock_version + 1, updated_by = $4,
                      updated_at = now()
         WHERE id = $1 AND lock_version = $2 AND state = ANY($5) AND centre_id = $6",
        R::TABLE
    ))
    .bind(id)
    .bind(lock_version)
    .bind(Json(content))
    .bind(author)
    .bind(R::OPEN)
    .bind(centre_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(saved > 0)
}

/// Moves a version on to `state`, recording who and when in
/// `{state}_by` and `{state}_at` (a mapping completed, a plan submitted).
pub async fn advance<R: Versioned>(
    tx: &mut PgConnection,
    id: Uuid,
    state: R::State,
    by: Uuid,
) -> sqlx::Result<()> {
    let s = state.code();
    sqlx::query(&format!(
        "UPDATE {} SET state = $2, {s}_by = $3, {s}_at = now() WHERE id = $1",
        R::TABLE
    ))
    .bind(id)
    .bind(state)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The version a posted edit goes to.
pub enum Target<R> {
    /// The open version.
    Open(R),
    /// The version was finished by someone else while the form was filled:
    /// the next one is started from it, and the form's text will be shown
    /// against it, so nothing typed is lost.
    Restarted(R),
    /// The version waits for someone else's decision: nothing can be saved.
    Waiting(R),
}

/// Finds where a posted edit goes; starts the next version (audited by
/// `started`, in the same transaction) when the open one was finished.
pub async fn target<R: Versioned>(
    db: &PgPool,
    centre_id: Uuid,
    person_id: Uuid,
    author: Uuid,
    next: impl FnOnce(Option<R::Content>) -> R::Content,
    extra: &[(&'static str, i32)],
    started: &Event<'_>,
) -> Result<Target<R>, AppError> {
    match unfinished::<R>(db, centre_id, person_id).await? {
        Some(r) if R::OPEN.contains(&r.state()) => return Ok(Target::Open(r)),
        Some(r) => return Ok(Target::Waiting(r)),
        None => {}
    }
    let mut tx = db.begin().await?;
    if start_next::<R>(&mut tx, centre_id, person_id, author, next, extra).await? {
        started.record(&mut *tx).await?;
    }
    tx.commit().await?;
    let r = unfinished::<R>(db, centre_id, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Target::Restarted(r))
}

// ---- Comparing two versions ----

/// `?from=N&to=M` of a comparison page.
#[derive(serde::Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

impl CompareQuery {
    /// The two version numbers; anything else names no version: 404.
    pub fn versions(&self) -> Result<(i32, i32), AppError> {
        let number = |raw: &Option<String>| {
            raw.as_deref()
                .and_then(|r| r.parse::<i32>().ok())
                .ok_or(AppError::NotFound)
        };
        Ok((number(&self.from)?, number(&self.to)?))
    }
}

/// One labelled value of a version, under its section, with a key that is
/// the same in every version (a fear by its id, say).
#[derive(Clone, Debug)]
pub struct Row {
    pub key: String,
    pub section: &'static str,
    pub label: String,
    pub value: String,
}

/// Rows as a version's `rows()` writes them.
#[derive(Default)]
pub struct Rows(Vec<Row>);

impl Rows {
    pub fn add(
        &mut self,
        key: impl Into<String>,
        section: &'static str,
        label: impl Into<String>,
        value: impl Into<String>,
    ) {
        self.0.push(Row {
            key: key.into(),
            section,
            label: label.into(),
            value: value.into(),
        });
    }

    pub fn into_vec(self) -> Vec<Row> {
        self.0
    }
}

/// One line of a comparison of two versions.
#[derive(Clone, Debug)]
pub struct Compared {
    pub section: &'static str,
    pub label: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Compared {
    pub fn changed(&self) -> bool {
        self.from != self.to
    }
    pub fn change(&self) -> &'static str {
        match (&self.from, &self.to) {
            (None, Some(_)) => "Ny",
            (Some(_), None) => "Fjernet",
            (a, b) if a != b => "Endret",
            _ => "",
        }
    }
}

/// Two versions side by side, row by row by key; a row only in `from` is
/// shown as removed (after the rest of its section), one only in `to` as new.
pub fn compare_rows(from_rows: Vec<Row>, to_rows: Vec<Row>) -> Vec<Compared> {
    let mut out: Vec<Compared> = to_rows
        .iter()
        .map(|row| Compared {
            section: row.section,
            label: row.label.clone(),
            from: from_rows
                .iter()
                .find(|r| r.key == row.key)
                .map(|r| r.value.clone()),
            to: Some(row.value.clone()),
        })
        .collect();
    for row in from_rows
        .iter()
        .filter(|r| !to_rows.iter().any(|t| t.key == r.key))
    {
        let at = out
            .iter()
            .rposition(|c| c.section == row.section)
            .map_or(out.len(), |i| i + 1);
        out.insert(
            at,
            Compared {
                section: row.section,
                label: row.label.clone(),
                from: Some(row.value.clone()),
                to: None,
            },
        );
    }
    out
}

/// Two versions of a person's mapping or plan, side by side.
#[derive(askama::Template)]
#[template(path = "compare.html")]
pub struct ComparePage {
    pub page: crate::http::page::Page,
    pub case: crate::cases::Case,
    pub person: crate::cases::Person,
    /// The record's page, and its name in the link back ("Kartleggingen").
    pub base: String,
    pub back: &'static str,
    pub title: &'static str,
    pub heading: String,
    pub from: i32,
    pub to: i32,
    pub rows: Vec<Compared>,
}

/// Only what differs: what a conflict or a review shows.
pub fn changes(from_rows: Vec<Row>, to_rows: Vec<Row>) -> Vec<Compared> {
    compare_rows(from_rows, to_rows)
        .into_iter()
        .filter(Compared::changed)
        .collect()
}

/// Rows grouped under their section headings, in order.
pub type Sections = Vec<(&'static str, Vec<Row>)>;

pub fn sections(rows: Vec<Row>) -> Sections {
    let mut out: Sections = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((section, list)) if *section == row.section => list.push(row),
            _ => out.push((row.section, vec![row])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(&str, &'static str, &str)]) -> Vec<Row> {
        let mut rows = Rows::default();
        for (key, section, value) in list {
            rows.add(*key, section, *key, *value);
        }
        rows.into_vec()
    }

    #[test]
    fn rows_compare_by_key_and_a_removed_row_stays_in_its_section() {
        let from = rows(&[("a", "S1", "1"), ("gone", "S1", "x"), ("b", "S2", "2")]);
        let to = rows(&[("a", "S1", "1"), ("b", "S2", "3"), ("new", "S2", "n")]);
        let compared = compare_rows(from, to);
        let seen: Vec<(&str, &str, &str)> = compared
            .iter()
            .map(|c| (c.section, c.label.as_str(), c.change()))
            .collect();
        assert_eq!(
            seen,
            [
                ("S1", "a", ""),
                ("S1", "gone", "Fjernet"),
                ("S2", "b", "Endret"),
                ("S2", "new", "Ny"),
            ]
        );
        assert_eq!(
            changes(rows(&[("a", "S", "1")]), rows(&[("a", "S", "1")])).len(),
            0
        );
    }

    #[test]
    fn sections_group_consecutive_rows() {
        let grouped = sections(rows(&[("a", "S1", ""), ("b", "S1", ""), ("c", "S2", "")]));
        let shape: Vec<(&str, usize)> = grouped.iter().map(|(s, r)| (*s, r.len())).collect();
        assert_eq!(shape, [("S1", 2), ("S2", 1)]);
    }
}
