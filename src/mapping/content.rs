//! What a mapping holds, section by section as in the guidance (M2–M6): the
//! typed value that is stored (as JSON, with codes and ISO dates) and read.
//! `form.rs` reads the posted form into it; `rows.rs` reads it as rows.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

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
        ChildWelfare = "child_welfare" "Barneverntjenesten",
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
        Contact = "contact" "Risiko for at utøver tar kontakt",
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
        Severe = "severe" "Alvorlig",
    }
}

code_enum! {
    /// P9: whether relocation (§ 4 c) must be considered.
    pub enum Relocation {
        Consider = "yes" "Ja, flytting må vurderes",
        NotNeeded = "no" "Nei",
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub child: bool,
    /// M2
    pub participants: Vec<Participant>,
    pub participants_other: String,
    pub conversation_dates: Vec<Date>,
    /// M3
    pub violence: String,
    /// M4
    pub fears: Vec<Fear>,
    /// M5
    pub risks: Vec<Risk>,
    /// M6
    pub digital: Digital,
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

    /// What "Fullfør" needs beyond what a draft needs.
    pub fn check_complete(&self, errors: &mut crate::forms::FieldErrors) {
        if self.participants.is_empty() {
            errors.add(
                "participants",
                "Kryss av for hvem som deltok før du fullfører.",
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
