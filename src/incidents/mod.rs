//! The case's incident log: a call, a sighting at school, a breached order —
//! what happened, when, to whom, and whether the police know. Entries are
//! written once (a correction is a new entry). A serious incident recorded
//! after a person's approved plan raises a flag to revise it, and each entry
//! offers to start a new mapping version for those it concerned.

pub mod form;
pub mod routes;

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

use crate::code_enum;

code_enum! {
    pub enum IncidentKind {
        Contact = "contact" "Kontakt eller kontaktforsøk (telefon, melding, nett, også gjennom andre eller gjennom barnet)",
        Sighting = "sighting" "Voldsutøveren eller noen fra nettverket er sett ved skolen, barnehagen, krisesenteret eller bostedet",
        Breach = "breach" "Brudd på besøksforbud, kontaktforbud, utreiseforbud eller rettens avgjørelse",
        Threat = "threat" "Trusler",
        Violence = "violence" "Vold",
        AbductionAttempt = "abduction_attempt" "Forsøk på å hente barnet eller ta det med seg",
        AddressKnown = "address_known" "Tegn på at adressen er kjent",
        TrackingFound = "tracking_found" "Sporing funnet (sporingsbrikke, app eller posisjonsdeling)",
        AfterContact = "after_contact" "Bekymring etter samvær (det barnet forteller)",
        Other = "other" "Annet",
    }
}

impl IncidentKind {
    /// Always serious, whatever the one who records it ticks.
    pub fn always_serious(self) -> bool {
        matches!(
            self,
            IncidentKind::Breach
                | IncidentKind::Violence
                | IncidentKind::AbductionAttempt
                | IncidentKind::AddressKnown
                | IncidentKind::TrackingFound
        )
    }
}

code_enum! {
    pub enum Reported {
        Yes = "yes" "Ja, meldt til politiet",
        No = "no" "Nei, ikke meldt til politiet",
        Unknown = "unknown" "Vet ikke",
    }
}

/// A new entry, as the form gives it.
#[derive(Clone, Debug)]
pub struct NewIncident {
    pub occurred_on: Date,
    pub occurred_time: Option<Time>,
    pub kind: IncidentKind,
    pub serious: bool,
    pub reported: Reported,
    pub description: String,
    pub concerns: Vec<Uuid>,
}

#[derive(Clone, Debug, FromRow)]
pub struct Incident {
    pub id: Uuid,
    pub occurred_on: Date,
    pub occurred_time: Option<Time>,
    pub kind: IncidentKind,
    pub serious: bool,
    pub reported: Reported,
    pub description: String,
    pub concerns: Vec<Uuid>,
    pub recorded_by_name: String,
    pub recorded_at: OffsetDateTime,
}

impl Incident {
    /// «24.11.2026 kl. 14.30».
    pub fn when(&self) -> String {
        let day = crate::locale::date(self.occurred_on);
        match self.occurred_time {
            Some(t) => format!("{day} kl. {:02}.{:02}", t.hour(), t.minute()),
            None => day,
        }
    }

    pub fn recorded_when(&self) -> String {
        crate::locale::date_time(self.recorded_at)
    }
}

const SELECT: &str = "SELECT i.id, i.occurred_on, i.occurred_time, i.kind, i.serious, i.reported,
        i.description, i.concerns, a.full_name AS recorded_by_name, i.recorded_at
    FROM incidents i JOIN accounts a ON a.id = i.recorded_by";

/// A case's entries, newest first; the most a page shows.
pub const MAX_SHOWN: i64 = 500;

pub async fn of_case(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
) -> sqlx::Result<Vec<Incident>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.case_id = $1 AND i.centre_id = $2
         ORDER BY i.occurred_on DESC, i.occurred_time DESC NULLS LAST, i.recorded_at DESC
         LIMIT $3"
    ))
    .bind(case_id)
    .bind(centre_id)
    .bind(MAX_SHOWN)
    .fetch_all(db)
    .await
}

pub async fn one(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Incident>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE i.id = $1 AND i.case_id = $2 AND i.centre_id = $3"
    ))
    .bind(id)
    .bind(case_id)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// Records the entry under `id` (the form's own, so a second press of the
/// button records nothing twice). `false` when that id is taken.
pub async fn record(
    tx: &mut PgConnection,
    centre_id: Uuid,
    case_id: Uuid,
    id: Uuid,
    new: &NewIncident,
    by: Uuid,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO incidents (id, case_id, centre_id, occurred_on, occurred_time, kind, serious,
                                reported, description, concerns, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(case_id)
    .bind(centre_id)
    .bind(new.occurred_on)
    .bind(new.occurred_time)
    .bind(new.kind)
    .bind(new.serious || new.kind.always_serious())
    .bind(new.reported)
    .bind(&new.description)
    .bind(&new.concerns)
    .bind(by)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
