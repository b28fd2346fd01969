//! The plan form: what was typed, kept as typed (`PlanForm`), and `parse`d
//! into `Content` or `FieldErrors`. Measures are numbered rows; their ids
//! come from the version being written, and the fears and threats they
//! answer only from the mapping the plan builds on.

use time::Date;
use uuid::Uuid;

use super::content::{ChildPart, Content, Link, Measure, Party, Police, School, SchoolStart};
use crate::forms::{self, Choice, FieldErrors, FormFields};

pub const TEXT_MAX: usize = 2_000;
/// P5: the child's part is short, and must print on one A4 page.
pub const CHILD_TEXT_MAX: usize = 250;
/// Empty measure rows offered (more after each save).
pub const BLANK_ROWS: usize = 3;
/// Rows beyond this are not read: no plan has so many measures.
pub const MAX_MEASURES: usize = 100;
/// An answer's label on a measure: the fear's or threat's start; the
/// mapping has the whole text. Bounds the page, measures × answers.
const ANSWER_LABEL_CHARS: usize = 80;

/// Everything the plan form holds, as typed.
#[derive(Clone, Debug, Default)]
pub struct PlanForm {
    pub child: bool,
    pub measures: Vec<MeasureFields>,
    pub school: SchoolFields,
    pub police: PoliceFields,
    pub shielded_address: String,
    pub child_part: ChildPart,
}

#[derive(Clone, Debug, Default)]
pub struct MeasureFields {
    pub id: String,
    pub party: String,
    pub party_name: String,
    pub text: String,
    pub from: String,
    pub until: String,
    /// Ids of fears and threats, as posted.
    pub answers: Vec<String>,
    pub restricts: bool,
    pub restriction_reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct SchoolFields {
    pub safe_to_start: String,
    pub required_first: String,
    pub contributes: String,
    pub if_perpetrator_comes: String,
    pub safest_places: String,
    pub riskiest_places: String,
    pub riskiest_on_extract: bool,
    pub outside_centre: String,
    pub may_collect: String,
    pub may_not_collect: String,
    pub whom_to_call: String,
}

#[derive(Clone, Debug, Default)]
pub struct PoliceFields {
    pub contacted_on: String,
    pub district: String,
    pub contact: String,
    pub agreed: String,
}

impl PlanForm {
    /// The form as a stored version fills it.
    pub fn from_content(c: &Content) -> Self {
        let date = |d: Option<Date>| d.map(crate::locale::date).unwrap_or_default();
        PlanForm {
            child: c.child,
            measures: c
                .measures
                .iter()
                .map(|m| MeasureFields {
                    id: m.id.to_string(),
                    party: m.party.code().to_owned(),
                    party_name: m.party_name.clone(),
                    text: m.text.clone(),
                    from: date(m.from),
                    until: date(m.until),
                    answers: m.answers.iter().map(Uuid::to_string).collect(),
                    restricts: m.restricts,
                    restriction_reason: m.restriction_reason.clone(),
                })
                .collect(),
            school: SchoolFields {
                safe_to_start: c
                    .school
                    .safe_to_start
                    .map(|s| s.code().to_owned())
                    .unwrap_or_default(),
                required_first: c.school.required_first.clone(),
                contributes: c.school.contributes.clone(),
                if_perpetrator_comes: c.school.if_perpetrator_comes.clone(),
                safest_places: c.school.safest_places.clone(),
                riskiest_places: c.school.riskiest_places.clone(),
                riskiest_on_extract: c.school.riskiest_on_extract,
                outside_centre: c.school.outside_centre.clone(),
                may_collect: c.school.may_collect.clone(),
                may_not_collect: c.school.may_not_collect.clone(),
                whom_to_call: c.school.whom_to_call.clone(),
            },
            police: PoliceFields {
                contacted_on: date(c.police.contacted_on),
                district: c.police.district.clone(),
                contact: c.police.contact.clone(),
                agreed: c.police.agreed.clone(),
            },
            shielded_address: c.shielded_address.clone(),
            child_part: c.child_part.clone(),
        }
    }

    /// The posted form: every measure row it sent (up to a sane number),
    /// less blank rows and rows ticked for removal.
    pub fn read(child: bool, f: &FormFields) -> Self {
        let text = |name: &str| f.get(name).trim().to_owned();
        // One row past the limit is read, so `read_typed` can refuse too
        // many and say so; more than that no form of ours sends, and
        // reading and showing back thousands would let one post cost seconds.
        let measures = (0..f.rows("measure", MAX_MEASURES + 1))
            .filter(|i| !f.checked(&format!("measure_{i}_remove")))
            .map(|i| {
                let field = |name: &str| text(&format!("measure_{i}_{name}"));
                MeasureFields {
                    id: field("id"),
                    party: field("party"),
                    party_name: field("party_name"),
                    text: field("text"),
                    from: field("from"),
                    until: field("until"),
                    answers: f.all(&format!("measure_{i}_answers")),
                    restricts: f.checked(&format!("measure_{i}_restricts")),
                    restriction_reason: field("restriction_reason"),
                }
            })
            .filter(|m| {
                !(m.text.is_empty()
                    && m.party_name.is_empty()
                    && m.from.is_empty()
                    && m.until.is_empty()
                    && m.answers.is_empty()
                    && !m.restricts
                    && m.restriction_reason.is_empty())
            })
            .collect();
        let (school, child_part) = if child {
            (
                SchoolFields {
                    safe_to_start: text("school_safe_to_start"),
                    required_first: text("school_required_first"),
                    contributes: text("school_contributes"),
                    if_perpetrator_comes: text("school_if_perpetrator_comes"),
                    safest_places: text("school_safest_places"),
                    riskiest_places: text("school_riskiest_places"),
                    riskiest_on_extract: f.checked("school_riskiest_on_extract"),
                    outside_centre: text("school_outside_centre"),
                    may_collect: text("school_may_collect"),
                    may_not_collect: text("school_may_not_collect"),
                    whom_to_call: text("school_whom_to_call"),
                },
                ChildPart {
                    can_do: text("child_can_do"),
                    avoid: text("child_avoid"),
                    if_frightening: text("child_if_frightening"),
                    shielded_address: text("child_shielded_address"),
                    online: text("child_online"),
                    trusted_adults: text("child_trusted_adults"),
                    mention_centre: f.checked("child_mention_centre"),
                },
            )
        } else {
            Default::default()
        };
        PlanForm {
            child,
            measures,
            school,
            police: PoliceFields {
                contacted_on: text("police_contacted_on"),
                district: text("police_district"),
                contact: text("police_contact"),
                agreed: text("police_agreed"),
            },
            shielded_address: text("shielded_address"),
            child_part,
        }
    }

    /// The typed plan, or what is wrong, field by field. Measure ids are
    /// kept only when `previous` has them; links only those `links` offers.
    pub fn parse(&self, previous: &Content, links: &[Link]) -> Result<Content, FieldErrors> {
        let (content, errors) = self.read_typed(previous, links);
        errors.into_result(|| content)
    }

    /// What can be read of an unfinished form, its errors aside: for the
    /// warnings shown while the plan is written, which must not wait for
    /// every date to be typed in full.
    pub fn best_reading(&self, previous: &Content, links: &[Link]) -> Content {
        self.read_typed(previous, links).0
    }

    fn read_typed(&self, previous: &Content, links: &[Link]) -> (Content, FieldErrors) {
        let mut errors = FieldErrors::default();
        if self.measures.len() > MAX_MEASURES {
            errors.add(
                "measure_0_text",
                format!("Høyst {MAX_MEASURES} tiltak i én plan. Slå sammen noen av dem."),
            );
        }
        let text = |errors: &mut FieldErrors, field: &'static str, raw: &str| {
            forms::optional_text(errors, field, raw, TEXT_MAX)
        };
        let p = &self.police;
        let contacted_on =
            forms::date_field(&mut errors, "police_contacted_on", &p.contacted_on, false);
        if contacted_on.is_some_and(|day| day > crate::locale::today()) {
            errors.add(
                "police_contacted_on",
                "Datoen for kontakten med politiet kan ikke være fram i tid.",
            );
        }
        let police = Police {
            contacted_on,
            district: text(&mut errors, "police_district", &p.district),
            contact: text(&mut errors, "police_contact", &p.contact),
            agreed: text(&mut errors, "police_agreed", &p.agreed),
        };
        let any_police = !(p.contacted_on.is_empty()
            && p.district.is_empty()
            && p.contact.is_empty()
            && p.agreed.is_empty());
        if any_police && p.contacted_on.is_empty() {
            errors.add(
                "police_contacted_on",
                "Skriv når politiet ble kontaktet, for eksempel 24.11.2026.",
            );
        }
        if any_police && p.agreed.is_empty() {
            errors.add("police_agreed", "Skriv hva som ble avtalt med politiet.");
        }
        let mut content = Content {
            child: self.child,
            police,
            shielded_address: text(&mut errors, "shielded_address", &self.shielded_address),
            ..Content::default()
        };
        if self.child {
            let s = &self.school;
            content.school = School {
                safe_to_start: forms::optional_code::<SchoolStart>(
                    &mut errors,
                    "school_safe_to_start",
                    &s.safe_to_start,
                    "Velg et av svarene.",
                ),
                required_first: text(&mut errors, "school_required_first", &s.required_first),
                contributes: text(&mut errors, "school_contributes", &s.contributes),
                if_perpetrator_comes: text(
                    &mut errors,
                    "school_if_perpetrator_comes",
                    &s.if_perpetrator_comes,
                ),
                safest_places: text(&mut errors, "school_safest_places", &s.safest_places),
                riskiest_places: text(&mut errors, "school_riskiest_places", &s.riskiest_places),
                riskiest_on_extract: s.riskiest_on_extract,
                outside_centre: text(&mut errors, "school_outside_centre", &s.outside_centre),
                may_collect: text(&mut errors, "school_may_collect", &s.may_collect),
                may_not_collect: text(&mut errors, "school_may_not_collect", &s.may_not_collect),
                whom_to_call: text(&mut errors, "school_whom_to_call", &s.whom_to_call),
            };
            let c = &self.child_part;
            let short = |errors: &mut FieldErrors, field: &'static str, raw: &str| {
                forms::optional_text(errors, field, raw, CHILD_TEXT_MAX)
            };
            content.child_part = ChildPart {
                can_do: short(&mut errors, "child_can_do", &c.can_do),
                avoid: short(&mut errors, "child_avoid", &c.avoid),
                if_frightening: short(&mut errors, "child_if_frightening", &c.if_frightening),
                shielded_address: short(&mut errors, "child_shielded_address", &c.shielded_address),
                online: short(&mut errors, "child_online", &c.online),
                trusted_adults: short(&mut errors, "child_trusted_adults", &c.trusted_adults),
                mention_centre: c.mention_centre,
            };
        }
        let parties = Party::options(self.child);
        for (i, m) in self.measures.iter().enumerate() {
            if let Some(measure) = parse_measure(&mut errors, i, m, parties, previous, links) {
                content.measures.push(measure);
            }
        }
        (content, errors)
    }

    // ---- For the template ----

    pub fn school_start_choices(&self) -> Vec<Choice> {
        Choice::of(
            SchoolStart::ALL,
            std::slice::from_ref(&self.school.safe_to_start),
        )
    }

    /// The measure rows of the form: the measures, then blank rows.
    pub fn measure_rows(&self, links: &[Link], errors: &FieldErrors) -> Vec<MeasureRow> {
        let parties = Party::options(self.child);
        let shown = (self.measures.len() + BLANK_ROWS).min(MAX_MEASURES.max(self.measures.len()));
        (0..shown)
            .map(|i| {
                let m = self.measures.get(i);
                let prefix = format!("measure_{i}");
                let error = |name: &str| errors.get(&format!("{prefix}_{name}")).map(str::to_owned);
                let answered = |l: &Link| m.is_some_and(|m| m.answers.contains(&l.id.to_string()));
                MeasureRow {
                    number: i + 1,
                    id: m.map(|m| m.id.clone()).unwrap_or_default(),
                    parties: Choice::of(parties, &[m.map(|m| m.party.clone()).unwrap_or_default()]),
                    party_name: m.map(|m| m.party_name.clone()).unwrap_or_default(),
                    text: m.map(|m| m.text.clone()).unwrap_or_default(),
                    from: m.map(|m| m.from.clone()).unwrap_or_default(),
                    until: m.map(|m| m.until.clone()).unwrap_or_default(),
                    answers: links
                        .iter()
                        .map(|l| Choice {
                            value: l.id.to_string(),
                            label: shortened(&l.label, ANSWER_LABEL_CHARS),
                            checked: answered(l),
                        })
                        .collect(),
                    restricts: m.is_some_and(|m| m.restricts),
                    restriction_reason: m.map(|m| m.restriction_reason.clone()).unwrap_or_default(),
                    restriction_reason_error: error("restriction_reason"),
                    unlinked: m.is_some_and(|_| !links.iter().any(answered)),
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
}

/// One measure row; its messages name the row ("Tiltak 3: …") so the
/// error summary says which. `None` when its party cannot be read.
fn parse_measure(
    errors: &mut FieldErrors,
    i: usize,
    m: &MeasureFields,
    parties: &[Party],
    previous: &Content,
    links: &[Link],
) -> Option<Measure> {
    let name = |field: &str| format!("measure_{i}_{field}");
    let n = i + 1;
    let count = m.text.chars().count();
    if m.text.is_empty() {
        errors.add(
            name("text"),
            format!("Tiltak {n}: skriv hva som skal gjøres."),
        );
    } else if count > TEXT_MAX {
        errors.add(
            name("text"),
            format!("Tiltak {n}: teksten er for lang, {count} tegn, høyst {TEXT_MAX} er tillatt."),
        );
    }
    let party = Party::parse(&m.party).filter(|p| parties.contains(p));
    if party.is_none() {
        errors.add(
            name("party"),
            format!("Tiltak {n}: velg hvem som har ansvaret."),
        );
    }
    if party == Some(Party::Other) && m.party_name.is_empty() {
        errors.add(
            name("party_name"),
            format!("Tiltak {n}: skriv hvem som har ansvaret."),
        );
    }
    if m.party_name.chars().count() > 200 {
        errors.add(
            name("party_name"),
            format!("Tiltak {n}: navnet er for langt, høyst 200 tegn."),
        );
    }
    let mut date = |field: &str, raw: &str| {
        if raw.is_empty() {
            return None;
        }
        let parsed = crate::locale::parse_date(raw);
        if parsed.is_none() {
            errors.add(
                name(field),
                format!("Tiltak {n}: skriv datoen som dd.mm.åååå, for eksempel 24.11.2026."),
            );
        }
        parsed
    };
    let from = date("from", &m.from);
    let until = date("until", &m.until);
    if let (Some(from), Some(until)) = (from, until) {
        if until < from {
            errors.add(
                name("until"),
                format!("Tiltak {n}: sluttdatoen kan ikke være før startdatoen."),
            );
        }
    }
    Some(Measure {
        id: Uuid::parse_str(&m.id)
            .ok()
            .filter(|id| previous.measures.iter().any(|p| p.id == *id))
            .unwrap_or_else(Uuid::new_v4),
        party: party?,
        party_name: m.party_name.clone(),
        text: m.text.clone(),
        from,
        until,
        answers: m
            .answers
            .iter()
            .filter_map(|raw| Uuid::parse_str(raw).ok())
            .filter(|id| links.iter().any(|l| l.id == *id))
            .collect(),
        restricts: m.restricts,
        restriction_reason: forms::optional_text(
            errors,
            name("restriction_reason"),
            &m.restriction_reason,
            2_000,
        ),
    })
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
    pub restriction_reason: String,
    pub restriction_reason_error: Option<String>,
    pub unlinked: bool,
    pub is_new: bool,
    pub text_error: Option<String>,
    pub party_error: Option<String>,
    pub party_name_error: Option<String>,
    pub from_error: Option<String>,
    pub until_error: Option<String>,
}

/// `text` cut at `max` characters, with an ellipsis when cut.
fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_parse_with_parties_dates_and_only_offered_links() {
        let fear = Link {
            id: Uuid::new_v4(),
            label: "Barnet frykter: at pappa kommer".into(),
            is_threat: false,
            is_concrete: false,
        };
        let foreign = Uuid::new_v4().to_string();
        let fear_id = fear.id.to_string();
        let form = PlanForm::read(
            true,
            &FormFields::of(&[
                ("measure_0_text", "Følges til skolen"),
                ("measure_0_party", "parent"),
                ("measure_0_from", "1.12.2026"),
                ("measure_0_answers", &fear_id),
                ("measure_0_answers", &foreign),
                ("measure_1_text", ""), // blank: not a measure
                ("measure_2_text", "Fjernes"),
                ("measure_2_party", "child"),
                ("measure_2_remove", "on"),
                ("school_safe_to_start", "after_measures"),
            ]),
        );
        let content = form
            .parse(&Content::empty(true), std::slice::from_ref(&fear))
            .unwrap();
        assert_eq!(content.measures.len(), 1);
        let m = &content.measures[0];
        assert_eq!(m.party, Party::Parent);
        assert_eq!(
            m.from,
            Date::from_calendar_date(2026, time::Month::December, 1).ok()
        );
        assert_eq!(
            m.answers,
            [fear.id],
            "P7: only the mapping's fears and threats"
        );
        assert_eq!(
            content.school.safe_to_start,
            Some(SchoolStart::AfterMeasures)
        );
        assert_eq!(
            PlanForm::from_content(&content).measures[0].from,
            "01.12.2026"
        );
    }

    #[test]
    fn a_plan_holds_at_most_a_hundred_measures_and_says_so() {
        let pairs = (0..=MAX_MEASURES)
            .flat_map(|i| {
                [
                    (format!("measure_{i}_text"), format!("Tiltak {i}")),
                    (format!("measure_{i}_party"), "resident".to_owned()),
                ]
            })
            .collect();
        let form = PlanForm::read(false, &FormFields::new(pairs));
        assert_eq!(form.measures.len(), MAX_MEASURES + 1, "all typed is kept");
        let errors = form.parse(&Content::empty(false), &[]).unwrap_err();
        let message = errors.get("measure_0_text").unwrap_or_default();
        assert!(message.contains("Høyst 100 tiltak"), "{message}");
    }

    #[test]
    fn the_largest_plan_form_fits_under_the_field_limit() {
        // Each measure: its own fields, and a box for every fear and threat.
        let per_measure = 10 + 2 * crate::mapping::form::MAX_ROWS;
        assert!(MAX_MEASURES * per_measure + 200 < crate::forms::MAX_FIELDS);
    }

    #[test]
    fn an_answer_label_is_cut_with_an_ellipsis() {
        assert_eq!(shortened("frykt", 10), "frykt");
        assert_eq!(shortened("at pappa kommer", 8), "at pappa…");
        assert_eq!(shortened("ææææ", 2), "ææ…");
    }

    #[test]
    fn a_bad_row_names_itself_and_keeps_what_was_typed() {
        let form = PlanForm::read(
            false,
            &FormFields::of(&[
                ("measure_0_text", "Ok"),
                ("measure_0_party", "resident"),
                ("measure_1_text", "Skolen passer på"),
                ("measure_1_party", "school"), // not an adult's party
                ("measure_1_from", "31.12.2026"),
                ("measure_1_until", "01.12.2026"),
                ("police_district", "Øst"),
            ]),
        );
        let errors = form.parse(&Content::empty(false), &[]).unwrap_err();
        assert_eq!(
            errors.get("measure_1_party"),
            Some("Tiltak 2: velg hvem som har ansvaret.")
        );
        assert!(errors.get("measure_1_until").is_some());
        assert!(errors.get("police_contacted_on").is_some(), "P4: when");
        assert!(errors.get("police_agreed").is_some(), "P4: what was agreed");
        assert_eq!(form.measures[1].party, "school");
        // The warnings still read what can be read.
        assert_eq!(
            form.best_reading(&Content::empty(false), &[])
                .measures
                .len(),
            1
        );
    }
}
