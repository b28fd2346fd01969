//! What travels with a resident to a destination centre in Trygg (R6, U5):
//! made once, when the move is recorded with the resident's consent; a
//! frozen copy of exactly what was consented — who is coming, and the
//! mapping and plan versions consented to, as they were at the move. Never
//! the note, the access log, schools on the case, or anyone not moving.
//!
//! Only the destination reads it (`incoming`, `load_incoming`), and only
//! from the moment it exists: before the move there is nothing to find. A
//! database trigger keeps it unchanged; the destination may only link the
//! case it starts from it.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{Move, Relocation};
use crate::cases::{Person, PersonKind};
use crate::error::AppError;
use crate::mapping::{self, MappingState};
use crate::plans::model::{Plan, PlanState};
use crate::versioned;

/// The copy the destination receives.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub origin_centre: String,
    pub destination_centre: String,
    pub moved_on: Date,
    /// The resident first, then the children moving along.
    pub people: Vec<SharedPerson>,
    /// R5: the moves before this one.
    pub earlier_moves: Vec<Move>,
    /// The case's perpetrators, when a mapping travels: the threat the
    /// next centre must protect against.
    #[serde(default)]
    pub perpetrators: Vec<SharedPerpetrator>,
    /// The origin restricted the case to named staff: the destination is
    /// told, and a case started from the share starts restricted.
    #[serde(default)]
    pub restricted_at_origin: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SharedPerpetrator {
    /// «Far til Emil, tidligere samboer til Kari», of those moving.
    pub relations: String,
    /// Without the relations, which name people by this centre's ids.
    pub content: crate::perpetrators::Content,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SharedPerson {
    pub kind: PersonKind,
    pub name: String,
    pub birth_date: Date,
    pub mapping: Option<SharedMapping>,
    pub plan: Option<SharedPlan>,
}

impl SharedPerson {
    pub fn is_child(&self) -> bool {
        self.kind == PersonKind::Child
    }

    pub fn age(&self) -> i32 {
        crate::locale::age(self.birth_date, crate::locale::today())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SharedMapping {
    pub version: i32,
    pub completed_on: Option<Date>,
    pub content: mapping::Content,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SharedPlan {
    pub version: i32,
    pub approved_on: Option<Date>,
    pub content: crate::plans::content::Content,
}

impl Snapshot {
    pub fn resident(&self) -> Option<&SharedPerson> {
        self.people.iter().find(|p| !p.is_child())
    }

    /// "Kari Eksempelsen og 2 barn".
    pub fn who(&self) -> String {
        let name = self.resident().map_or("Ukjent", |r| r.name.as_str());
        match self.people.iter().filter(|p| p.is_child()).count() {
            0 => name.to_owned(),
            1 => format!("{name} og 1 barn"),
            n => format!("{name} og {n} barn"),
        }
    }

    /// This move, as the next centre's history shows it.
    pub fn this_move(&self) -> Move {
        Move {
            moved_on: self.moved_on,
            from: self.origin_centre.clone(),
            to: self.destination_centre.clone(),
        }
    }
}

fn oslo_day(at: Option<OffsetDateTime>) -> Option<Date> {
    at.map(|at| crate::locale::to_oslo(at).date())
}

/// Makes the copy for a relocation being recorded as moved, inside the
/// move's transaction; `None` when nothing may travel: no consent (or it
/// was withdrawn), or a destination outside Trygg.
pub async fn deliver(
    tx: &mut PgConnection,
    relocation: &Relocation,
    people: &[Person],
    moved_on: Date,
    origin_centre: &str,
    earlier_moves: Vec<Move>,
) -> Result<Option<Uuid>, AppError> {
    let content = &relocation.content;
    let Some(destination) = relocation.destination_centre_id else {
        return Ok(None);
    };
    if !content.consent.given() {
        return Ok(None);
    }
    let centre = relocation.centre_id;
    let moving: Vec<Person> = people
        .iter()
        .filter(|p| p.removed_at.is_none() && (!p.is_child() || content.children.contains(&p.id)))
        .cloned()
        .collect();
    let mut shared = Vec::new();
    for person in &moving {
        let scope = content.consent.scope_of(person.id);
        // Exactly the versions the resident consented to; one that is gone
        // stops the move rather than travel short.
        let gone = || AppError::Internal("a consented version is not there".into());
        let mapping = match scope.mapping {
            Some(n) => {
                let m = versioned::number::<mapping::Version>(&mut *tx, centre, person.id, n)
                    .await?
                    .filter(|m| m.state == MappingState::Completed)
                    .ok_or_else(gone)?;
                Some(SharedMapping {
                    version: m.version,
                    completed_on: oslo_day(m.completed_at),
                    content: m.content,
                })
            }
            None => None,
        };
        let plan = match scope.plan {
            Some(n) => {
                let p = versioned::number::<Plan>(&mut *tx, centre, person.id, n)
                    .await?
                    .filter(|p| p.state == PlanState::Approved)
                    .ok_or_else(gone)?;
                Some(SharedPlan {
                    version: p.version,
                    approved_on: oslo_day(p.approved_at),
                    content: p.content,
                })
            }
            None => None,
        };
        shared.push(SharedPerson {
            kind: person.kind,
            name: person.name.clone(),
            birth_date: person.birth_date,
            mapping,
            plan,
        });
    }
    // The perpetrators go with the threat picture: only when a mapping does.
    let perpetrators = if shared.iter().any(|p| p.mapping.is_some()) {
        crate::perpetrators::of_case(&mut *tx, centre, relocation.case_id)
            .await?
            .into_iter()
            .map(|p| SharedPerpetrator {
                relations: p.content.relations_line(&moving),
                content: crate::perpetrators::Content {
                    relations: Vec::new(),
                    ..p.content
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    let restricted_at_origin: bool = sqlx::query_scalar(
        "SELECT restricted_to IS NOT NULL FROM cases WHERE id = $1 AND centre_id = $2",
    )
    .bind(relocation.case_id)
    .bind(centre)
    .fetch_one(&mut *tx)
    .await?;
    let snapshot = Snapshot {
        origin_centre: origin_centre.to_owned(),
        destination_centre: relocation.destination_name.clone(),
        moved_on,
        people: shared,
        earlier_moves,
        perpetrators,
        restricted_at_origin,
    };
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO relocation_shares
            (id, relocation_id, origin_centre_id, origin_case_id, destination_centre_id, content)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(relocation.id)
    .bind(centre)
    .bind(relocation.case_id)
    .bind(destination)
    .bind(sqlx::types::Json(&snapshot))
    .execute(&mut *tx)
    .await?;
    Ok(Some(id))
}

/// A share as its destination sees it.
#[derive(Clone, Debug, FromRow)]
pub struct Incoming {
    pub id: Uuid,
    #[sqlx(json)]
    pub snapshot: Snapshot,
    pub shared_at: OffsetDateTime,
    /// The destination's own case started from it.
    pub case_id: Option<Uuid>,
    pub origin_centre_id: Uuid,
    pub origin_case_id: Uuid,
}

impl Incoming {
    pub fn shared_when(&self) -> String {
        crate::locale::date_time(self.shared_at)
    }

    pub fn moved_when(&self) -> String {
        crate::locale::date(self.snapshot.moved_on)
    }
}

const INCOMING: &str = "SELECT id, content AS snapshot, shared_at, case_id, origin_centre_id,
                               origin_case_id
                        FROM relocation_shares";

/// What has been shared with `centre`, newest first; not what started a
/// case restricted to others than `account` (it names the family), nor,
/// unless the account `may_restrict`, a share of a case restricted where it
/// came from that no case is made of yet.
pub async fn incoming(
    db: impl PgExecutor<'_>,
    (centre, account, may_restrict): (Uuid, Uuid, bool),
) -> sqlx::Result<Vec<Incoming>> {
    sqlx::query_as(&format!(
        "{INCOMING} s WHERE destination_centre_id = $1
           AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_id
                           AND NOT coalesce({}, false))
           AND (s.case_id IS NOT NULL OR $3
                OR NOT coalesce((s.content->>'restricted_at_origin')::boolean, false))
         ORDER BY shared_at DESC LIMIT 200",
        crate::cases::restriction::may_open("c", "$2")
    ))
    .bind(centre)
    .bind(account)
    .bind(may_restrict)
    .fetch_all(db)
    .await
}

/// One share, only for its destination: 404 for every other centre.
pub async fn load_incoming(
    db: impl PgExecutor<'_>,
    centre: Uuid,
    id: Uuid,
) -> Result<Incoming, AppError> {
    sqlx::query_as(&format!(
        "{INCOMING} WHERE id = $1 AND destination_centre_id = $2"
    ))
    .bind(id)
    .bind(centre)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// Links the destination's new case to the share; `false` when a case was
/// started from it already (nothing is written then).
pub async fn link_case(
    tx: &mut PgConnection,
    share: &Incoming,
    centre: Uuid,
    case_id: Uuid,
) -> sqlx::Result<bool> {
    let linked = sqlx::query(
        "UPDATE relocation_shares SET case_id = $3
         WHERE id = $1 AND destination_centre_id = $2 AND case_id IS NULL",
    )
    .bind(share.id)
    .bind(centre)
    .bind(case_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if linked == 1 {
        sqlx::query("UPDATE cases SET arrived_with_share = $2 WHERE id = $1 AND centre_id = $3")
            .bind(case_id)
            .bind(share.id)
            .bind(centre)
            .execute(&mut *tx)
            .await?;
    }
    Ok(linked == 1)
}

/// For the origin: when the destination opened what was shared (never what
/// it did with it). (first, last, how many times).
pub async fn opened_by_destination(
    db: impl PgExecutor<'_>,
    origin_centre: Uuid,
    origin_case: Uuid,
) -> sqlx::Result<Option<(OffsetDateTime, OffsetDateTime, i64)>> {
    let row: (Option<OffsetDateTime>, Option<OffsetDateTime>, i64) = sqlx::query_as(
        "SELECT min(at), max(at), count(*) FROM audit_events
         WHERE centre_id = $1 AND case_id = $2 AND kind = $3",
    )
    .bind(origin_centre)
    .bind(origin_case)
    .bind(crate::audit::AuditKind::ShareOpenedByDestination)
    .fetch_one(db)
    .await?;
    Ok(match row {
        (Some(first), Some(last), n) => Some((first, last, n)),
        _ => None,
    })
}
