//! The one or more who use violence against the family, on the case: who
//! they are to each person, how a school would recognise them, their car,
//! addresses and network, and their access to weapons. Every save is a new
//! version that never changes (`perpetrator_versions`); the newest is also
//! kept on the row for the lists. A save names the version it was read at,
//! so two people writing at once never overwrite each other.

pub mod form;
pub mod routes;

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::Person;
use crate::mapping::content::Answer;
use crate::versioned::{Row, Rows};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub name: String,
    #[serde(default)]
    pub other_names: String,
    /// Date of birth or age, as known.
    #[serde(default)]
    pub born: String,
    /// What they are to each person of the case: "far", "tidligere samboer".
    pub relations: Vec<Relation>,
    /// Age, appearance, how they move about: what a school would recognise.
    pub description: String,
    /// The description (and the vehicle) may go in the school's extract.
    pub description_for_school: bool,
    pub vehicle: String,
    /// Sensitive: where they live, work and are often seen.
    pub addresses: String,
    /// Sensitive: family and others who may act for them.
    pub network: String,
    /// Sensitive: phone numbers and user names they use.
    #[serde(default)]
    pub contact_details: String,
    /// Sensitive: criminal cases, custody or prison, and the day of release.
    #[serde(default)]
    pub criminal_case: String,
    pub weapons: Option<Answer>,
    pub weapons_note: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub person_id: Uuid,
    pub relation: String,
}

impl Content {
    pub fn relation_to(&self, person_id: Uuid) -> &str {
        self.relations
            .iter()
            .find(|r| r.person_id == person_id)
            .map_or("", |r| r.relation.as_str())
    }

    /// «far til Emil, tidligere samboer til Kari».
    pub fn relations_line(&self, people: &[Person]) -> String {
        people
            .iter()
            .filter_map(|p| {
                let relation = self.relation_to(p.id);
                (!relation.is_empty()).then(|| format!("{relation} til {}", p.name))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Labelled rows, for a version's page and for comparing two.
    pub fn rows(&self, people: &[Person]) -> Vec<Row> {
        let mut rows = Rows::default();
        let s = "Voldsutøver";
        rows.add("name", s, "Navn", &self.name);
        rows.add(
            "other_names",
            s,
            "Andre navn og kallenavn",
            &self.other_names,
        );
        rows.add("born", s, "Fødselsdato eller alder", &self.born);
        for person in people {
            rows.add(
                format!("relation:{}", person.id),
                s,
                format!("Relasjon til {}", person.name),
                self.relation_to(person.id),
            );
        }
        let k = "Kjennetegn";
        rows.add("description", k, "Kjennetegn", &self.description);
        rows.add(
            "description_for_school",
            k,
            "Kan stå i utdraget til skolen",
            if self.description_for_school {
                "Ja"
            } else {
                "Nei"
            },
        );
        rows.add("vehicle", k, "Kjøretøy", &self.vehicle);
        let f = "Sensitivt";
        rows.add("addresses", f, "Kjente adresser og steder", &self.addresses);
        rows.add(
            "network",
            f,
            "Nettverk som kan handle på vegne av voldsutøveren",
            &self.network,
        );
        rows.add(
            "contact_details",
            f,
            "Telefonnumre og brukernavn",
            &self.contact_details,
        );
        rows.add(
            "criminal_case",
            f,
            "Straffesak, varetekt eller soning",
            &self.criminal_case,
        );
        rows.add(
            "weapons",
            f,
            "Tilgang til våpen",
            match (self.weapons, self.weapons_note.as_str()) {
                (None, "") => String::new(),
                (None, note) => note.to_owned(),
                (Some(a), "") => a.label().to_owned(),
                (Some(a), note) => format!("{}. {note}", a.label()),
            },
        );
        rows.add("note", "Annet", "Merknad", &self.note);
        rows.into_vec()
    }
}

/// A perpetrator as the newest version has them.
#[derive(Clone, Debug, FromRow)]
pub struct Perpetrator {
    pub id: Uuid,
    pub version: i32,
    #[sqlx(json)]
    pub content: Content,
    pub updated_at: OffsetDateTime,
    pub updated_by_name: String,
}

impl Perpetrator {
    pub fn updated_when(&self) -> String {
        crate::locale::date_time(self.updated_at)
    }
}

/// One saved version.
#[derive(Clone, Debug, FromRow)]
pub struct Version {
    pub version: i32,
    #[sqlx(json)]
    pub content: Content,
    pub saved_at: OffsetDateTime,
    pub saved_by_name: String,
}

impl Version {
    pub fn saved_when(&self) -> String {
        crate::locale::date_time(self.saved_at)
    }
}

const SELECT: &str = "SELECT p.id, p.version, p.content, p.updated_at,
        a.full_name AS updated_by_name
    FROM perpetrators p JOIN accounts a ON a.id = p.updated_by";

/// The case's perpetrators, in the order they were added.
pub async fn of_case(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
) -> sqlx::Result<Vec<Perpetrator>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE p.case_id = $1 AND p.centre_id = $2 ORDER BY p.created_at, p.id"
    ))
    .bind(case_id)
    .bind(centre_id)
    .fetch_all(db)
    .await
}

pub async fn one(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Perpetrator>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE p.id = $1 AND p.case_id = $2 AND p.centre_id = $3"
    ))
    .bind(id)
    .bind(case_id)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

/// Every version of one of the case's perpetrators, newest first.
pub async fn versions(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    case_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Vec<Version>> {
    sqlx::query_as(
        "SELECT v.version, v.content, v.saved_at, a.full_name AS saved_by_name
         FROM perpetrator_versions v
         JOIN perpetrators p ON p.id = v.perpetrator_id AND p.case_id = $3
         JOIN accounts a ON a.id = v.saved_by
         WHERE v.perpetrator_id = $1 AND v.centre_id = $2
         ORDER BY v.version DESC",
    )
    .bind(id)
    .bind(centre_id)
    .bind(case_id)
    .fetch_all(db)
    .await
}

/// Adds one as version 1 under `id` (the form's own, so a second press
/// adds nobody twice). `false` when that id is taken.
pub async fn add(
    tx: &mut PgConnection,
    centre_id: Uuid,
    case_id: Uuid,
    id: Uuid,
    content: &Content,
    by: Uuid,
) -> sqlx::Result<bool> {
    let added = sqlx::query(
        "INSERT INTO perpetrators (id, case_id, centre_id, version, content, created_by, updated_by)
         VALUES ($1, $2, $3, 1, $4, $5, $5)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(case_id)
    .bind(centre_id)
    .bind(Json(content))
    .bind(by)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if added {
        keep_version(tx, centre_id, id, 1, content, by).await?;
    }
    Ok(added)
}

/// Saves the next version if nobody saved since `read_version`. `false`
/// when someone did.
pub async fn save(
    tx: &mut PgConnection,
    centre_id: Uuid,
    case_id: Uuid,
    id: Uuid,
    read_version: i32,
    content: &Content,
    by: Uuid,
) -> sqlx::Result<bool> {
    let saved: Option<i32> = sqlx::query_scalar(
        "UPDATE perpetrators SET content = $1, version = version + 1, updated_by = $2,
                updated_at = now()
         WHERE id = $3 AND case_id = $4 AND centre_id = $5 AND version = $6
         RETURNING version",
    )
    .bind(Json(content))
    .bind(by)
    .bind(id)
    .bind(case_id)
    .bind(centre_id)
    .bind(read_version)
    .fetch_optional(&mut *tx)
    .await?;
    match saved {
        Some(version) => {
            keep_version(tx, centre_id, id, version, content, by).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

async fn keep_version(
    tx: &mut PgConnection,
    centre_id: Uuid,
    id: Uuid,
    version: i32,
    content: &Content,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO perpetrator_versions (perpetrator_id, version, centre_id, content, saved_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(version)
    .bind(centre_id)
    .bind(Json(content))
    .bind(by)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
