//! Relocation to another centre (§ 4 c, R1–R9): opened on a case when the
//! threat assessment says the centre cannot keep the resident safe enough;
//! assessed (*vurderes*), decided with two written justifications and one
//! destination (*besluttet*), and recorded as done (*flyttet*) once the
//! police at both ends, the resident's consent, the children's part and the
//! digital checklist are in place — or called off (*avbrutt*).
//!
//! This is the one place where data crosses between centres. A relocation
//! is only ever loaded for its own centre (`load`); what the destination
//! receives is a frozen copy of exactly what was consented (`share`), made
//! when the move is recorded and read only by the destination.
//!
//! `content` is the typed relocation, `form` reads the posted form,
//! `rows` reads it as rows, `routes` and `share` are the pages.

pub mod content;
pub mod form;
pub mod incoming;
pub mod routes;
pub mod rows;
pub mod share;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, PgExecutor, Row as _};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::cases::Case;
use crate::error::AppError;
pub use content::{Content, RelocationState};

#[derive(Clone, Debug, FromRow)]
pub struct Relocation {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub case_id: Uuid,
    pub state: RelocationState,
    #[sqlx(json)]
    pub content: Content,
    pub destination_centre_id: Option<Uuid>,
    pub destination_name: String,
    pub moved_on: Option<Date>,
    pub lock_version: i32,
    pub opened_at: OffsetDateTime,
    pub opened_by_name: String,
    pub updated_at: OffsetDateTime,
    pub updated_by_name: String,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by_name: Option<String>,
    pub cancelled_at: Option<OffsetDateTime>,
}

const SELECT: &str = "SELECT r.id, r.centre_id, r.case_id, r.state, r.content,
        r.destination_centre_id, r.destination_name, r.moved_on, r.lock_version,
        r.opened_at, o.full_name AS opened_by_name, r.updated_at, u.full_name AS updated_by_name,
        r.decided_at, d.full_name AS decided_by_name, r.cancelled_at
    FROM relocations r
    JOIN accounts o ON o.id = r.opened_by
    JOIN accounts u ON u.id = r.updated_by
    LEFT JOIN accounts d ON d.id = r.decided_by";

impl Relocation {
    /// Still under way: it can change.
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            RelocationState::Assessing | RelocationState::Decided
        )
    }

    pub fn is_decided(&self) -> bool {
        self.state == RelocationState::Decided
    }

    pub fn opened_when(&self) -> String {
        crate::locale::date_time(self.opened_at)
    }

    pub fn updated_when(&self) -> String {
        crate::locale::date_time(self.updated_at)
    }

    pub fn decided_when(&self) -> String {
        self.decided_at
            .map(crate::locale::date_time)
            .unwrap_or_default()
    }

    pub fn cancelled_when(&self) -> String {
        self.cancelled_at
            .map(crate::locale::date_time)
            .unwrap_or_default()
    }

    pub fn moved_when(&self) -> String {
        self.moved_on.map(crate::locale::date).unwrap_or_default()
    }
}

/// The one way to load a relocation: of this case, in the caller's centre.
pub async fn load(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
    id: Uuid,
) -> Result<Relocation, AppError> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.id = $1 AND r.case_id = $2 AND r.centre_id = $3"
    ))
    .bind(id)
    .bind(case_id)
    .bind(centre_id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// A case's relocations, oldest first.
pub async fn of_case(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
) -> sqlx::Result<Vec<Relocation>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.case_id = $1 AND r.centre_id = $2 ORDER BY r.opened_at, r.id"
    ))
    .bind(case_id)
    .bind(centre_id)
    .fetch_all(db)
    .await
}

/// Opens a relocation on `case`; `None` when one is already under way
/// (the caller shows that one).
pub async fn open(
    tx: &mut PgConnection,
    case: &Case,
    content: &Content,
    by: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO relocations (id, centre_id, case_id, state, content, opened_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (case_id) WHERE state IN ('assessing', 'decided') DO NOTHING",
    )
    .bind(id)
    .bind(case.centre_id)
    .bind(case.id)
    .bind(RelocationState::Assessing)
    .bind(sqlx::types::Json(content))
    .bind(by)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok((inserted == 1).then_some(id))
}

/// A relocation `rel` that is under way.
pub const ACTIVE: &str = "rel.state IN ('assessing', 'decided')";

/// The relocation under way on a case, if any.
pub async fn active(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(&format!(
        "SELECT id FROM relocations rel WHERE rel.case_id = $1 AND rel.centre_id = $2 AND {ACTIVE}"
    ))
    .bind(case_id)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// What a save writes beyond the content.
pub enum Change {
    /// Saved as it stands.
    Save,
    /// R3: decided, with its destination.
    Decide {
        destination_centre_id: Option<Uuid>,
        destination_name: String,
    },
    /// Done, on this day.
    Move(Date),
    Cancel,
}

/// Saves `content` if nobody else changed the relocation since
/// `lock_version` was read and it is still under way; `false` otherwise
/// (nothing is written then).
pub async fn save(
    tx: &mut PgConnection,
    relocation: &Relocation,
    lock_version: i32,
    content: &Content,
    change: &Change,
    by: Uuid,
) -> sqlx::Result<bool> {
    let (state, destination_id, destination_name, moved_on, stamp) = match change {
        Change::Save => (
            relocation.state,
            relocation.destination_centre_id,
            relocation.destination_name.clone(),
            None,
            "",
        ),
        Change::Decide {
            destination_centre_id,
            destination_name,
        } => (
            RelocationState::Decided,
            *destination_centre_id,
            destination_name.clone(),
            None,
            ", decided_by = $8, decided_at = now()",
        ),
        Change::Move(day) => (
            RelocationState::Moved,
            relocation.destination_centre_id,
            relocation.destination_name.clone(),
            Some(*day),
            ", moved_by = $8, moved_at = now()",
        ),
        Change::Cancel => (
            RelocationState::Cancelled,
            relocation.destination_centre_id,
            relocation.destination_name.clone(),
            None,
            ", cancelled_by = $8, cancelled_at = now()",
        ),
    };
    let updated = sqlx::query(&format!(
        "UPDATE relocations SET content = $3, state = $4, destination_centre_id = $5,
                destination_name = $6, moved_on = $7, updated_by = $8, updated_at = now(),
                lock_version = lock_version + 1 {stamp}
         WHERE id = $1 AND lock_version = $2 AND centre_id = $9
           AND state IN ('assessing', 'decided')"
    ))
    .bind(relocation.id)
    .bind(lock_version)
    .bind(sqlx::types::Json(content))
    .bind(state)
    .bind(destination_id)
    .bind(destination_name)
    .bind(moved_on)
    .bind(by)
    .bind(relocation.centre_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// After `save` with `Change::Move`, in the same transaction: the origin's
/// case closes (it stays readable, with why it closed), and what the
/// resident consented to is delivered to a destination in Trygg. `true`
/// when something was delivered.
pub async fn complete_move(
    tx: &mut PgConnection,
    case: &Case,
    relocation_id: Uuid,
    people: &[crate::cases::Person],
    own_centre: &str,
    earlier_moves: Vec<Move>,
) -> Result<bool, AppError> {
    let moved = load(&mut *tx, case.centre_id, case.id, relocation_id).await?;
    let moved_on = moved
        .moved_on
        .ok_or_else(|| AppError::Internal("a move without its day".into()))?;
    sqlx::query(
        "UPDATE cases SET closed_on = $3, departure_reason = $4,
                          lock_version = lock_version + 1, updated_at = now()
         WHERE id = $1 AND centre_id = $2",
    )
    .bind(case.id)
    .bind(case.centre_id)
    .bind(moved_on)
    .bind(format!("Relokalisert til {}", moved.destination_name))
    .execute(&mut *tx)
    .await?;
    let shared = share::deliver(tx, &moved, people, moved_on, own_centre, earlier_moves).await?;
    Ok(shared.is_some())
}

/// A centre a resident can move to: in Trygg, with where it lies (R2).
#[derive(Clone, Debug, FromRow)]
pub struct CentreOption {
    pub id: Uuid,
    pub name: String,
    pub municipality: String,
    pub region: String,
}

impl CentreOption {
    /// "Name (municipality, region)", for choosing.
    pub fn label(&self) -> String {
        let place: Vec<&str> = [self.municipality.as_str(), self.region.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        match place.is_empty() {
            true => self.name.clone(),
            false => format!("{} ({})", self.name, place.join(", ")),
        }
    }
}

/// Every centre in Trygg but the caller's own.
pub async fn other_centres(db: impl PgExecutor<'_>, own: Uuid) -> sqlx::Result<Vec<CentreOption>> {
    sqlx::query_as(
        "SELECT id, name, municipality, region FROM centres WHERE id <> $1 ORDER BY name",
    )
    .bind(own)
    .fetch_all(db)
    .await
}

/// One move of a resident from one centre to another, as the history
/// shows it (R5). Centre names as they were at the move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub moved_on: Date,
    pub from: String,
    pub to: String,
}

impl Move {
    pub fn when(&self) -> String {
        crate::locale::date(self.moved_on)
    }
}

/// R5: the moves the resident of `case` has made that Trygg knows of: what
/// arrived with them from another centre, and this case's own; one
/// statement. (The case page reads the same with its own data.)
pub async fn history(
    db: impl PgExecutor<'_>,
    case: &Case,
    own_centre_name: &str,
) -> sqlx::Result<Vec<Move>> {
    let row = sqlx::query(&format!(
        "SELECT moves.* FROM cases c CROSS JOIN {MOVES_OF_CASE}
         WHERE c.id = $1 AND c.centre_id = $2"
    ))
    .bind(case.id)
    .bind(case.centre_id)
    .fetch_one(db)
    .await?;
    moves_of_case(&row, own_centre_name)
}

/// R5, as a lateral item of a query over cases `c`: what arrived with the
/// case from another centre (`arrived_with`), and the case's own moves
/// (`moved_on`, `moved_to`); read by `moves_of_case`.
pub(crate) const MOVES_OF_CASE: &str = "LATERAL (
         SELECT (SELECT s.content FROM relocation_shares s
                 WHERE s.id = c.arrived_with_share AND s.destination_centre_id = c.centre_id)
                    AS arrived_with,
                coalesce(array_agg(r.moved_on ORDER BY r.moved_on), '{}') AS moved_on,
                coalesce(array_agg(r.destination_name ORDER BY r.moved_on), '{}') AS moved_to
         FROM relocations r
         WHERE r.case_id = c.id AND r.centre_id = c.centre_id AND r.state = 'moved'
     ) moves";

/// The moves of a row with `MOVES_OF_CASE`'s columns: what arrived with
/// the resident first, then the case's own, from `own_centre_name`.
pub(crate) fn moves_of_case(row: &PgRow, own_centre_name: &str) -> sqlx::Result<Vec<Move>> {
    let arrived: Option<sqlx::types::Json<share::Snapshot>> = row.try_get("arrived_with")?;
    let days: Vec<Date> = row.try_get("moved_on")?;
    let destinations: Vec<String> = row.try_get("moved_to")?;
    Ok(known_moves(
        arrived.as_ref().map(|json| &json.0),
        days.into_iter().zip(destinations),
        own_centre_name,
    ))
}

/// R5: what arrived with a resident from another centre (`arrived`), then
/// the case's own moves, as (day, destination), from `own_centre_name`.
fn known_moves(
    arrived: Option<&share::Snapshot>,
    own: impl IntoIterator<Item = (Date, String)>,
    own_centre_name: &str,
) -> Vec<Move> {
    let mut moves = match arrived {
        Some(snapshot) => {
            let mut moves = snapshot.earlier_moves.clone();
            moves.push(snapshot.this_move());
            moves
        }
        None => Vec::new(),
    };
    moves.extend(own.into_iter().map(|(moved_on, to)| Move {
        moved_on,
        from: own_centre_name.to_owned(),
        to,
    }));
    moves
}
