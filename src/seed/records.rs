//! The mappings and plans `trygg seed` writes: fears in a child's and a
//! parent's words, risks answered, and plans in every state, some with the
//! warnings a reviewer must see (P4, P6, P7).

use time::Duration;
use uuid::Uuid;

use super::{Batch, PlanBatch, Rng, SeedError};
use crate::mapping::MappingState;
use crate::mapping::content::{Answer, Assessment, Channel, Content, Fear, Relocation, Whose};
use crate::plans::PlanState;
use crate::plans::content::{self as plan, Measure, Party};

const CHILD_FEARS: [&str; 6] = [
    "At pappa står utenfor skolen.",
    "At noen finner ut hvor vi bor.",
    "At mamma blir skadet igjen.",
    "At jeg må flytte fra vennene mine.",
    "At han ringer meg på telefonen.",
    "At noen tar meg med fra barnehagen.",
];
const PARENT_FEARS: [&str; 5] = [
    "At han oppsøker barna på skolen.",
    "At han finner adressen gjennom sosiale medier.",
    "Ny vold hvis han finner oss.",
    "At familien hans tar barna ut av landet.",
    "At han bruker barnas telefoner til å spore oss.",
];

/// Version 1, often a revised version 2 (one fear changed, one added, the
/// risk of contact re-answered), sometimes a draft after them.
/// The threat picture draws from `threat_rng`, the rest from `rng`.
pub(super) fn add_mappings(
    b: &mut Batch,
    person_id: Uuid,
    child: bool,
    author: Uuid,
    every_kind: bool,
    rng: &mut Rng,
    threat_rng: &mut Rng,
) -> Result<Content, SeedError> {
    let mut content = Content::empty(child);
    content.violence = if child {
        "Har vært vitne til vold mot mor over lengre tid.".into()
    } else {
        "Fysisk og psykisk vold fra tidligere partner gjennom flere år.".into()
    };
    for _ in 0..1 + rng.below(2) {
        let (whose, text) = if child && rng.chance(60) {
            (Whose::Child, *rng.pick(&CHILD_FEARS))
        } else {
            (
                if child {
                    Whose::Parent
                } else {
                    Whose::Resident
                },
                *rng.pick(&PARENT_FEARS),
            )
        };
        content.fears.push(Fear {
            id: rng.uuid(),
            whose,
            text: text.into(),
        });
    }
    for risk in &mut content.risks {
        risk.answer = Some(*rng.pick(Answer::ALL));
        if risk.answer == Some(Answer::Yes) {
            risk.channels = vec![*rng.pick(Channel::ALL)];
        }
    }
    content.assessment = Some(*rng.pick(Assessment::ALL));
    content.reasoning = "Vurdert ut fra kartleggingssamtalen.".into();
    super::threats::enrich_mapping(&mut content, child, threat_rng);
    content.relocation = Some(if content.assessment == Some(Assessment::Severe) {
        Relocation::Consider
    } else {
        Relocation::NotNeeded
    });

    let first = content.clone();
    let mut versions = vec![(MappingState::Completed, content.clone())];
    if every_kind || rng.chance(40) {
        let mut next = content.clone();
        if let Some(fear) = next.fears.first_mut() {
            fear.text.push_str(" Frykten er sterkere nå.");
        }
        next.fears.push(Fear {
            id: rng.uuid(),
            whose: if child { Whose::Child } else { Whose::Resident },
            text: "At det skal skje igjen.".into(),
        });
        if let Some(risk) = next.risks.first_mut() {
            risk.answer = Some(Answer::Yes);
        }
        versions.push((MappingState::Completed, next));
    }
    if every_kind || rng.chance(20) {
        let last = versions.last().map(|(_, c)| c.clone()).unwrap_or_default();
        versions.push((MappingState::Draft, last));
    }
    for (i, (state, content)) in versions.into_iter().enumerate() {
        b.mapping_ids.push(rng.uuid());
        b.mapping_persons.push(person_id);
        b.versions.push(i as i32 + 1);
        b.states.push(state.code().into());
        b.contents.push(serde_json::to_string(&content)?);
        b.authors.push(author);
    }
    Ok(first)
}

pub(super) struct PlanSeed {
    pub(super) person_id: Uuid,
    pub(super) child: bool,
    pub(super) school_age: bool,
    pub(super) author: Uuid,
    /// Another account of the centre, to approve or return; none, no decisions.
    pub(super) approver: Option<Uuid>,
    /// Which history to make (see `add_plans`); random when `None`.
    pub(super) history: Option<u64>,
}

/// A plan on mapping version 1, in one of every state (approved and then
/// changed again included); some answer nothing in the mapping (P7), put
/// too much on the child (P6) or lack the police (P4).
pub(super) fn add_plans(
    b: &mut PlanBatch,
    seed: &PlanSeed,
    mapping: &Content,
    rng: &mut Rng,
) -> Result<(), SeedError> {
    let content = seeded_plan(seed, mapping, rng);
    let mut history: Vec<(PlanState, plan::Content)> = Vec::new();
    let pick = seed.history.unwrap_or_else(|| rng.below(5));
    let approver = seed.approver;
    match (pick, approver) {
        (0, _) | (_, None) => history.push((PlanState::Draft, content)),
        (1, _) => history.push((PlanState::Submitted, content)),
        (2, _) => history.push((PlanState::Returned, content)),
        (3, _) => history.push((PlanState::Approved, content)),
        (4, _) => {
            history.push((PlanState::Approved, content.clone()));
            history.push((PlanState::Draft, content));
        }
        _ => {
            let mut next = content.clone();
            next.measures.push(Measure {
                id: rng.uuid(),
                party: if seed.child {
                    Party::Child
                } else {
                    Party::Resident
                },
                party_name: String::new(),
                text: "Holder seg inne etter skoletid.".into(),
                from: None,
                until: None,
                restriction_reason: String::new(),
                answers: Vec::new(),
                restricts: true,
            });
            history.push((PlanState::Approved, content));
            history.push((PlanState::Submitted, next));
        }
    }
    for (i, (state, content)) in history.into_iter().enumerate() {
        let id = rng.uuid();
        b.ids.push(id);
        b.persons.push(seed.person_id);
        b.versions.push(i as i32 + 1);
        b.states.push(state.code().into());
        b.mapping_versions.push(1);
        b.contents.push(serde_json::to_string(&content)?);
        b.authors.push(seed.author);
        let approved = state == PlanState::Approved;
        b.approvers.push(approver.filter(|_| approved));
        // Some reviews are already overdue.
        b.next_reviews.push(
            approved.then(|| crate::locale::today() + Duration::days(28 - rng.below(40) as i64)),
        );
        if let (Some(by), PlanState::Returned | PlanState::Approved) = (approver, state) {
            b.decision_ids.push(rng.uuid());
            b.decision_plans.push(id);
            b.decision_kinds.push(state.code().into());
            b.decision_comments.push(if state == PlanState::Returned {
                "Tiltakene for barnet er for mange. Flytt ansvaret over på de voksne.".into()
            } else {
                String::new()
            });
            b.decision_by.push(by);
        }
    }
    Ok(())
}

fn seeded_plan(seed: &PlanSeed, mapping: &Content, rng: &mut Rng) -> plan::Content {
    let links = plan::links_of(mapping);
    let fear = links.iter().find(|l| !l.is_threat).map(|l| l.id);
    let threat = links.iter().find(|l| l.is_threat).map(|l| l.id).or(fear);
    let from = Some(crate::locale::today());
    let police_measure = mapping.assessment == Some(Assessment::Severe) || rng.chance(30);
    let police_recorded = rng.chance(60);
    let unlinked = rng.chance(20);
    let mut measure = |party: Party, text: &str, answers: Option<Uuid>, restricts: bool| Measure {
        id: rng.uuid(),
        party,
        party_name: String::new(),
        text: text.into(),
        from,
        // A restriction ends, or is looked at again: some already have. Not
        // from `rng`, so the rest of the seed stays as it was.
        until: restricts.then(|| {
            let offset = (seed.person_id.as_u128() % 60) as i64 - 20;
            crate::locale::today() + Duration::days(offset)
        }),
        answers: answers.into_iter().collect(),
        restricts,
        restriction_reason: if restricts {
            "Far har vist seg ved skolen.".into()
        } else {
            String::new()
        },
    };
    let mut c = plan::Content::empty(seed.child);
    if seed.child {
        c.measures = vec![
            measure(
                Party::Parent,
                "Følger barnet til og fra skolen hver dag.",
                threat,
                false,
            ),
            measure(
                Party::Centre,
                "Kontaktpersonen snakker med barnet to ganger i uka om hvordan det går.",
                fear,
                false,
            ),
            measure(
                Party::School,
                "Lar ikke barnet gå med andre enn mor eller kontaktpersonen.",
                threat,
                true,
            ),
            measure(
                Party::Child,
                "Sier fra til en voksen hvis noen ukjente tar kontakt på nett.",
                threat,
                false,
            ),
        ];
        c.school = plan::School {
            safe_to_start: Some(plan::SchoolStart::AfterMeasures),
            required_first: "Skolen kjenner planen og vet hvem som kan hente.".into(),
            contributes: "Fast voksen i friminuttene.".into(),
            if_perpetrator_comes: "Tar barnet inn, ringer politiet og deretter mor.".into(),
            safest_places: "Klasserommet og biblioteket.".into(),
            riskiest_places: "Porten mot parkeringsplassen.".into(),
            riskiest_on_extract: false,
            outside_centre: "Mor følger til og fra; barnet går ikke alene.".into(),
            may_collect: "Mor. Mormor, etter avtale med mor.".into(),
            may_not_collect: "Far, og ingen fra hans familie.".into(),
            whom_to_call:
                "Ring 112 hvis far kommer. Ring mor eller nummeret øverst hvis barnet ikke kommer."
                    .into(),
        };
        if seed.school_age {
            c.child_part = plan::ChildPart {
                can_do: "Gå sammen med mamma til skolen. Være med vennene mine i friminuttet."
                    .into(),
                avoid: "Ikke legge ut bilder som viser hvor jeg er.".into(),
                if_frightening: "Gå inn til en lærer og si fra med en gang.".into(),
                shielded_address: "«Vi bor et annet sted nå.»".into(),
                online: "Chatte med vennene jeg kjenner. Ikke svare ukjente.".into(),
                trusted_adults: "Mamma: 400 00 000\nLærer Anne: 400 00 001".into(),
                mention_centre: false,
            };
        }
    } else {
        c.measures = vec![
            measure(
                Party::Resident,
                "Bytter telefonnummer og slår av posisjonsdeling.",
                threat,
                false,
            ),
            measure(
                Party::Centre,
                "Følger beboeren til møter utenfor senteret.",
                fear,
                false,
            ),
        ];
    }
    if police_measure {
        c.measures.push(measure(
            Party::Police,
            "Vurderer besøksforbud.",
            threat,
            false,
        ));
        if police_recorded {
            c.police = plan::Police {
                contacted_on: from,
                district: "Eksempel politidistrikt".into(),
                contact: "Familievoldskoordinator".into(),
                agreed: "Politiet vurderer besøksforbud og gir beskjed innen en uke.".into(),
            };
        }
    }
    if unlinked {
        c.measures.push(measure(
            if seed.child {
                Party::Child
            } else {
                Party::Resident
            },
            "Holder seg inne etter skoletid.",
            None,
            seed.child,
        ));
    }
    c.shielded_address =
        "Vi snakker ikke om hvor vi bor. Post sendes til kontaktpersonens adresse.".into();
    c
}
