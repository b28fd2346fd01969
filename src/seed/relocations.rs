//! Relocations between the seeded centres (§ 4 c), made through the same
//! functions as the pages: at each centre one in every state, moves with
//! and without consent, and so an incoming share at each centre.

use sqlx::PgPool;
use uuid::Uuid;

use super::{SeedError, days_ago};
use crate::cases::Person;
use crate::relocation::content::{
    Candidate, ChildPart, Consent, ConsentDecision, Content, DigitalCheck, DigitalReview, Factor,
    MappingRef, PoliceContact, PoliceRequest, Scope,
};
use crate::relocation::{self, Change};

/// Where the seeded centres lie, by number.
pub(super) const PLACES: [(&str, &str); 6] = [
    ("Bergen", "Vest politidistrikt"),
    ("Trondheim", "Trøndelag politidistrikt"),
    ("Tromsø", "Troms politidistrikt"),
    ("Kristiansand", "Agder politidistrikt"),
    ("Hamar", "Innlandet politidistrikt"),
    ("Drammen", "Sør-Øst politidistrikt"),
];

/// What becomes of each seeded relocation.
#[derive(Clone, Copy)]
enum Outcome {
    Assessing,
    Decided,
    MovedWithConsent,
    MovedWithoutConsent,
    Cancelled,
}

/// At each centre (id, name, staff): relocations to the next centre.
pub(super) async fn add(
    db: &PgPool,
    centres: &[(Uuid, String, Vec<Uuid>)],
    report: &mut String,
) -> Result<(), SeedError> {
    if centres.len() < 2 {
        return Ok(());
    }
    for (i, (centre_id, name, staff)) in centres.iter().enumerate() {
        let (destination_id, destination_name, _) = &centres[(i + 1) % centres.len()];
        let author = staff[staff.len() - 1];
        let cases: Vec<Uuid> = sqlx::query_scalar(
            "SELECT c.id FROM cases c
             JOIN persons pe ON pe.case_id = c.id AND pe.kind = 'resident'
             WHERE c.centre_id = $1 AND c.closed_on IS NULL AND c.seeded
               AND EXISTS (SELECT 1 FROM mappings m WHERE m.person_id = pe.id
                                                       AND m.state = 'completed')
             ORDER BY c.arrival_date DESC, c.id LIMIT 5",
        )
        .bind(centre_id)
        .fetch_all(db)
        .await?;
        let outcomes = [
            Outcome::MovedWithConsent,
            Outcome::MovedWithoutConsent,
            Outcome::Decided,
            Outcome::Assessing,
            Outcome::Cancelled,
        ];
        for (case_id, outcome) in cases.iter().zip(outcomes) {
            one(
                db,
                (*centre_id, name),
                *case_id,
                (*destination_id, destination_name),
                author,
                outcome,
            )
            .await?;
        }
        report.push_str(&format!(
            "Seeded {} relocation(s) from \"{name}\" to \"{destination_name}\".\n",
            cases.len()
        ));
    }
    Ok(())
}

async fn one(
    db: &PgPool,
    (centre_id, centre_name): (Uuid, &str),
    case_id: Uuid,
    (destination_id, destination_name): (Uuid, &str),
    author: Uuid,
    outcome: Outcome,
) -> Result<(), SeedError> {
    let case = crate::cases::load_for(db, centre_id, case_id).await?;
    let people = crate::cases::people(db, case_id).await?;
    let mut content = assessed(db, centre_id, &people, destination_id).await?;
    let mut tx = db.begin().await?;
    let id = relocation::open(&mut tx, &case, &content, author)
        .await?
        .ok_or("the seeded case had a relocation already")?;
    let relocation = relocation::load(&mut *tx, centre_id, case_id, id).await?;
    match outcome {
        Outcome::Assessing => {}
        Outcome::Cancelled => {
            content.cancel_reason = "Beboeren valgte å bli; utøveren er varetektsfengslet.".into();
            relocation::save(&mut tx, &relocation, 1, &content, &Change::Cancel, author).await?;
        }
        _ => {
            relocation::save(
                &mut tx,
                &relocation,
                1,
                &content,
                &Change::Decide {
                    destination_centre_id: Some(destination_id),
                    destination_name: destination_name.to_owned(),
                },
                author,
            )
            .await?;
            let relocation = relocation::load(&mut *tx, centre_id, case_id, id).await?;
            let mut plans = Vec::new();
            for person in &people {
                let approved = crate::versioned::newest_in::<crate::plans::model::Plan>(
                    &mut *tx,
                    centre_id,
                    person.id,
                    crate::plans::model::PlanState::Approved,
                )
                .await?;
                plans.push((person.id, approved.map(|p| p.version)));
            }
            prepared_for_move(&mut content, &people, &plans, outcome);
            let change = match outcome {
                Outcome::Decided => Change::Save,
                _ => Change::Move(days_ago(1)),
            };
            relocation::save(&mut tx, &relocation, 2, &content, &change, author).await?;
            if matches!(change, Change::Move(_)) {
                relocation::complete_move(&mut tx, &case, id, &people, centre_name, Vec::new())
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Justified, with two candidates assessed and the destination chosen.
async fn assessed(
    db: &PgPool,
    centre_id: Uuid,
    people: &[Person],
    destination_id: Uuid,
) -> Result<Content, SeedError> {
    let mut mappings = Vec::new();
    for person in people.iter().filter(|p| p.removed_at.is_none()) {
        if let Some(m) = crate::mapping::newest_completed(db, centre_id, person.id).await? {
            mappings.push(MappingRef {
                person_id: person.id,
                version: m.version,
            });
        }
    }
    let chosen = Uuid::new_v4();
    Ok(Content {
        mappings,
        children: children(people).map(|p| p.id).collect(),
        necessary: "Utøveren har oppsøkt området rundt senteret to ganger siste uke.".into(),
        appropriate: "Beboeren ønsker å flytte; barna kan få skoleplass raskt på det nye stedet."
            .into(),
        candidates: vec![
            Candidate {
                id: chosen,
                centre_id: Some(destination_id),
                external: String::new(),
                considered: vec![
                    Factor::Network,
                    Factor::Ties,
                    Factor::School,
                    Factor::Wishes,
                ],
                speaks_for: "Langt fra utøverens nettverk; ingen kjent tilknytning.".into(),
                speaks_against: "Beboeren kjenner ingen der.".into(),
            },
            Candidate {
                id: Uuid::new_v4(),
                centre_id: None,
                external: "Et krisesenter i nabofylket".into(),
                considered: vec![Factor::Network, Factor::Language],
                speaks_for: "Kort reisevei.".into(),
                speaks_against: "Utøverens bror bor i nærheten.".into(),
            },
        ],
        chosen: Some(chosen),
        ..Content::default()
    })
}

fn children(people: &[Person]) -> impl Iterator<Item = &Person> {
    people
        .iter()
        .filter(|p| p.is_child() && p.removed_at.is_none())
}

/// Police at both ends, consent (or not), the children's part, the
/// digital checklist.
fn prepared_for_move(
    content: &mut Content,
    people: &[Person],
    plans: &[(Uuid, Option<i32>)],
    outcome: Outcome,
) {
    content.planned_on = Some(days_ago(1));
    content.police_origin = PoliceContact {
        on: Some(days_ago(5)),
        district: "Oslo politidistrikt".into(),
        whom: "Familievoldskoordinator (fiktiv)".into(),
        agreed: "Politiet følger til transporten.".into(),
    };
    content.police_destination = PoliceContact {
        on: Some(days_ago(3)),
        district: "Politiet der det nye senteret ligger".into(),
        whom: "Operasjonsleder (fiktiv)".into(),
        agreed: "Vurderer voldsalarm ved ankomst.".into(),
    };
    let consent = matches!(outcome, Outcome::MovedWithConsent | Outcome::Decided);
    content.consent = Consent {
        decision: Some(match consent {
            true => ConsentDecision::Given,
            false => ConsentDecision::Refused,
        }),
        informed_by: "Siri Prøvestad".into(),
        informed_on: Some(days_ago(4)),
        benefits_explained: true,
        scope: people
            .iter()
            .filter(|p| p.removed_at.is_none())
            .map(|p| Scope {
                person_id: p.id,
                mapping: content
                    .mappings
                    .iter()
                    .find(|m| m.person_id == p.id)
                    .map(|m| m.version),
                plan: plans
                    .iter()
                    .find(|(id, _)| *id == p.id)
                    .and_then(|(_, v)| *v)
                    .filter(|_| p.is_child()),
            })
            .collect(),
    };
    if !consent {
        content.police_request = PoliceRequest {
            on: Some(days_ago(3)),
            whom: "Familievoldskoordinator (fiktiv)".into(),
            asked: "Informere politiet i det nye distriktet om trusselbildet.".into(),
        };
    }
    content.child_parts = children(people)
        .map(|p| ChildPart {
            person_id: p.id,
            heard: true,
            said: "Vil ha med seg bamsen og savner bestevennen.".into(),
            prepared: true,
            goodbye: true,
            contacts: "Videosamtale med bestevennen hver søndag, via mors telefon.".into(),
            school: "Skolebytte; rektor på ny skole er kontaktet.".into(),
        })
        .collect();
    content.digital = DigitalReview {
        done: DigitalCheck::ALL.to_vec(),
        on: Some(days_ago(2)),
        note: "Ny telefon og nytt nummer.".into(),
    };
}
