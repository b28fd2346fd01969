//! The threat picture `trygg seed` writes: a conversation, risk factors, a
//! digital checklist and (for children) a legal situation in each mapping;
//! a perpetrator on every case; and incidents on some, serious or not — so
//! that every page and every flag has something to show.

use sqlx::PgConnection;
use sqlx::types::Json;
use time::Duration;
use uuid::Uuid;

use super::{Rng, days_ago};
use crate::incidents::{IncidentKind, Reported};
use crate::mapping::content::{
    Answer, CheckStatus, Content, Conversation, DigitalCheck, DigitalItem, Interpreter, Participant,
};
use crate::mapping::factors::{FactorAnswer, RiskFactor};
use crate::mapping::legal::{Contact, Order, OrderKind, ParentalResponsibility, Residence};
use crate::perpetrators::{self, Relation};

/// A mapping's threat picture beyond its fears and risks.
pub(super) fn enrich_mapping(content: &mut Content, child: bool, rng: &mut Rng) {
    let interpreted = rng.chance(20);
    content.conversations.push(Conversation {
        id: rng.uuid(),
        date: days_ago(1 + rng.below(20)),
        present: vec![if child {
            Participant::Child
        } else {
            Participant::Resident
        }],
        present_other: String::new(),
        interpreter: interpreted.then_some(Interpreter::Remote),
        language: if interpreted {
            "arabisk".into()
        } else {
            String::new()
        },
        interpreter_outside_network: interpreted,
        topics: "Hva som har skjedd hjemme, og hva som skjer nå.".into(),
        own_words: if child {
            "Jeg blir redd når telefonen ringer.".into()
        } else {
            "Han sa at han alltid vil finne oss.".into()
        },
        strategies: if child {
            "Går inn på rommet og setter på musikk.".into()
        } else {
            "Har alltid telefonen ladet og avtaler med en venninne.".into()
        },
    });
    for factor in RiskFactor::ALL {
        if rng.chance(70) {
            content.factors.push(FactorAnswer {
                factor: *factor,
                answer: Some(*rng.pick(&[Answer::Yes, Answer::No, Answer::No, Answer::Unknown])),
                note: String::new(),
            });
        }
    }
    for item in DigitalItem::ALL {
        if rng.chance(60) {
            content.digital_checks.push(DigitalCheck {
                item: *item,
                status: Some(*rng.pick(CheckStatus::ALL)),
                note: String::new(),
            });
        }
    }
    if child {
        let legal = &mut content.legal;
        legal.responsibility = Some(*rng.pick(ParentalResponsibility::ALL));
        legal.residence = Some(*rng.pick(Residence::ALL));
        legal.contact = Some(*rng.pick(Contact::ALL));
        if rng.chance(35) {
            let ends = crate::locale::today() + Duration::days(rng.below(90) as i64 - 5);
            legal.orders.push(Order {
                id: rng.uuid(),
                kind: OrderKind::VisitBan,
                from: Some(days_ago(30 + rng.below(60))),
                until: Some(ends),
                note: String::new(),
            });
        }
    }
}

#[derive(Default)]
pub(super) struct ThreatBatch {
    perpetrators: Vec<(Uuid, Uuid, perpetrators::Content, Uuid)>,
    incidents: Vec<Incident>,
}

struct Incident {
    id: Uuid,
    case_id: Uuid,
    days_ago: u64,
    kind: IncidentKind,
    serious: bool,
    reported: Reported,
    concerns: Vec<Uuid>,
    author: Uuid,
}

const VEHICLES: [&str; 3] = ["Grå Volvo V70", "Svart Golf", "Hvit varebil"];

/// A perpetrator on the case, and on some cases an incident or two that
/// concerned everyone in it. `people` is (id, child).
pub(super) fn add_case(
    t: &mut ThreatBatch,
    case_id: Uuid,
    people: &[(Uuid, bool)],
    author: Uuid,
    rng: &mut Rng,
) {
    let content = perpetrators::Content {
        name: "Fiktiv Utøversen".into(),
        relations: people
            .iter()
            .map(|(person_id, child)| Relation {
                person_id: *person_id,
                relation: if *child { "Far" } else { "Tidligere samboer" }.into(),
            })
            .collect(),
        description: "Rundt 40 år, kort mørkt hår, ofte i arbeidsklær.".into(),
        description_for_school: rng.chance(70),
        vehicle: rng.pick(&VEHICLES).to_string(),
        addresses: "Eksempelveien 1 (fiktiv).".into(),
        network: "Brødre som bor i nærheten.".into(),
        weapons: Some(*rng.pick(&[Answer::No, Answer::Unknown, Answer::Yes])),
        weapons_note: String::new(),
        note: String::new(),
    };
    t.perpetrators.push((rng.uuid(), case_id, content, author));
    if rng.chance(30) {
        for _ in 0..1 + rng.below(2) {
            let kind = *rng.pick(IncidentKind::ALL);
            t.incidents.push(Incident {
                id: rng.uuid(),
                case_id,
                days_ago: rng.below(10),
                serious: kind.always_serious() || rng.chance(50),
                kind,
                reported: *rng.pick(Reported::ALL),
                concerns: people.iter().map(|(id, _)| *id).collect(),
                author,
            });
        }
    }
}

/// Writes the batch's perpetrators (each as version 1) and incidents.
/// Incidents are recorded at the statement's own clock, after the plans
/// the same transaction approved.
pub(super) async fn insert(
    tx: &mut PgConnection,
    centre_id: Uuid,
    t: &ThreatBatch,
) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = t.perpetrators.iter().map(|p| p.0).collect();
    let cases: Vec<Uuid> = t.perpetrators.iter().map(|p| p.1).collect();
    let contents: Vec<Json<&perpetrators::Content>> =
        t.perpetrators.iter().map(|p| Json(&p.2)).collect();
    let authors: Vec<Uuid> = t.perpetrators.iter().map(|p| p.3).collect();
    sqlx::query(
        "WITH p AS (
             INSERT INTO perpetrators (id, case_id, centre_id, version, content, created_by,
                                       updated_by)
             SELECT t.id, t.case_id, $1, 1, t.content, t.author, t.author
             FROM UNNEST($2::uuid[], $3::uuid[], $4::jsonb[], $5::uuid[])
                  AS t(id, case_id, content, author)
             RETURNING id, content, created_by)
         INSERT INTO perpetrator_versions (perpetrator_id, version, centre_id, content, saved_by)
         SELECT id, 1, $1, content, created_by FROM p",
    )
    .bind(centre_id)
    .bind(&ids)
    .bind(&cases)
    .bind(&contents)
    .bind(&authors)
    .execute(&mut *tx)
    .await?;
    for i in &t.incidents {
        sqlx::query(
            "INSERT INTO incidents (id, case_id, centre_id, occurred_on, kind, serious, reported,
                                    description, concerns, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp())",
        )
        .bind(i.id)
        .bind(i.case_id)
        .bind(centre_id)
        .bind(days_ago(i.days_ago))
        .bind(i.kind)
        .bind(i.serious)
        .bind(i.reported)
        .bind("Fiktiv hendelse, laget av trygg seed.")
        .bind(&i.concerns)
        .bind(i.author)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
