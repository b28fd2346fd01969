//! What a safety plan holds (P2–P8): the typed value that is stored (as
//! JSON, with codes and ISO dates) and read. `form.rs` reads the posted form
//! into it, `flags.rs` says what a reviewer must be warned of, `rows.rs`
//! reads it as rows.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::code_enum;
use crate::codes::Code;
use crate::mapping::content::{self as mapping, Whose};

/// P5: the child's own part is for children of school age.
pub const SCHOOL_AGE: i32 = 6;

code_enum! {
    /// P2: every measure has exactly one responsible party.
    pub enum Party {
        Child = "child" "Barnet",
        Parent = "parent" "Forelderen",
        Resident = "resident" "Beboeren",
        Centre = "centre" "Krisesenteret",
        School = "school" "Barnehagen eller skolen",
        Police = "police" "Politiet",
        Other = "other" "Andre",
    }
}

impl Party {
    /// The parties a child's plan, or an adult's, offers, in reading order.
    pub fn options(child: bool) -> &'static [Party] {
        use Party::*;
        if child {
            &[Child, Parent, Centre, School, Police, Other]
        } else {
            &[Resident, Centre, Police, Other]
        }
    }
}

code_enum! {
    /// P3: is it safe for the child to start at kindergarten or school?
    pub enum SchoolStart {
        Yes = "yes" "Ja",
        AfterMeasures = "after_measures" "Ja, når tiltakene under er på plass",
        NotYet = "not_yet" "Nei, ikke nå",
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub child: bool,
    /// P2
    pub measures: Vec<Measure>,
    /// P3, children only.
    pub school: School,
    /// P4
    pub police: Police,
    /// P8: required when the centre has a shielded address.
    pub shielded_address: String,
    /// P5, children of school age.
    pub child_part: ChildPart,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// Stable across versions, so versions compare measure by measure.
    pub id: Uuid,
    pub party: Party,
    /// Who, when the party is `Other`.
    pub party_name: String,
    pub text: String,
    pub from: Option<Date>,
    pub until: Option<Date>,
    /// P7: the fears (M4) and threats (M5) of the mapping it answers.
    pub answers: Vec<Uuid>,
    /// P6: it limits the child's everyday life (school, friends, going out,
    /// online), whoever carries it out.
    pub restricts: bool,
    /// P7: why a restriction is needed when it answers no threat that is
    /// there (answered «Ja»).
    #[serde(default)]
    pub restriction_reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub safe_to_start: Option<SchoolStart>,
    pub required_first: String,
    pub contributes: String,
    pub if_perpetrator_comes: String,
    pub safest_places: String,
    pub riskiest_places: String,
    /// Whether the riskiest places go in the school's extract: the author's
    /// choice, for a sheet that may be lost.
    #[serde(default)]
    pub riskiest_on_extract: bool,
    pub outside_centre: String,
    /// Who may collect the child.
    #[serde(default)]
    pub may_collect: String,
    /// Who must not collect the child, nor be told about the child.
    #[serde(default)]
    pub may_not_collect: String,
    /// Whom the school calls, and when.
    #[serde(default)]
    pub whom_to_call: String,
}

/// The school section's questions: (form field, label). The answers follow
/// in this order from `School::answers`.
pub const SCHOOL_QUESTIONS: [(&str, &str); 11] = [
    ("school_safe_to_start", "Er det trygt for barnet å starte?"),
    ("school_required_first", "Dette må være på plass først"),
    (
        "school_contributes",
        "Dette bidrar barnehagen eller skolen med",
    ),
    (
        "school_if_perpetrator_comes",
        "Dette gjør de ansatte hvis personen barnet skal beskyttes mot, oppsøker barnet",
    ),
    ("school_safest_places", "Tryggeste steder"),
    ("school_riskiest_places", "Mest risikable steder"),
    (
        "school_outside_centre",
        "Til og fra barnehagen eller skolen",
    ),
    ("school_may_collect", "Disse kan hente barnet"),
    (
        "school_may_not_collect",
        "Disse skal ikke hente barnet. Kommer en av dem: ikke la barnet gå med dem, hold barnet inne sammen med en voksen, og ring 112",
    ),
    ("school_whom_to_call", "Hvem dere ringer, og når"),
    (
        "school_riskiest_on_extract",
        "De mest risikable stedene står i utdraget til barnehagen eller skolen",
    ),
];

impl School {
    /// The section as (field, label, answer) rows: on the plan, in the
    /// school's extract, and when versions are compared.
    pub fn answers(&self) -> Vec<(&'static str, &'static str, String)> {
        let answers = [
            self.safe_to_start.map_or("", Code::label).to_owned(),
            self.required_first.clone(),
            self.contributes.clone(),
            self.if_perpetrator_comes.clone(),
            self.safest_places.clone(),
            self.riskiest_places.clone(),
            self.outside_centre.clone(),
            self.may_collect.clone(),
            self.may_not_collect.clone(),
            self.whom_to_call.clone(),
            if self.riskiest_on_extract {
                "Ja"
            } else {
                "Nei"
            }
            .to_owned(),
        ];
        SCHOOL_QUESTIONS
            .iter()
            .zip(answers)
            .map(|((field, label), answer)| (*field, *label, answer))
            .collect()
    }

    /// What a printout shows: the answers, not the author's choice of
    /// what goes on the school's sheet.
    pub fn printed(&self) -> Vec<(&'static str, &'static str, String)> {
        self.answers()
            .into_iter()
            .filter(|(field, _, _)| *field != "school_riskiest_on_extract")
            .collect()
    }

    /// What the school's extract shows: the riskiest places only when the
    /// author chose so.
    pub fn for_extract(&self) -> Vec<(&'static str, &'static str, String)> {
        self.printed()
            .into_iter()
            .filter(|(field, _, _)| *field != "school_riskiest_places" || self.riskiest_on_extract)
            .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Police {
    pub contacted_on: Option<Date>,
    pub district: String,
    /// Name and role of whom the centre spoke to.
    pub contact: String,
    pub agreed: String,
}

impl Police {
    /// P4: when, and what was agreed.
    pub fn is_recorded(&self) -> bool {
        self.contacted_on.is_some() && !self.agreed.is_empty()
    }

    pub fn contacted(&self) -> String {
        self.contacted_on
            .map(crate::locale::date)
            .unwrap_or_default()
    }
}

/// P5: the child's own answers, in the child's words. Plain text typed and
/// stored alike, so the form keeps it as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChildPart {
    pub can_do: String,
    pub avoid: String,
    pub if_frightening: String,
    pub shielded_address: String,
    pub online: String,
    /// «Mine trygge voksne»: names and phone numbers, filled in with the child.
    #[serde(default)]
    pub trusted_adults: String,
    /// Whether the child's sheet may say «krisesenteret».
    #[serde(default)]
    pub mention_centre: bool,
}

/// One question of the child's own part (P5), in the child's words.
pub struct ChildQuestion<'a> {
    /// The form field; also the row's key when versions are compared.
    pub field: &'static str,
    pub question: &'static str,
    pub answer: &'a str,
    /// What to say when the plan is sent without an answer, if it needs one.
    pub required: Option<&'static str>,
    /// Guidance for staff, beside the field.
    pub hint: &'static str,
}

impl ChildPart {
    /// The questions and answers in order; the shielded-address question
    /// only at a centre with a shielded address (P8).
    pub fn questions(&self, shielded_centre: bool) -> Vec<ChildQuestion<'_>> {
        fn ask<'a>(
            field: &'static str,
            question: &'static str,
            answer: &'a str,
            required: Option<&'static str>,
        ) -> ChildQuestion<'a> {
            ChildQuestion {
                field,
                question,
                answer,
                required,
                hint: "",
            }
        }
        let mut questions = vec![
            ask(
                "child_can_do",
                "Hva kan jeg gjøre? (på skoleveien, på skolen, med venner)",
                &self.can_do,
                None,
            ),
            ask(
                "child_avoid",
                "Hva bør jeg unngå å gjøre?",
                &self.avoid,
                None,
            ),
            ask(
                "child_if_frightening",
                "Hva gjør jeg hvis noe skremmende skjer?",
                &self.if_frightening,
                Some("Skriv sammen med barnet hva det gjør hvis noe skremmende skjer."),
            ),
            ask(
                "child_online",
                "Hva kan jeg gjøre og ikke gjøre på nett?",
                &self.online,
                None,
            ),
        ];
        if shielded_centre {
            questions.insert(
                3,
                ChildQuestion {
                    hint: "Finn sammen med barnet et svar som er sant, men som ikke sier hvor dere bor, for eksempel «Vi bor et annet sted nå». Barnet skal ikke måtte lyve eller bære en hemmelighet alene.",
                    ..ask(
                        "child_shielded_address",
                        "Hva sier jeg hvis noen spør hvor jeg bor?",
                        &self.shielded_address,
                        Some("Skriv sammen med barnet hva det sier hvis noen spør hvor det bor."),
                    )
                },
            );
        }
        questions.push(ChildQuestion {
            hint: "Navn og telefonnummer til voksne barnet selv har valgt, én voksen per linje. Står i en egen boks på arket.",
            ..ask(
                "child_trusted_adults",
                "Mine trygge voksne",
                &self.trusted_adults,
                None,
            )
        });
        questions
    }
}

/// A fear or threat of the mapping that a measure can answer (P7).
#[derive(Clone, Debug)]
pub struct Link {
    pub id: Uuid,
    pub label: String,
    /// A threat (M5), not a fear (M4): only a threat warrants restricting the child.
    pub is_threat: bool,
    /// A threat answered «Ja»: «Vet ikke» alone warrants no restriction.
    pub is_concrete: bool,
}

/// The fears, and the risks answered yes or unknown, of a mapping version.
pub fn links_of(mapping: &mapping::Content) -> Vec<Link> {
    let fears = mapping.fears.iter().map(|f| Link {
        id: f.id,
        label: format!(
            "{}: {}",
            match f.whose {
                Whose::Parent => "Forelderen frykter",
                _ if mapping.child => "Barnet frykter",
                _ => "Frykter",
            },
            f.text
        ),
        is_threat: false,
        is_concrete: false,
    });
    let threats = mapping
        .risks
        .iter()
        .filter(|r| r.may_be_real())
        .map(|r| Link {
            id: r.id,
            label: format!(
                "Trussel: {}{}",
                r.label,
                if r.answer == Some(mapping::Answer::Unknown) {
                    " (usikkert)"
                } else {
                    ""
                }
            ),
            is_threat: true,
            is_concrete: r.answer == Some(mapping::Answer::Yes),
        });
    fears.chain(threats).collect()
}

impl Content {
    pub fn empty(child: bool) -> Self {
        Content {
            child,
            ..Content::default()
        }
    }

    pub fn parties(&self) -> &'static [Party] {
        Party::options(self.child)
    }

    /// Keeps only the links `links` still offers: after the plan moves to a
    /// newer mapping, a measure whose fear or threat is gone shows as unlinked.
    pub fn keep_links(&mut self, links: &[Link]) {
        for m in &mut self.measures {
            m.answers.retain(|id| links.iter().any(|l| l.id == *id));
        }
    }

    /// The measures of each party, in the order of the parties. Parties
    /// without measures are left out.
    pub fn by_party(&self) -> Vec<(&'static str, Vec<&Measure>)> {
        self.parties()
            .iter()
            .filter_map(|party| {
                let measures: Vec<&Measure> =
                    self.measures.iter().filter(|m| m.party == *party).collect();
                (!measures.is_empty()).then_some((party.label(), measures))
            })
            .collect()
    }

    pub fn party_label(&self, measure: &Measure) -> String {
        if measure.party == Party::Other && !measure.party_name.is_empty() {
            format!("{}: {}", measure.party.label(), measure.party_name)
        } else {
            measure.party.label().to_owned()
        }
    }

    /// «Dette kan ikke barnet gjøre nå»: every measure that restricts the
    /// child, whoever carries it out, soonest ending first.
    pub fn restrictions(&self) -> Vec<&Measure> {
        let mut out: Vec<&Measure> = self.measures.iter().filter(|m| m.restricts).collect();
        out.sort_by_key(|m| m.until.unwrap_or(Date::MAX));
        out
    }

    pub fn school_measures(&self) -> Vec<&Measure> {
        self.measures
            .iter()
            .filter(|m| m.party == Party::School)
            .collect()
    }
}

impl Measure {
    pub fn is_other_party(&self) -> bool {
        self.party == Party::Other
    }

    /// "Fra 01.12.2026 til 31.12.2026", or less, or nothing.
    pub fn when(&self) -> String {
        let date = |d: Option<Date>| d.map(crate::locale::date);
        match (date(self.from), date(self.until)) {
            (Some(from), Some(until)) => format!("Fra {from} til og med {until}"),
            (Some(from), None) => format!("Fra {from}"),
            (None, Some(until)) => format!("Til og med {until}"),
            (None, None) => String::new(),
        }
    }

    /// Until when a restriction holds: «til og med 24.12.2026».
    pub fn restricted_until(&self) -> String {
        match self.until {
            Some(until) => format!("til og med {}", crate::locale::date(until)),
            None => "ingen sluttdato satt".into(),
        }
    }

    pub fn answer_labels(&self, links: &[Link]) -> Vec<String> {
        self.answers
            .iter()
            .filter_map(|id| links.iter().find(|l| l.id == *id))
            .map(|l| l.label.clone())
            .collect()
    }
}
