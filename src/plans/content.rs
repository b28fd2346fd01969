//! What a safety plan holds (P2–P8), how its form is read, what a reviewer
//! must be warned of (P4, P6, P7, P9), and how it reads as rows for comparing
//! two versions.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::forms::{self, Choice, FieldErrors, FormFields};
use crate::mapping;
use crate::versioned::Row;

pub const TEXT_MAX: usize = 2_000;
/// P5: the child's part is short, and must print on one A4 page.
pub const CHILD_TEXT_MAX: usize = 250;
/// Empty measure rows offered (more after each save).
pub const BLANK_ROWS: usize = 3;
/// Rows beyond this are not read: no plan has so many measures.
pub const MAX_MEASURES: usize = 200;
/// P5: the child's own part is for children of school age.
pub const SCHOOL_AGE: i32 = 6;

/// P2: every measure has exactly one of these as responsible party.
pub const CHILD_PARTIES: [(&str, &str); 6] = [
    ("child", "Barnet"),
    ("parent", "Forelderen"),
    ("centre", "Krisesenteret"),
    ("school", "Barnehagen eller skolen"),
    ("police", "Politiet"),
    ("other", "Andre"),
];
pub const ADULT_PARTIES: [(&str, &str); 4] = [
    ("resident", "Beboeren"),
    ("centre", "Krisesenteret"),
    ("police", "Politiet"),
    ("other", "Andre"),
];
pub const SCHOOL_START: [(&str, &str); 3] = [
    ("yes", "Ja"),
    ("after_measures", "Ja, når tiltakene under er på plass"),
    ("not_yet", "Nei, ikke nå"),
];

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
    pub party: String,
    /// Who, when the party is `other`.
    pub party_name: String,
    pub text: String,
    /// dd.mm.åååå as typed, checked.
    pub from: String,
    pub until: String,
    /// P7: the fears (M4) and threats (M5) of the mapping it answers.
    pub answers: Vec<Uuid>,
    /// P6: it limits the child's everyday life (school, friends, going out, online).
    pub restricts: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub safe_to_start: String,
    pub required_first: String,
    pub contributes: String,
    pub if_perpetrator_comes: String,
    pub safest_places: String,
    pub riskiest_places: String,
    pub outside_centre: String,
}

impl School {
    /// The section as (field, label, answer) rows: on the plan, in the
    /// school's extract, and when versions are compared.
    pub fn answers(&self) -> [(&'static str, &'static str, String); 7] {
        [
            (
                "school_safe_to_start",
                "Er det trygt for barnet å starte?",
                forms::option_label(&SCHOOL_START, &self.safe_to_start).to_owned(),
            ),
            (
                "school_required_first",
                "Dette må være på plass først",
                self.required_first.clone(),
            ),
            (
                "school_contributes",
                "Dette bidrar barnehagen eller skolen med",
                self.contributes.clone(),
            ),
            (
                "school_if_perpetrator_comes",
                "Dette gjør de ansatte hvis utøveren oppsøker barnet",
                self.if_perpetrator_comes.clone(),
            ),
            (
                "school_safest_places",
                "Tryggeste steder",
                self.safest_places.clone(),
            ),
            (
                "school_riskiest_places",
                "Mest risikable steder",
                self.riskiest_places.clone(),
            ),
            (
                "school_outside_centre",
                "Slik er barnet trygt utenfor krisesenteret",
                self.outside_centre.clone(),
            ),
        ]
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Police {
    pub contacted_on: String,
    pub district: String,
    /// Name and role of whom the centre spoke to.
    pub contact: String,
    pub agreed: String,
}

impl Police {
    pub fn is_recorded(&self) -> bool {
        !self.contacted_on.is_empty() && !self.agreed.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChildPart {
    pub can_do: String,
    pub avoid: String,
    pub if_frightening: String,
    pub shielded_address: String,
    pub online: String,
}

/// One question of the child's own part (P5), in the child's words.
pub struct ChildQuestion<'a> {
    /// The form field; also the row's key when versions are compared.
    pub field: &'static str,
    pub question: &'static str,
    pub answer: &'a str,
    /// What to say when the plan is sent without an answer, if it needs one.
    pub required: Option<&'static str>,
}

impl ChildPart {
    pub fn is_empty(&self) -> bool {
        self == &ChildPart::default()
    }

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
                ask(
                    "child_shielded_address",
                    "Hva kan jeg gjøre fordi krisesenteret har skjermet adresse?",
                    &self.shielded_address,
                    Some("Skriv sammen med barnet hva det kan gjøre fordi krisesenteret har skjermet adresse."),
                ),
            );
        }
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
}

/// The fears, and the risks not answered "no", of a mapping version.
pub fn links_of(mapping: &mapping::Content) -> Vec<Link> {
    let fears = mapping.fears.iter().map(|f| Link {
        id: f.id,
        label: format!(
            "{}: {}",
            if f.whose == "parent" {
                "Forelderen frykter"
            } else if mapping.child {
                "Barnet frykter"
            } else {
                "Frykter"
            },
            f.text
        ),
        is_threat: false,
    });
    let threats = mapping
        .risks
        .iter()
        .filter(|r| r.answer == "yes" || r.answer == "unknown")
        .map(|r| Link {
            id: r.id,
            label: format!(
                "Trussel: {}{}",
                r.label,
                if r.answer == "unknown" {
                    " (usikkert)"
                } else {
                    ""
                }
            ),
            is_threat: true,
        });
    fears.chain(threats).collect()
}

/// What the plan's context says: the person, the centre, the mapping.
pub struct Context<'a> {
    pub child: bool,
    pub school_age: bool,
    pub shielded_centre: bool,
    pub mapping: &'a mapping::Content,
    pub links: &'a [Link],
}

/// Warnings for the one who writes the plan and the one who reviews it.
/// None stops a save; an unlinked measure stops an approval without reason.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// P7: measures that answer no fear or threat.
    pub unlinked: Vec<String>,
    /// P6: why the plan may put too much on the child.
    pub child_burden: Vec<String>,
    /// P4, P9: why the police must be involved, when no contact is recorded.
    pub police_missing: Vec<String>,
}

impl Flags {
    pub fn is_empty(&self) -> bool {
        self.unlinked.is_empty() && self.child_burden.is_empty() && self.police_missing.is_empty()
    }
}

impl Content {
    pub fn empty(child: bool) -> Self {
        Content {
            child,
            ..Content::default()
        }
    }

    pub fn parties(&self) -> &'static [(&'static str, &'static str)] {
        if self.child {
            &CHILD_PARTIES
        } else {
            &ADULT_PARTIES
        }
    }

    /// Keeps only the links `links` still offers: after the plan moves to a
    /// newer mapping, a measure whose fear or threat is gone shows as unlinked.
    pub fn keep_links(&mut self, links: &[Link]) {
        for m in &mut self.measures {
            m.answers.retain(|id| links.iter().any(|l| l.id == *id));
        }
    }

    /// Reads the posted form over `previous`: ids of measures come from it,
    /// links only from `links`.
    pub fn from_form(previous: &Content, links: &[Link], f: &FormFields) -> (Content, FieldErrors) {
        let mut errors = FieldErrors::default();
        let text = |errors: &mut FieldErrors, name: &'static str| {
            forms::optional_text(errors, name, f.get(name), TEXT_MAX)
        };
        let mut c = Content {
            child: previous.child,
            shielded_address: text(&mut errors, "shielded_address"),
            police: Police {
                contacted_on: text(&mut errors, "police_contacted_on"),
                district: text(&mut errors, "police_district"),
                contact: text(&mut errors, "police_contact"),
                agreed: text(&mut errors, "police_agreed"),
            },
            ..Content::default()
        };
        if let Some(day) = forms::date_field(
            &mut errors,
            "police_contacted_on",
            &c.police.contacted_on,
            false,
        ) {
            if day > crate::locale::today() {
                errors.add(
                    "police_contacted_on",
                    "Datoen for kontakten med politiet kan ikke være fram i tid.",
                );
            }
            c.police.contacted_on = crate::locale::date(day);
        }
        let police = &c.police;
        let any_police = !(police.contacted_on.is_empty()
            && police.district.is_empty()
            && police.contact.is_empty()
            && police.agreed.is_empty());
        if any_police && police.contacted_on.is_empty() {
            errors.add(
                "police_contacted_on",
                "Skriv når politiet ble kontaktet, for eksempel 24.11.2026.",
            );
        }
        if any_police && police.agreed.is_empty() {
            errors.add("police_agreed", "Skriv hva som ble avtalt med politiet.");
        }
        if c.child {
            c.school = School {
                safe_to_start: f.get("school_safe_to_start").to_owned(),
                required_first: text(&mut errors, "school_required_first"),
                contributes: text(&mut errors, "school_contributes"),
                if_perpetrator_comes: text(&mut errors, "school_if_perpetrator_comes"),
                safest_places: text(&mut errors, "school_safest_places"),
                riskiest_places: text(&mut errors, "school_riskiest_places"),
                outside_centre: text(&mut errors, "school_outside_centre"),
            };
            if !c.school.safe_to_start.is_empty()
                && forms::option_label(&SCHOOL_START, &c.school.safe_to_start).is_empty()
            {
                errors.add("school_safe_to_start", "Velg et av svarene.");
            }
            let short = |errors: &mut FieldErrors, name: &'static str| {
                forms::optional_text(errors, name, f.get(name), CHILD_TEXT_MAX)
            };
            c.child_part = ChildPart {
                can_do: short(&mut errors, "child_can_do"),
                avoid: short(&mut errors, "child_avoid"),
                if_frightening: short(&mut errors, "child_if_frightening"),
                shielded_address: short(&mut errors, "child_shielded_address"),
                online: short(&mut errors, "child_online"),
            };
        }

        let parties = c.parties();
        // Every row the form sent, up to a sane number.
        let rows =
            f.0.iter()
                .filter_map(|(name, _)| {
                    let rest = name.strip_prefix("measure_")?;
                    rest.split('_').next()?.parse::<usize>().ok()
                })
                .filter(|i| *i < MAX_MEASURES)
                .max()
                .map_or(0, |i| i + 1);
        for i in 0..rows {
            let field = |name: &str| f.get(&format!("measure_{i}_{name}")).trim().to_owned();
            if !field("remove").is_empty() {
                continue;
            }
            let measure = Measure {
                id: Uuid::parse_str(&field("id"))
                    .ok()
                    .filter(|id| previous.measures.iter().any(|m| m.id == *id))
                    .unwrap_or_else(Uuid::new_v4),
                party: field("party"),
                party_name: field("party_name"),
                text: field("text"),
                from: field("from"),
                until: field("until"),
                answers: f
                    .all(&format!("measure_{i}_answers"))
                    .iter()
                    .filter_map(|raw| Uuid::parse_str(raw).ok())
                    .filter(|id| links.iter().any(|l| l.id == *id))
                    .collect(),
                restricts: !field("restricts").is_empty(),
            };
            let blank = measure.text.is_empty()
                && measure.party_name.is_empty()
                && measure.from.is_empty()
                && measure.until.is_empty()
                && measure.answers.is_empty()
                && !measure.restricts;
            if blank {
                continue;
            }
            let mut measure = measure;
            check_measure(&mut errors, i, &mut measure, parties);
            c.measures.push(measure);
        }
        (c, errors)
    }

    /// What "Send til godkjenning" needs beyond what a draft needs.
    pub fn check_submit(&self, ctx: &Context, errors: &mut FieldErrors) {
        if self.measures.is_empty() {
            errors.add(
                "measures",
                "Planen må ha minst ett tiltak før den sendes til godkjenning.",
            );
        }
        if ctx.shielded_centre && self.shielded_address.is_empty() {
            errors.add(
                "shielded_address",
                "Krisesenteret har skjermet adresse: skriv hva det betyr for planen.",
            );
        }
        if ctx.child && ctx.school_age {
            for q in self.child_part.questions(ctx.shielded_centre) {
                if let (Some(missing), "") = (q.required, q.answer) {
                    errors.add(q.field, missing);
                }
            }
        }
    }

    pub fn party_label(&self, measure: &Measure) -> String {
        let party = forms::option_label(self.parties(), &measure.party);
        if measure.party == "other" && !measure.party_name.is_empty() {
            format!("{party}: {}", measure.party_name)
        } else {
            party.to_owned()
        }
    }

    /// The measures of each party, in the order of the parties, then by when
    /// they start. Parties without measures are left out.
    pub fn by_party(&self) -> Vec<(&'static str, Vec<&Measure>)> {
        self.parties()
            .iter()
            .filter_map(|(code, name)| {
                let measures: Vec<&Measure> =
                    self.measures.iter().filter(|m| m.party == *code).collect();
                (!measures.is_empty()).then_some((*name, measures))
            })
            .collect()
    }

    pub fn flags(&self, ctx: &Context) -> Flags {
        let mut flags = Flags {
            unlinked: self
                .measures
                .iter()
                .filter(|m| m.answers.is_empty())
                .map(|m| m.text.clone())
                .collect(),
            ..Flags::default()
        };
        if ctx.child {
            let on_child = self.measures.iter().filter(|m| m.party == "child").count();
            let on_adults = self.measures.len() - on_child;
            if on_child > on_adults {
                flags.child_burden.push(format!(
                    "Barnet har ansvar for {on_child} tiltak, de voksne for {on_adults}. De voksne skal bære mer av sikkerheten enn barnet."
                ));
            }
            for m in self.measures.iter().filter(|m| {
                m.party == "child"
                    && m.restricts
                    && !m
                        .answers
                        .iter()
                        .any(|id| ctx.links.iter().any(|l| l.id == *id && l.is_threat))
            }) {
                flags.child_burden.push(format!(
                    "«{}» begrenser barnets hverdag, men svarer ikke på noen konkret trussel i kartleggingen.",
                    m.text
                ));
            }
        }
        if !self.police.is_recorded() {
            if ctx.mapping.assessment == "severe" {
                flags
                    .police_missing
                    .push("Kartleggingen vurderer trusselbildet som alvorlig.".into());
            }
            if ctx.mapping.relocation == "yes" {
                flags.police_missing.push(
                    "Kartleggingen sier at flytting til et annet krisesenter må vurderes (§ 4 c)."
                        .into(),
                );
            }
            if self.measures.iter().any(|m| m.party == "police") {
                flags
                    .police_missing
                    .push("Planen har tiltak som politiet har ansvar for.".into());
            }
        }
        flags
    }

    // ---- For the form ----

    pub fn school_start_choices(&self) -> Vec<Choice> {
        Choice::list(
            SCHOOL_START,
            std::slice::from_ref(&self.school.safe_to_start),
        )
    }

    /// The measure rows of the form: the measures, then blank rows.
    pub fn measure_rows(&self, links: &[Link], errors: &FieldErrors) -> Vec<MeasureRow> {
        (0..self.measures.len() + BLANK_ROWS)
            .map(|i| {
                let m = self.measures.get(i);
                let prefix = format!("measure_{i}");
                let error = |name: &str| errors.get(&format!("{prefix}_{name}")).map(str::to_owned);
                MeasureRow {
                    number: i + 1,
                    id: m.map(|m| m.id.to_string()).unwrap_or_default(),
                    parties: Choice::list(
                        self.parties().iter().copied(),
                        &[m.map(|m| m.party.clone()).unwrap_or_default()],
                    ),
                    party_name: m.map(|m| m.party_name.clone()).unwrap_or_default(),
                    text: m.map(|m| m.text.clone()).unwrap_or_default(),
                    from: m.map(|m| m.from.clone()).unwrap_or_default(),
                    until: m.map(|m| m.until.clone()).unwrap_or_default(),
                    answers: links
                        .iter()
                        .map(|l| Choice {
                            value: l.id.to_string(),
                            label: l.label.clone(),
                            checked: m.is_some_and(|m| m.answers.contains(&l.id)),
                        })
                        .collect(),
                    restricts: m.is_some_and(|m| m.restricts),
                    unlinked: m.is_some_and(|m| m.answers.is_empty()),
                    is_new: m.is_none(),
                    text_error: error("text"),
                    party_error: error("party"),
                    party_name_error: error("party_name"),
                    from_error: error("from"),
                    until_error: error("until"),
                    prefix,
                }
            })
            .collect()
    }

    // ---- As rows, for comparing ----

    /// The plan as (key, section, label, value) rows; measures keyed by id.
    pub fn rows(&self, links: &[Link]) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut add = |key: String, section: &'static str, label: String, value: String| {
            rows.push(Row {
                key,
                section,
                label,
                value,
            });
        };
        for (party, measures) in self.by_party() {
            for m in measures {
                add(
                    format!("measure:{}", m.id),
                    party,
                    self.party_label(m),
                    m.describe(links),
                );
            }
        }
        if self.child {
            for (key, label_text, value) in self.school.answers() {
                add(
                    key.into(),
                    "Barnehage eller skole",
                    label_text.into(),
                    value,
                );
            }
        }
        let p = "Politiet";
        for (key, label_text, value) in [
            (
                "police_contacted_on",
                "Kontaktet",
                self.police.contacted_on.clone(),
            ),
            (
                "police_district",
                "Politidistrikt",
                self.police.district.clone(),
            ),
            (
                "police_contact",
                "Hvem (navn, rolle)",
                self.police.contact.clone(),
            ),
            ("police_agreed", "Avtalt", self.police.agreed.clone()),
        ] {
            add(key.into(), p, label_text.into(), value);
        }
        add(
            "shielded_address".into(),
            "Skjermet adresse",
            "Skjermet adresse".into(),
            self.shielded_address.clone(),
        );
        if self.child {
            // Every question, so a version from before a change of the
            // centre's shielded address compares with one after it.
            for q in self.child_part.questions(true) {
                add(
                    q.field.into(),
                    "Barnets egen del",
                    q.question.into(),
                    q.answer.to_owned(),
                );
            }
        }
        rows
    }
}

impl Measure {
    /// What, when, and what it answers, as one line.
    pub fn describe(&self, links: &[Link]) -> String {
        let mut out = self.text.trim_end_matches('.').to_owned();
        let when = self.when();
        if !when.is_empty() {
            out.push_str(&format!(". {when}"));
        }
        if self.restricts {
            out.push_str(". Begrenser barnets hverdag");
        }
        let answers = self.answer_labels(links);
        if answers.is_empty() {
            out.push_str(". Svarer ikke på noen frykt eller trussel");
        } else {
            out.push_str(&format!(". Svarer på: {}", answers.join("; ")));
        }
        out
    }

    pub fn when(&self) -> String {
        match (self.from.is_empty(), self.until.is_empty()) {
            (false, false) => format!("Fra {} til {}", self.from, self.until),
            (false, true) => format!("Fra {}", self.from),
            (true, false) => format!("Til {}", self.until),
            (true, true) => String::new(),
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

fn check_measure(
    errors: &mut FieldErrors,
    i: usize,
    m: &mut Measure,
    parties: &[(&'static str, &'static str)],
) {
    let name = |field: &str| format!("measure_{i}_{field}");
    let n = i + 1;
    if m.text.is_empty() {
        errors.add(
            name("text"),
            format!("Tiltak {n}: skriv hva som skal gjøres."),
        );
    } else if m.text.chars().count() > TEXT_MAX {
        errors.add(
            name("text"),
            format!(
                "Tiltak {n}: teksten er for lang, {} tegn, mest {TEXT_MAX} er tillatt.",
                m.text.chars().count()
            ),
        );
    }
    if forms::option_label(parties, &m.party).is_empty() {
        errors.add(
            name("party"),
            format!("Tiltak {n}: velg hvem som har ansvaret."),
        );
    }
    if m.party == "other" && m.party_name.is_empty() {
        errors.add(
            name("party_name"),
            format!("Tiltak {n}: skriv hvem den andre parten er."),
        );
    }
    if m.party_name.chars().count() > 200 {
        errors.add(
            name("party_name"),
            format!("Tiltak {n}: navnet er for langt, mest 200 tegn."),
        );
    }
    let mut dates = [None, None];
    for (slot, field) in dates.iter_mut().zip(["from", "until"]) {
        let raw = if field == "from" { &m.from } else { &m.until };
        if raw.is_empty() {
            continue;
        }
        match crate::locale::parse_date(raw) {
            Some(day) => *slot = Some(day),
            None => errors.add(
                name(field),
                format!("Tiltak {n}: skriv datoen som dd.mm.åååå, for eksempel 24.11.2026."),
            ),
        }
    }
    if let [Some(from), Some(until)] = dates {
        if until < from {
            errors.add(
                name("until"),
                format!("Tiltak {n}: sluttdatoen kan ikke være før startdatoen."),
            );
        }
    }
    if let Some(from) = dates[0] {
        m.from = crate::locale::date(from);
    }
    if let Some(until) = dates[1] {
        m.until = crate::locale::date(until);
    }
}

/// A measure's fields in the form, named `{prefix}_text`, `{prefix}_party`…
pub struct MeasureRow {
    pub number: usize,
    pub prefix: String,
    pub id: String,
    pub parties: Vec<Choice>,
    pub party_name: String,
    pub text: String,
    pub from: String,
    pub until: String,
    pub answers: Vec<Choice>,
    pub restricts: bool,
    pub unlinked: bool,
    pub is_new: bool,
    pub text_error: Option<String>,
    pub party_error: Option<String>,
    pub party_name_error: Option<String>,
    pub from_error: Option<String>,
    pub until_error: Option<String>,
}
