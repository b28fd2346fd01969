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
            let ends = crate::locale::today() + Duration::days(rng.below(40) as i64 - 5);
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
    perpetrators: Vec<Perpetrator>,
    incidents: Vec<Incident>,
}

struct Perpetrator {
    id: Uuid,
    case_id: Uuid,
    versions: Vec<perpetrators::Content>,
    author: Uuid,
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
/// concerned everyone in it. `people` is (id, child); the `showcase` has
/// all of it, so that every page has something to show.
pub(super) fn add_case(
    t: &mut ThreatBatch,
    case_id: Uuid,
    people: &[(Uuid, bool)],
    author: Uuid,
    showcase: bool,
    rng: &mut Rng,
) {
    let content = perpetrators::Content {
        name: "Fiktiv Utøversen".into(),
        other_names: String::new(),
        born: "Rundt 40 år".into(),
        contact_details: String::new(),
        criminal_case: String::new(),
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
    let mut versions = vec![content];
    if showcase || rng.chance(35) {
        // Seen in another car since.
        let mut later = versions[0].clone();
        later.vehicle = "Rød Toyota Yaris".into();
        versions.push(later);
    }
    t.perpetrators.push(Perpetrator {
        id: rng.uuid(),
        case_id,
        versions,
        author,
    });
    if showcase || rng.chance(30) {
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

/// Writes the batch's perpetrators with their versions, and incidents.
/// Incidents are recorded at the statement's own clock, after the plans
/// the same transaction approved.
pub(super) async fn insert(
    tx: &mut PgConnection,
    centre_id: Uuid,
    t: &ThreatBatch,
) -> sqlx::Result<()> {
    let newest = |p: &Perpetrator| p.versions.len() as i32;
    let ids: Vec<Uuid> = t.perpetrators.iter().map(|p| p.id).collect();
    let cases: Vec<Uuid> = t.perpetrators.iter().map(|p| p.case_id).collect();
    let numbers: Vec<i32> = t.perpetrators.iter().map(newest).collect();
    let contents: Vec<Json<&perpetrators::Content>> = t
        .perpetrators
        .iter()
        .map(|p| Json(&p.versions[p.versions.len() - 1]))
        .collect();
    let authors: Vec<Uuid> = t.perpetrators.iter().map(|p| p.author).collect();
    sqlx::query(
        "INSERT INTO perpetrators (id, case_id, centre_id, version, content, created_by,
                                   updated_by)
         SELECT t.id, t.case_id, $1, t.version, t.content, t.author, t.author
         FROM UNNEST($2::uuid[], $3::uuid[], $4::int[], $5::jsonb[], $6::uuid[])
              AS t(id, case_id, version, content, author)",
    )
    .bind(centre_id)
    .bind(&ids)
    .bind(&cases)
    .bind(&numbers)
    .bind(&contents)
    .bind(&authors)
    .execute(&mut *tx)
    .await?;
    let every: Vec<(Uuid, i32, Json<&perpetrators::Content>, Uuid)> = t
        .perpetrators
        .iter()
        .flat_map(|p| {
            p.versions
                .iter()
                .enumerate()
                .map(move |(i, c)| (p.id, i as i32 + 1, Json(c), p.author))
        })
        .collect();
    sqlx::query(
        "INSERT INTO perpetrator_versions (perpetrator_id, version, centre_id, content, saved_by)
         SELECT t.id, t.version, $1, t.content, t.author
         FROM UNNEST($2::uuid[], $3::int[], $4::jsonb[], $5::uuid[])
              AS t(id, version, content, author)",
    )
    .bind(centre_id)
    .bind(every.iter().map(|v| v.0).collect::<Vec<_>>())
    .bind(every.iter().map(|v| v.1).collect::<Vec<_>>())
    .bind(every.iter().map(|v| v.2).collect::<Vec<_>>())
    .bind(every.iter().map(|v| v.3).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    // The people an incident concerned, as one text each ("{a,b}"): an
    // array of arrays must be rectangular.
    let incidents = &t.incidents;
    sqlx::query(
        "INSERT INTO incidents (id, case_id, centre_id, occurred_on, kind, serious, reported,
                                description, concerns, recorded_by, recorded_at)
         SELECT t.id, t.case_id, $1, t.occurred_on, t.kind, t.serious, t.reported,
                'Fiktiv hendelse, laget av trygg seed.', t.concerns::uuid[], t.author,
                clock_timestamp()
         FROM UNNEST($2::uuid[], $3::uuid[], $4::date[], $5::text[], $6::bool[], $7::text[],
                     $8::text[], $9::uuid[])
              AS t(id, case_id, occurred_on, kind, serious, reported, concerns, author)",
    )
    .bind(centre_id)
    .bind(incidents.iter().map(|i| i.id).collect::<Vec<_>>())
    .bind(incidents.iter().map(|i| i.case_id).collect::<Vec<_>>())
    .bind(
        incidents
            .iter()
            .map(|i| days_ago(i.days_ago))
            .collect::<Vec<_>>(),
    )
    .bind(incidents.iter().map(|i| i.kind.code()).collect::<Vec<_>>())
    .bind(incidents.iter().map(|i| i.serious).collect::<Vec<_>>())
    .bind(
        incidents
            .iter()
            .map(|i| i.reported.code())
            .collect::<Vec<_>>(),
    )
    .bind(
        incidents
            .iter()
            .map(|i| {
                let ids: Vec<String> = i.concerns.iter().map(Uuid::to_string).collect();
                format!("{{{}}}", ids.join(","))
            })
            .collect::<Vec<_>>(),
    )
    .bind(incidents.iter().map(|i| i.author).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(())
}
