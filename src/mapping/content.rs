//! What a mapping holds, section by section as in the guidance (M2–M6): the
//! typed value that is stored (as JSON, with codes and ISO dates) and read.
//! `form.rs` reads the posted form into it; `rows.rs` reads it as rows.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::factors::{FactorAnswer, FactorSummary, RiskFactor};
use super::legal::Legal;
use crate::code_enum;

code_enum! {
    /// M2: who took part and which sources were used.
    pub enum Participant {
        Child = "child" "Barnet selv",
        Parent = "parent" "Forelderen",
        ParentContact = "parent_contact" "Forelderens kontaktperson",
        School = "school" "Barnehage eller skole",
        Resident = "resident" "Beboeren selv",
        Contact = "contact" "Kontaktpersonen",
        ChildWelfare = "child_welfare" "Barnevernstjenesten",
        Police = "police" "Politiet",
        Other = "other" "Andre (skriv hvem)",
    }
}

impl Participant {
    /// The participants a child's mapping, or an adult's, offers.
    pub fn options(child: bool) -> &'static [Participant] {
        use Participant::*;
        if child {
            &[
                Child,
                Parent,
                ParentContact,
                School,
                ChildWelfare,
                Police,
                Other,
            ]
        } else {
            &[Resident, Contact, ChildWelfare, Police, Other]
        }
    }
}

code_enum! {
    /// Whose fear (M4): the child's or the parent's in a child's mapping.
    pub enum Whose {
        Child = "child" "Barnet frykter",
        Parent = "parent" "Forelderen frykter",
        Resident = "resident" "Beboeren frykter",
    }
}

impl Whose {
    pub fn options(child: bool) -> &'static [Whose] {
        if child {
            &[Whose::Child, Whose::Parent]
        } else {
            &[Whose::Resident]
        }
    }
}

code_enum! {
    /// M5: the risks every mapping asks about (a child's also abduction),
    /// and threats staff name themselves.
    pub enum RiskKind {
        Contact = "contact" "Risiko for at voldsutøveren tar kontakt",
        Violence = "violence" "Risiko for ny vold",
        Abduction = "abduction" "Risiko for at barnet blir bortført",
        Other = "other" "Annen trussel",
    }
}

impl RiskKind {
    /// Asked in every mapping of this kind of person; never removed.
    pub fn fixed(child: bool) -> &'static [RiskKind] {
        if child {
            &[RiskKind::Contact, RiskKind::Violence, RiskKind::Abduction]
        } else {
            &[RiskKind::Contact, RiskKind::Violence]
        }
    }

    pub fn is_fixed(self) -> bool {
        self != RiskKind::Other
    }
}

code_enum! {
    /// M5: each risk is answered yes, no or unknown.
    pub enum Answer {
        Yes = "yes" "Ja",
        No = "no" "Nei",
        Unknown = "unknown" "Vet ikke",
    }
}

code_enum! {
    /// M5: by which channel.
    pub enum Channel {
        Phone = "phone" "Telefon",
        Electronic = "electronic" "Elektronisk",
        Physical = "physical" "Fysisk",
    }
}

code_enum! {
    /// The overall assessment of the threat picture.
    pub enum Assessment {
        Low = "low" "Lav",
        Moderate = "moderate" "Moderat",
        High = "high" "Høy",
        Severe = "severe" "Svært høy",
    }
}

code_enum! {
    /// P9: whether relocation (§ 4 c) must be considered.
    pub enum Relocation {
        Consider = "yes" "Ja, flytting må vurderes",
        NotNeeded = "no" "Nei",
    }
}

code_enum! {
    /// Who interpreted a conversation. Only a qualified interpreter from
    /// outside the family's network is safe; a child must never interpret.
    pub enum Interpreter {
        Remote = "remote" "Kvalifisert tolk på telefon eller video",
        InPerson = "in_person" "Kvalifisert tolk til stede",
        Unqualified = "unqualified" "En annen voksen tolket (ikke kvalifisert tolk)",
        Child = "child" "Et barn tolket",
        NoneAvailable = "none_available" "Trengte tolk, men hadde ingen",
    }
}

code_enum! {
    /// M6: what a digital-safety check finds, for children and adults.
    pub enum DigitalItem {
        LocationSharing = "location_sharing" "Posisjonsdeling: Hvor er? (iPhone), Google Maps og Finn enheten min, Snap Map, Family Link",
        Spyware = "spyware" "Overvåkingsapper og ukjente profiler eller enheter på telefonen",
        Trackers = "trackers" "GPS-klokker og sporingsbrikker (AirTag og lignende) i klær, sekker, leker og bil",
        SharedAccounts = "shared_accounts" "Delte kontoer og passord: Apple-ID, Google-konto, strømmetjenester",
        Services = "services" "BankID, Vipps, bank, Helsenorge, Nav og e-post: innlogging, gjenopprettingsnummer og innsyn for den andre",
        CloudBackups = "cloud_backups" "Skylagring og sikkerhetskopier: bilder med stedsdata, iCloud, Google Foto",
        GameChats = "game_chats" "Spill og spillchat: Roblox, Fortnite, Discord og lignende",
        SocialMedia = "social_media" "Sosiale medier: hvem som følger, hva som deles, bilder som viser stedet, også det andre legger ut (venner, skole, idrettslag)",
        SchoolPlatforms = "school_platforms" "Skole- og barnehageplattformer den andre forelderen kan se (Vigilo, Visma, itslearning, Spond)",
        NewNumber = "new_number" "Nytt telefonnummer eller SIM-kort, hvem som har fått det, og om abonnementet står i utøverens navn",
        Car = "car" "Bil med app eller sporing",
        Gifts = "gifts" "Telefoner, nettbrett og gaver fra utøveren (kan være sporet)",
    }
}

code_enum! {
    pub enum CheckStatus {
        Checked = "checked" "Sjekket",
        NotRelevant = "not_relevant" "Ikke aktuelt",
        ToDo = "to_do" "Må gjøres",
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigitalCheck {
    pub item: DigitalItem,
    pub status: Option<CheckStatus>,
    pub note: String,
}

/// M2: one conversation of the mapping: who was there, how it was
/// interpreted, what was said — for a child, in the child's own words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Stable across versions.
    pub id: Uuid,
    pub date: Date,
    pub present: Vec<Participant>,
    pub present_other: String,
    pub interpreter: Option<Interpreter>,
    pub language: String,
    /// Staff made sure the interpreter is not from the family's network.
    pub interpreter_outside_network: bool,
    pub topics: String,
    /// What the child (or resident) said, as they said it.
    pub own_words: String,
    /// What they do themselves to feel safe.
    pub strategies: String,
}

impl Conversation {
    /// Only the child and staff (and a qualified interpreter, if any): the
    /// child could speak freely.
    pub fn child_alone(&self) -> bool {
        self.present == [Participant::Child]
            && self.present_other.is_empty()
            && matches!(
                self.interpreter,
                None | Some(Interpreter::Remote | Interpreter::InPerson)
            )
    }

    pub fn interpreter_warning(&self) -> Option<&'static str> {
        Interpreter::warning(self.interpreter, self.interpreter_outside_network)
    }
}

impl Interpreter {
    /// Why a conversation's account may not be safe, if it may not.
    pub fn warning(interpreter: Option<Self>, outside_network: bool) -> Option<&'static str> {
        match interpreter? {
            Interpreter::Child => Some(
                "Et barn tolket. Barn skal aldri være tolk: ta samtalen på nytt med kvalifisert tolk.",
            ),
            Interpreter::Unqualified => Some(
                "Tolken var ikke kvalifisert. Det som ble sagt, kan være feil gjengitt eller nå familiens nettverk: bruk kvalifisert tolk.",
            ),
            Interpreter::NoneAvailable => Some(
                "Samtalen trengte tolk, men hadde ingen: det som ble sagt, kan være misforstått. Ta den på nytt med kvalifisert tolk.",
            ),
            Interpreter::Remote | Interpreter::InPerson if !outside_network => Some(
                "Ikke bekreftet at tolken er utenfor familiens nettverk. Spør både beboeren og tolken, og kryss av.",
            ),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub child: bool,
    /// M2: sources beyond the conversations (a report, a letter).
    pub participants: Vec<Participant>,
    pub participants_other: String,
    /// Before conversations were records: their dates only. Read from
    /// older versions; a new version turns them into conversations.
    #[serde(default)]
    pub conversation_dates: Vec<Date>,
    #[serde(default)]
    pub conversations: Vec<Conversation>,
    /// M3
    pub violence: String,
    /// M4
    pub fears: Vec<Fear>,
    /// M5
    pub risks: Vec<Risk>,
    /// M6
    pub digital: Digital,
    #[serde(default)]
    pub digital_checks: Vec<DigitalCheck>,
    /// Structured risk factors, beside the overall assessment.
    #[serde(default)]
    pub factors: Vec<FactorAnswer>,
    /// A child's legal situation.
    #[serde(default)]
    pub legal: Legal,
    pub assessment: Option<Assessment>,
    pub reasoning: String,
    /// P9
    pub relocation: Option<Relocation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fear {
    /// Stable across versions, so a plan's measure can point at it (M7).
    pub id: Uuid,
    pub whose: Whose,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// Stable across versions.
    pub id: Uuid,
    pub kind: RiskKind,
    /// The fixed risk's question, or the threat staff named.
    pub label: String,
    pub answer: Option<Answer>,
    /// Where: free text.
    pub place: String,
    pub channels: Vec<Channel>,
}

impl Risk {
    /// A threat that is there, or may be: what a measure can answer (P7).
    pub fn may_be_real(&self) -> bool {
        matches!(self.answer, Some(Answer::Yes | Answer::Unknown))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Digital {
    pub devices: String,
    pub apps: String,
    pub contacts_to_keep: String,
    pub risk_of_being_found: String,
    pub spoke_with_child: bool,
    pub spoke_with_parent: bool,
    pub parent_follows: bool,
}

impl Content {
    /// An empty mapping of a child or an adult, with the fixed risk items.
    pub fn empty(child: bool) -> Self {
        Content {
            child,
            risks: RiskKind::fixed(child)
                .iter()
                .map(|kind| Risk {
                    id: Uuid::new_v4(),
                    kind: *kind,
                    label: kind.label().into(),
                    answer: None,
                    place: String::new(),
                    channels: Vec::new(),
                })
                .collect(),
            ..Content::default()
        }
    }

    /// M2: who took part and which sources were used: those of every
    /// conversation, then the other sources, each once.
    pub fn sources(&self) -> Vec<Participant> {
        let mut out: Vec<Participant> = Vec::new();
        let all = self
            .conversations
            .iter()
            .flat_map(|c| c.present.iter())
            .chain(self.participants.iter());
        for p in all {
            if !out.contains(p) {
                out.push(*p);
            }
        }
        out
    }

    pub fn factor_summary(&self) -> FactorSummary {
        FactorSummary::of(&self.factors)
    }

    pub fn factor(&self, factor: RiskFactor) -> Option<&FactorAnswer> {
        self.factors.iter().find(|f| f.factor == factor)
    }

    /// The acute factors answered yes (P4).
    pub fn acute_factors(&self) -> Vec<RiskFactor> {
        self.factors
            .iter()
            .filter(|f| f.factor.is_acute() && f.answer == Some(Answer::Yes))
            .map(|f| f.factor)
            .collect()
    }

    pub fn digital_check(&self, item: DigitalItem) -> Option<&DigitalCheck> {
        self.digital_checks.iter().find(|c| c.item == item)
    }

    /// What "Fullfør" needs beyond what a draft needs.
    pub fn check_complete(&self, errors: &mut crate::forms::FieldErrors) {
        if self.sources().is_empty() && self.conversation_dates.is_empty() {
            errors.add(
                "conversations",
                "Skriv inn minst én samtale, eller kryss av for andre kilder, før du fullfører.",
            );
        }
        if self
            .risks
            .iter()
            .any(|r| r.kind.is_fixed() && r.answer.is_none())
        {
            errors.add(
                "risks",
                "Svar ja, nei eller vet ikke på hver risiko før du fullfører.",
            );
        }
        if self.assessment.is_none() {
            errors.add("assessment", "Velg samlet vurdering før du fullfører.");
        }
        if self.relocation.is_none() {
            errors.add(
                "relocation",
                "Svar på om flytting må vurderes før du fullfører.",
            );
        }
    }
}
