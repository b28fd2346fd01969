//! What a mapping holds, section by section as in the guidance (M2–M6), how
//! its form is read, and how it reads as labelled rows (for a version's page
//! and for comparing two versions).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cases::Person;
use crate::forms::{self, Choice, FieldErrors, FormFields};
use crate::versioned::{Compared, Row};

pub const LONG_TEXT_MAX: usize = 10_000;
pub const ITEM_TEXT_MAX: usize = 2_000;
/// Empty rows offered for new fears and threats (more after each save).
pub const BLANK_ROWS: usize = 2;

/// M2: who took part and which sources were used.
pub const CHILD_PARTICIPANTS: [(&str, &str); 7] = [
    ("child", "Barnet selv"),
    ("parent", "Forelderen"),
    ("parent_contact", "Forelderens kontaktperson"),
    ("school", "Barnehage eller skole"),
    ("child_welfare", "Barneverntjenesten"),
    ("police", "Politiet"),
    ("other", "Andre (skriv hvem)"),
];
pub const ADULT_PARTICIPANTS: [(&str, &str); 5] = [
    ("resident", "Beboeren selv"),
    ("contact", "Kontaktpersonen"),
    ("child_welfare", "Barneverntjenesten"),
    ("police", "Politiet"),
    ("other", "Andre (skriv hvem)"),
];
/// M5: the risks every mapping asks about; a child's also abduction.
pub const FIXED_RISKS: [(&str, &str); 3] = [
    ("contact", "Risiko for at utøver tar kontakt"),
    ("violence", "Risiko for ny vold"),
    ("abduction", "Risiko for at barnet blir bortført"),
];
pub const ANSWERS: [(&str, &str); 3] = [("yes", "Ja"), ("no", "Nei"), ("unknown", "Vet ikke")];
pub const CHANNELS: [(&str, &str); 3] = [
    ("phone", "Telefon"),
    ("electronic", "Elektronisk"),
    ("physical", "Fysisk"),
];
pub const ASSESSMENTS: [(&str, &str); 4] = [
    ("low", "Lav"),
    ("moderate", "Moderat"),
    ("high", "Høy"),
    ("severe", "Alvorlig"),
];
pub const RELOCATION: [(&str, &str); 2] = [("yes", "Ja, flytting må vurderes"), ("no", "Nei")];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub child: bool,
    pub participants: Vec<String>,
    pub participants_other: String,
    pub conversation_dates: String,
    /// M3
    pub violence: String,
    /// M4
    pub fears: Vec<Fear>,
    /// M5
    pub risks: Vec<Risk>,
    /// M6
    pub digital: Digital,
    pub assessment: String,
    pub reasoning: String,
    /// P9: whether a relocation (§ 4 c) must be considered.
    pub relocation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fear {
    /// Stable across versions.
    pub id: Uuid,
    /// `child` or `parent` in a child's mapping; `resident` in an adult's.
    pub whose: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// Stable across versions.
    pub id: Uuid,
    /// One of FIXED_RISKS, or `other` for a threat staff named.
    pub kind: String,
    pub label: String,
    pub answer: String,
    /// Where: free text.
    pub place: String,
    pub channels: Vec<String>,
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
    /// An empty mapping for `person`, with the fixed risk items.
    pub fn new_for(person: &Person) -> Self {
        Content::empty(person.is_child())
    }

    /// An empty mapping of a child or an adult, with the fixed risk items.
    pub fn empty(child: bool) -> Self {
        Content {
            child,
            risks: FIXED_RISKS
                .iter()
                .filter(|(kind, _)| child || *kind != "abduction")
                .map(|(kind, label)| Risk {
                    id: Uuid::new_v4(),
                    kind: (*kind).into(),
                    label: (*label).into(),
                    answer: String::new(),
                    place: String::new(),
                    channels: Vec::new(),
                })
                .collect(),
            ..Content::default()
        }
    }

    pub fn participant_options(&self) -> &'static [(&'static str, &'static str)] {
        if self.child {
            &CHILD_PARTICIPANTS
        } else {
            &ADULT_PARTICIPANTS
        }
    }

    pub fn fear_owners(&self) -> &'static [(&'static str, &'static str)] {
        if self.child {
            &[
                ("child", "Barnet frykter"),
                ("parent", "Forelderen frykter"),
            ]
        } else {
            &[("resident", "Beboeren frykter")]
        }
    }

    /// Reads the posted form over `previous`: fixed risks and the ids of
    /// fears and threats come from it, never from the form alone.
    pub fn from_form(previous: &Content, f: &FormFields) -> (Content, FieldErrors) {
        let mut errors = FieldErrors::default();
        let mut c = Content {
            child: previous.child,
            participants: f.all("participants"),
            participants_other: forms::optional_text(
                &mut errors,
                "participants_other",
                f.get("participants_other"),
                500,
            ),
            conversation_dates: forms::optional_text(
                &mut errors,
                "conversation_dates",
                f.get("conversation_dates"),
                500,
            ),
            violence: forms::optional_text(
                &mut errors,
                "violence",
                f.get("violence"),
                LONG_TEXT_MAX,
            ),
            assessment: f.get("assessment").to_owned(),
            reasoning: forms::optional_text(
                &mut errors,
                "reasoning",
                f.get("reasoning"),
                LONG_TEXT_MAX,
            ),
            relocation: f.get("relocation").to_owned(),
            ..Content::default()
        };
        let options = c.participant_options();
        if c.participants
            .iter()
            .any(|p| !options.iter().any(|(code, _)| code == p))
        {
            errors.add("participants", "Velg blant deltakerne i listen.");
        }
        for date in c
            .conversation_dates
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            if crate::locale::parse_date(date).is_none() {
                errors.add(
                    "conversation_dates",
                    "Skriv datoene som dd.mm.åååå, skilt med komma, for eksempel 12.11.2026, 19.11.2026.",
                );
            }
        }
        if !c.assessment.is_empty() && forms::option_label(&ASSESSMENTS, &c.assessment).is_empty() {
            errors.add("assessment", "Velg en av vurderingene.");
        }
        if !c.relocation.is_empty() && forms::option_label(&RELOCATION, &c.relocation).is_empty() {
            errors.add("relocation", "Svar ja eller nei.");
        }

        // Fears: the rows shown, by number; a known id keeps its identity.
        let owners = c.fear_owners();
        for i in 0..(previous.fears.len() + BLANK_ROWS) {
            let text = f.get(&format!("fear_{i}_text")).trim().to_owned();
            if text.is_empty() || !f.get(&format!("fear_{i}_remove")).is_empty() {
                continue;
            }
            let id = Uuid::parse_str(f.get(&format!("fear_{i}_id")))
                .ok()
                .filter(|id| previous.fears.iter().any(|fear| fear.id == *id))
                .unwrap_or_else(Uuid::new_v4);
            let whose = f.get(&format!("fear_{i}_whose")).to_owned();
            let whose = if owners.iter().any(|(o, _)| *o == whose) {
                whose
            } else {
                owners[0].0.to_owned()
            };
            if text.chars().count() > ITEM_TEXT_MAX {
                errors.add(
                    "fears",
                    format!("En frykt er for lang: mest {ITEM_TEXT_MAX} tegn. Kort den ned."),
                );
            }
            c.fears.push(Fear { id, whose, text });
        }

        // Risks: the fixed ones always stay; named ones may be added or removed.
        for i in 0..(previous.risks.len() + BLANK_ROWS) {
            let known = previous
                .risks
                .iter()
                .find(|r| r.id.to_string() == f.get(&format!("risk_{i}_id")));
            let fixed = known.is_some_and(|r| r.kind != "other");
            let label_text = match known {
                Some(r) if fixed => r.label.clone(),
                _ => f.get(&format!("risk_{i}_label")).trim().to_owned(),
            };
            if !fixed && (label_text.is_empty() || !f.get(&format!("risk_{i}_remove")).is_empty()) {
                continue;
            }
            let answer = f.get(&format!("risk_{i}_answer")).to_owned();
            if !answer.is_empty() && forms::option_label(&ANSWERS, &answer).is_empty() {
                errors.add("risks", "Svar ja, nei eller vet ikke.");
            }
            let channels = f.all(&format!("risk_{i}_channel"));
            if channels
                .iter()
                .any(|ch| forms::option_label(&CHANNELS, ch).is_empty())
            {
                errors.add("risks", "Velg kanal blant telefon, elektronisk og fysisk.");
            }
            let place = f.get(&format!("risk_{i}_place")).trim().to_owned();
            if place.chars().count() > ITEM_TEXT_MAX || label_text.chars().count() > 200 {
                errors.add(
                    "risks",
                    format!("En trussel er for lang: mest {ITEM_TEXT_MAX} tegn. Kort den ned."),
                );
            }
            c.risks.push(Risk {
                id: known.map_or_else(Uuid::new_v4, |r| r.id),
                kind: known.map_or_else(|| "other".to_owned(), |r| r.kind.clone()),
                label: label_text,
                answer,
                place,
                channels,
            });
        }

        c.digital = Digital {
            devices: forms::optional_text(
                &mut errors,
                "digital_devices",
                f.get("digital_devices"),
                LONG_TEXT_MAX,
            ),
            apps: forms::optional_text(
                &mut errors,
                "digital_apps",
                f.get("digital_apps"),
                LONG_TEXT_MAX,
            ),
            contacts_to_keep: forms::optional_text(
                &mut errors,
                "digital_contacts",
                f.get("digital_contacts"),
                LONG_TEXT_MAX,
            ),
            risk_of_being_found: forms::optional_text(
                &mut errors,
                "digital_risk",
                f.get("digital_risk"),
                LONG_TEXT_MAX,
            ),
            spoke_with_child: c.child && !f.get("spoke_with_child").is_empty(),
            spoke_with_parent: c.child && !f.get("spoke_with_parent").is_empty(),
            parent_follows: c.child && !f.get("parent_follows").is_empty(),
        };
        (c, errors)
    }

    /// What "Fullfør" needs beyond what a draft needs.
    pub fn check_complete(&self, errors: &mut FieldErrors) {
        if self.participants.is_empty() {
            errors.add(
                "participants",
                "Kryss av for hvem som deltok før du fullfører.",
            );
        }
        if self
            .risks
            .iter()
            .any(|r| r.kind != "other" && r.answer.is_empty())
        {
            errors.add(
                "risks",
                "Svar ja, nei eller vet ikke på hver risiko før du fullfører.",
            );
        }
        if self.assessment.is_empty() {
            errors.add("assessment", "Velg samlet vurdering før du fullfører.");
        }
        if self.relocation.is_empty() {
            errors.add(
                "relocation",
                "Svar på om flytting må vurderes før du fullfører.",
            );
        }
    }

    // ---- For the form ----

    pub fn participant_choices(&self) -> Vec<Choice> {
        Choice::list(
            self.participant_options().iter().copied(),
            &self.participants,
        )
    }
    pub fn assessment_choices(&self) -> Vec<Choice> {
        Choice::list(ASSESSMENTS, std::slice::from_ref(&self.assessment))
    }
    pub fn relocation_choices(&self) -> Vec<Choice> {
        Choice::list(RELOCATION, std::slice::from_ref(&self.relocation))
    }
    /// The fear rows of the form: the fears, then blank rows.
    pub fn fear_rows(&self) -> Vec<FearRow> {
        let owners = self.fear_owners();
        (0..self.fears.len() + BLANK_ROWS)
            .map(|i| {
                let fear = self.fears.get(i);
                let whose = fear.map_or(owners[0].0, |f| f.whose.as_str());
                FearRow {
                    number: i + 1,
                    prefix: format!("fear_{i}"),
                    id: fear.map(|f| f.id.to_string()).unwrap_or_default(),
                    text: fear.map(|f| f.text.clone()).unwrap_or_default(),
                    is_new: fear.is_none(),
                    owners: Choice::list(owners.iter().copied(), &[whose.to_owned()]),
                }
            })
            .collect()
    }

    /// The risk rows of the form: the risks, then blank rows for named threats.
    pub fn risk_rows(&self) -> Vec<RiskRow> {
        (0..self.risks.len() + BLANK_ROWS)
            .map(|i| {
                let risk = self.risks.get(i);
                RiskRow {
                    prefix: format!("risk_{i}"),
                    id: risk.map(|r| r.id.to_string()).unwrap_or_default(),
                    label: risk.map(|r| r.label.clone()).unwrap_or_default(),
                    fixed: risk.is_some_and(|r| r.kind != "other"),
                    is_new: risk.is_none(),
                    place: risk.map(|r| r.place.clone()).unwrap_or_default(),
                    answers: Choice::list(
                        ANSWERS,
                        &[risk.map(|r| r.answer.clone()).unwrap_or_default()],
                    ),
                    channels: Choice::list(
                        CHANNELS,
                        &risk.map(|r| r.channels.clone()).unwrap_or_default(),
                    ),
                }
            })
            .collect()
    }

    // ---- As rows, for reading and comparing ----

    /// The mapping as (key, section, label, value) rows. Keys are stable
    /// across versions (fears and threats by id), so two versions compare
    /// row by row.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut add = |key: String, section: &'static str, label: String, value: String| {
            rows.push(Row {
                key,
                section,
                label,
                value,
            });
        };
        let s = "Deltakere og kilder";
        let participants: Vec<&str> = self
            .participants
            .iter()
            .map(|p| forms::option_label(self.participant_options(), p))
            .collect();
        add(
            "participants".into(),
            s,
            "Deltok".into(),
            participants.join(", "),
        );
        add(
            "participants_other".into(),
            s,
            "Andre".into(),
            self.participants_other.clone(),
        );
        add(
            "conversation_dates".into(),
            s,
            "Samtaler".into(),
            self.conversation_dates.clone(),
        );
        add(
            "violence".into(),
            "Vold",
            "Vold som er opplevd".into(),
            self.violence.clone(),
        );
        for fear in &self.fears {
            add(
                format!("fear:{}", fear.id),
                "Frykt",
                forms::option_label(self.fear_owners(), &fear.whose).to_owned(),
                fear.text.clone(),
            );
        }
        for risk in &self.risks {
            let channels: Vec<&str> = risk
                .channels
                .iter()
                .map(|c| forms::option_label(&CHANNELS, c))
                .collect();
            let mut value = forms::option_label(&ANSWERS, &risk.answer).to_owned();
            if value.is_empty() {
                value = "Ikke besvart".into();
            }
            if !risk.place.is_empty() {
                value.push_str(&format!(". Hvor: {}", risk.place));
            }
            if !channels.is_empty() {
                value.push_str(&format!(". Kanal: {}", channels.join(", ")));
            }
            add(
                format!("risk:{}", risk.id),
                "Risiko",
                risk.label.clone(),
                value,
            );
        }
        let d = "Digital sikkerhet";
        add(
            "digital_devices".into(),
            d,
            "Enheter".into(),
            self.digital.devices.clone(),
        );
        add(
            "digital_apps".into(),
            d,
            "Apper og sosiale medier".into(),
            self.digital.apps.clone(),
        );
        add(
            "digital_contacts".into(),
            d,
            "Kontakter som skal beholdes".into(),
            self.digital.contacts_to_keep.clone(),
        );
        add(
            "digital_risk".into(),
            d,
            "Risiko for å bli funnet".into(),
            self.digital.risk_of_being_found.clone(),
        );
        if self.child {
            let yes_no = |b: bool| if b { "Ja" } else { "Nei" }.to_owned();
            add(
                "spoke_with_child".into(),
                d,
                "Snakket med barnet om risiko på nett".into(),
                yes_no(self.digital.spoke_with_child),
            );
            add(
                "spoke_with_parent".into(),
                d,
                "Snakket med forelderen".into(),
                yes_no(self.digital.spoke_with_parent),
            );
            add(
                "parent_follows".into(),
                d,
                "Forelderen oppfordret til å følge med".into(),
                yes_no(self.digital.parent_follows),
            );
        }
        let v = "Samlet vurdering";
        add(
            "assessment".into(),
            v,
            "Vurdering".into(),
            forms::option_label(&ASSESSMENTS, &self.assessment).to_owned(),
        );
        add(
            "reasoning".into(),
            v,
            "Begrunnelse".into(),
            self.reasoning.clone(),
        );
        add(
            "relocation".into(),
            v,
            "Må flytting vurderes (§ 4 c)?".into(),
            forms::option_label(&RELOCATION, &self.relocation).to_owned(),
        );
        rows
    }
}

/// A fear's rows in the form; fields are named `{prefix}_id`, `{prefix}_text`…
pub struct FearRow {
    pub number: usize,
    pub prefix: String,
    pub id: String,
    pub text: String,
    pub is_new: bool,
    pub owners: Vec<Choice>,
}

/// A risk's rows in the form; a fixed risk keeps its label and cannot be removed.
pub struct RiskRow {
    pub prefix: String,
    pub id: String,
    pub label: String,
    pub fixed: bool,
    pub is_new: bool,
    pub place: String,
    pub answers: Vec<Choice>,
    pub channels: Vec<Choice>,
}

/// Two versions side by side, row by row; a fear or threat removed in `to`
/// is shown as removed, a new one as new.
pub fn compare(from: &Content, to: &Content) -> Vec<Compared> {
    crate::versioned::compare_rows(from.rows(), to.rows())
}
