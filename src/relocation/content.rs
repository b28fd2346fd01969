//! What a relocation holds, part by part as in the guidance (R1–R9): the
//! typed value that is stored (as JSON, with codes and ISO dates).
//! `form.rs` reads the posted form into it; `rows.rs` reads it as rows.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::code_enum;

code_enum! {
    /// Where a relocation stands.
    pub enum RelocationState {
        Assessing = "assessing" "Vurderes",
        Decided = "decided" "Besluttet",
        Moved = "moved" "Flyttet",
        Cancelled = "cancelled" "Avbrutt",
    }
}

code_enum! {
    /// R2: what a candidate centre is assessed by, from the resident's own
    /// security needs.
    pub enum Factor {
        Network = "network" "Avstand til voldsutøverens nettverk",
        Ties = "ties" "Voldsutøverens kjente tilknytning til området",
        Shielded = "shielded" "Skjermet adresse",
        School = "school" "Skole og barnehage",
        Language = "language" "Språk",
        Wishes = "wishes" "Beboerens egne ønsker",
        Support = "support" "Beboerens og barnas støttende nettverk",
        Police = "police" "Politiets vurdering av stedet",
        Access = "access" "Tilgjengelighet og særlige behov",
    }
}

code_enum! {
    /// R1: a relocation is offered; the resident answers.
    pub enum OfferAnswer {
        Accepted = "accepted" "Takker ja",
        Declined = "declined" "Takker nei",
        Considering = "considering" "Vil tenke på det",
    }
}

code_enum! {
    /// R6: the resident's decision on what follows them.
    pub enum ConsentDecision {
        Given = "given" "Samtykker til deling",
        Refused = "refused" "Samtykker ikke",
        Withdrawn = "withdrawn" "Har trukket samtykket tilbake",
    }
}

code_enum! {
    /// R9: what the digital-security review goes through before the move.
    pub enum DigitalCheck {
        Location = "location" "Stedstjenester og posisjonsdeling (Hvor er? (iPhone), Finn enheten min (Android), Google Maps-tidslinjen, Snap Map, Life360, Family Link)",
        Accounts = "accounts" "Delte kontoer, skylagring og sikkerhetskopier",
        Logins = "logins" "Passord, totrinnsinnlogging og innlogging på andre enheter; spionprogrammer",
        Phones = "phones" "Telefoner og abonnement som voldsutøveren har gitt, betaler eller står oppført på",
        Trackers = "trackers" "Sporingsbrikker og GPS-klokker (AirTag, også i bilen)",
        Sim = "sim" "Nytt SIM-kort eller nytt nummer der det trengs",
        Payments = "payments" "Bank, Vipps og kort: kjøp kan vise hvor dere er",
        Post = "post" "Post og adresse: ingen flyttemelding til Folkeregisteret uten avklaring; Nav, Digipost, Helsenorge og fastlege må ikke avsløre ny kommune; vurder fortrolig adresse med politiet",
        Social = "social" "Publisering i sosiale medier",
        Apps = "apps" "Skole-, barnehage- og aktivitetsapper (Vigilo, Visma, Spond, Transponder): voldsutøveren kan få foreldretilgang også på ny skole",
        Network = "network" "Hvem i familien og nettverket som får vite hvor dere er",
        ChildrenDevices = "children_devices" "Barnas telefoner, nettbrett og spillkonsoller",
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Content {
    /// R1: the resident's answer to the offer of a move.
    pub offer: Option<OfferAnswer>,
    /// R1: the mapping versions that call for the move, as (person, version).
    pub mappings: Vec<MappingRef>,
    /// R7: the children of the case who move along.
    pub children: Vec<Uuid>,
    /// R3: why the move is necessary for safety…
    pub necessary: String,
    /// …and why it fits this resident and these children.
    pub appropriate: String,
    /// R5: from the second move on, why this destination will hold.
    pub will_hold: String,
    /// R2, R4: the centres assessed.
    pub candidates: Vec<Candidate>,
    /// The candidate decided on.
    pub chosen: Option<Uuid>,
    /// R1: the police where the resident lives now.
    pub police_origin: PoliceContact,
    /// R4: the local police where the destination lies, before the move.
    pub police_destination: PoliceContact,
    /// R6
    pub consent: Consent,
    /// R6: without consent, the request to the local police to inform the
    /// police of the new district.
    pub police_request: PoliceRequest,
    /// R7: per child moving.
    pub child_parts: Vec<ChildPart>,
    /// R9
    pub digital: DigitalReview,
    /// Planned day of the move.
    pub planned_on: Option<Date>,
    /// Why it was called off.
    pub cancel_reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingRef {
    pub person_id: Uuid,
    pub version: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Stable, so the decision can name it.
    pub id: Uuid,
    /// Another centre in Trygg…
    pub centre_id: Option<Uuid>,
    /// …or one outside it, by name.
    pub external: String,
    pub considered: Vec<Factor>,
    pub speaks_for: String,
    pub speaks_against: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoliceContact {
    pub on: Option<Date>,
    pub district: String,
    pub whom: String,
    /// What was agreed (origin), what they will do (destination).
    pub agreed: String,
}

impl PoliceContact {
    pub fn is_recorded(&self) -> bool {
        self.on.is_some()
            && !self.district.is_empty()
            && !self.whom.is_empty()
            && !self.agreed.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        *self == PoliceContact::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub decision: Option<ConsentDecision>,
    pub informed_by: String,
    pub informed_on: Option<Date>,
    /// The resident was told the benefits of the new centre knowing the
    /// threat picture on arrival.
    pub benefits_explained: bool,
    /// Per person: what may follow them.
    pub scope: Vec<Scope>,
}

impl Consent {
    pub fn given(&self) -> bool {
        self.decision == Some(ConsentDecision::Given)
    }

    pub fn scope_of(&self, person_id: Uuid) -> Scope {
        self.scope
            .iter()
            .find(|s| s.person_id == person_id)
            .cloned()
            .unwrap_or(Scope {
                person_id,
                mapping: None,
                plan: None,
            })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// What the resident consented to share of one person: the exact
/// versions shown to them, so nothing written later travels unseen.
pub struct Scope {
    pub person_id: Uuid,
    /// A completed mapping version.
    pub mapping: Option<i32>,
    /// An approved plan version.
    pub plan: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoliceRequest {
    pub on: Option<Date>,
    pub whom: String,
    pub asked: String,
}

impl PoliceRequest {
    pub fn is_empty(&self) -> bool {
        *self == PoliceRequest::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChildPart {
    pub person_id: Uuid,
    pub heard: bool,
    /// What the child said.
    pub said: String,
    pub prepared: bool,
    pub goodbye: bool,
    /// Friends and relations to keep, and how, safely.
    pub contacts: String,
    /// School or kindergarten: change, transfer of records, a new plan.
    pub school: String,
}

impl ChildPart {
    /// R7: what must be written before the child moves: what the child
    /// said (or why the child could not be heard) and what the move means
    /// for school or kindergarten.
    pub fn is_done(&self) -> bool {
        !self.said.is_empty() && !self.school.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DigitalReview {
    pub done: Vec<DigitalCheck>,
    pub on: Option<Date>,
    pub note: String,
}

impl DigitalReview {
    pub fn is_complete(&self) -> bool {
        self.on.is_some() && DigitalCheck::ALL.iter().all(|c| self.done.contains(c))
    }
}

impl Content {
    pub fn chosen_candidate(&self) -> Option<&Candidate> {
        let chosen = self.chosen?;
        self.candidates.iter().find(|c| c.id == chosen)
    }

    pub fn child_part(&self, person_id: Uuid) -> ChildPart {
        self.child_parts
            .iter()
            .find(|p| p.person_id == person_id)
            .cloned()
            .unwrap_or(ChildPart {
                person_id,
                ..ChildPart::default()
            })
    }
}
