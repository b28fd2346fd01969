//! The mapping form: what was typed, kept as typed (`MappingForm`), and
//! `parse`d into `Content` or `FieldErrors`. Fears and threats are numbered
//! rows; their ids, and which risks are fixed, come from the version being
//! written, never from the form alone.

use time::Date;
use uuid::Uuid;

use super::content::{
    Answer, Assessment, Channel, Content, Digital, Fear, Participant, Relocation, Risk, RiskKind,
    Whose,
};
use crate::codes::Code;
use crate::forms::{self, Choice, FieldErrors, FormFields};

pub const LONG_TEXT_MAX: usize = 10_000;
pub const ITEM_TEXT_MAX: usize = 2_000;
/// Empty rows offered for new fears and threats (more after each save).
pub const BLANK_ROWS: usize = 2;

/// The rows, and blank ones, up to the limit (or all typed, past it).
fn rows_to_show(filled: usize) -> usize {
    (filled + BLANK_ROWS).min(MAX_ROWS.max(filled))
}
/// Rows beyond this are not read: no mapping has so many fears or threats.
/// Fears, and threats, in one mapping: far more than any real one has. The
/// plan page offers each as an answer on each measure, so this bounds it.
pub const MAX_ROWS: usize = 60;

/// Everything the mapping form holds, as typed.
#[derive(Clone, Debug, Default)]
pub struct MappingForm {
    pub child: bool,
    pub participants: Vec<String>,
    pub participants_other: String,
    pub conversation_dates: String,
    pub violence: String,
    pub fears: Vec<FearFields>,
    pub risks: Vec<RiskFields>,
    pub digital: Digital,
    pub assessment: String,
    pub reasoning: String,
    pub relocation: String,
}

#[derive(Clone, Debug, Default)]
pub struct FearFields {
    /// The id of a fear of the version being written, or "" for a new one.
    pub id: String,
    pub whose: String,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct RiskFields {
    pub id: String,
    /// Known from the version being written; `Other` for a new threat.
    pub kind: RiskKind,
    pub label: String,
    pub answer: String,
    pub place: String,
    pub channels: Vec<String>,
}

impl MappingForm {
    /// The form as a stored version fills it.
    pub fn from_content(c: &Content) -> Self {
        MappingForm {
            child: c.child,
            participants: c.participants.iter().map(|p| p.code().to_owned()).collect(),
            participants_other: c.participants_other.clone(),
            conversation_dates: c
                .conversation_dates
                .iter()
                .map(|d| crate::locale::date(*d))
                .collect::<Vec<_>>()
                .join(", "),
            violence: c.violence.clone(),
            fears: c
                .fears
                .iter()
                .map(|f| FearFields {
                    id: f.id.to_string(),
                    whose: f.whose.code().to_owned(),
                    text: f.text.clone(),
                })
                .collect(),
            risks: c
                .risks
                .iter()
                .map(|r| RiskFields {
                    id: r.id.to_string(),
                    kind: r.kind,
                    label: r.label.clone(),
                    answer: r.answer.map(|a| a.code().to_owned()).unwrap_or_default(),
                    place: r.place.clone(),
                    channels: r.channels.iter().map(|c| c.code().to_owned()).collect(),
                })
                .collect(),
            digital: c.digital.clone(),
            assessment: code_of(c.assessment),
            reasoning: c.reasoning.clone(),
            relocation: code_of(c.relocation),
        }
    }

    /// The posted form, over the version being written (`previous`): its
    /// rows by number; empty rows and rows ticked for removal are left out.
    pub fn read(previous: &Content, f: &FormFields) -> Self {
        let text = |name: &str| f.get(name).trim().to_owned();
        // Every row the form sent: a form shown again after an error
        // offers more rows than the version being written has.
        // One row past the limit is read, so `parse` can refuse too many
        // and say so; more than that no form of ours sends, and reading
        // and showing back thousands would let one post cost seconds.
        let fears = (0..f.rows("fear", MAX_ROWS + 1))
            .filter(|i| !f.checked(&format!("fear_{i}_remove")))
            .map(|i| FearFields {
                id: text(&format!("fear_{i}_id")),
                whose: text(&format!("fear_{i}_whose")),
                text: text(&format!("fear_{i}_text")),
            })
            .filter(|fear| !fear.text.is_empty())
            .collect();
        let mut risks = Vec::new();
        for i in 0..f.rows("risk", MAX_ROWS + 1) {
            let known = previous
                .risks
                .iter()
                .find(|r| r.id.to_string() == f.get(&format!("risk_{i}_id")));
            let fixed = known.filter(|r| r.kind.is_fixed());
            let label = match fixed {
                Some(r) => r.label.clone(),
                None => text(&format!("risk_{i}_label")),
            };
            let removed = f.checked(&format!("risk_{i}_remove"));
            if fixed.is_none() && (label.is_empty() || removed) {
                continue;
            }
            risks.push(RiskFields {
                id: known.map(|r| r.id.to_string()).unwrap_or_default(),
                kind: known.map_or(RiskKind::Other, |r| r.kind),
                label,
                answer: text(&format!("risk_{i}_answer")),
                place: text(&format!("risk_{i}_place")),
                channels: f.all(&format!("risk_{i}_channel")),
            });
        }
        let child = previous.child;
        MappingForm {
            child,
            participants: f.all("participants"),
            participants_other: text("participants_other"),
            conversation_dates: text("conversation_dates"),
            violence: text("violence"),
            fears,
            risks,
            digital: Digital {
                devices: text("digital_devices"),
                apps: text("digital_apps"),
                contacts_to_keep: text("digital_contacts"),
                risk_of_being_found: text("digital_risk"),
                spoke_with_child: child && f.checked("spoke_with_child"),
                spoke_with_parent: child && f.checked("spoke_with_parent"),
                parent_follows: child && f.checked("parent_follows"),
            },
            assessment: text("assessment"),
            reasoning: text("reasoning"),
            relocation: text("relocation"),
        }
    }

    /// The typed mapping, or what is wrong, field by field. Ids of fears
    /// and threats are kept only when `previous` has them.
    pub fn parse(&self, previous: &Content) -> Result<Content, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.fears.len() > MAX_ROWS {
            errors.add(
                "fear_0_text",
                format!("Høyst {MAX_ROWS} frykter i én kartlegging. Slå sammen noen av dem."),
            );
        }
        if self.risks.len() > MAX_ROWS {
            errors.add(
                "risk_0_label",
                format!("Høyst {MAX_ROWS} trusler i én kartlegging. Slå sammen noen av dem."),
            );
        }
        let options = Participant::options(self.child);
        let participants: Vec<Participant> = self
            .participants
            .iter()
            .filter_map(|raw| Participant::parse(raw).filter(|p| options.contains(p)))
            .collect();
        if participants.len() != self.participants.len() {
            errors.add("participants", "Velg blant deltakerne i listen.");
        }
        let mut conversation_dates: Vec<Date> = Vec::new();
        forms::optional_text(
            &mut errors,
            "conversation_dates",
            &self.conversation_dates,
            500,
        );
        for raw in self
            .conversation_dates
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            match crate::locale::parse_date(raw) {
                Some(day) => conversation_dates.push(day),
                None => errors.add(
                    "conversation_dates",
                    "Skriv datoene som dd.mm.åååå, skilt med komma, for eksempel 12.11.2026, 19.11.2026.",
                ),
            }
        }
        let text = |errors: &mut FieldErrors, field: &'static str, raw: &str, max: usize| {
            forms::optional_text(errors, field, raw, max)
        };
        let assessment = forms::optional_code::<Assessment>(
            &mut errors,
            "assessment",
            &self.assessment,
            "Velg en av vurderingene.",
        );
        let relocation = forms::optional_code::<Relocation>(
            &mut errors,
            "relocation",
            &self.relocation,
            "Svar ja eller nei.",
        );

        let owners = Whose::options(self.child);
        let fears = self
            .fears
            .iter()
            .map(|fear| {
                if fear.text.chars().count() > ITEM_TEXT_MAX {
                    errors.add(
                        "fears",
                        format!("En frykt er for lang: mest {ITEM_TEXT_MAX} tegn. Kort den ned."),
                    );
                }
                Fear {
                    id: known_id(&fear.id, previous.fears.iter().map(|f| f.id)),
                    whose: Whose::parse(&fear.whose)
                        .filter(|w| owners.contains(w))
                        .unwrap_or(owners[0]),
                    text: fear.text.clone(),
                }
            })
            .collect();

        let mut risks = Vec::new();
        for risk in &self.risks {
            let answer = forms::optional_code::<Answer>(
                &mut errors,
                "risks",
                &risk.answer,
                "Svar ja, nei eller vet ikke.",
            );
            let channels: Vec<Channel> = risk
                .channels
                .iter()
                .filter_map(|c| Channel::parse(c))
                .collect();
            if channels.len() != risk.channels.len() {
                errors.add("risks", "Velg kanal blant telefon, elektronisk og fysisk.");
            }
            if risk.place.chars().count() > ITEM_TEXT_MAX || risk.label.chars().count() > 200 {
                errors.add(
                    "risks",
                    format!("En trussel er for lang: mest {ITEM_TEXT_MAX} tegn. Kort den ned."),
                );
            }
            risks.push(Risk {
                id: known_id(&risk.id, previous.risks.iter().map(|r| r.id)),
                kind: risk.kind,
                label: risk.label.clone(),
                answer,
                place: risk.place.clone(),
                channels,
            });
        }

        let d = &self.digital;
        let content = Content {
            child: self.child,
            participants,
            participants_other: text(
                &mut errors,
                "participants_other",
                &self.participants_other,
                500,
            ),
            conversation_dates,
            violence: text(&mut errors, "violence", &self.violence, LONG_TEXT_MAX),
            fears,
            risks,
            digital: Digital {
                devices: text(&mut errors, "digital_devices", &d.devices, LONG_TEXT_MAX),
                apps: text(&mut errors, "digital_apps", &d.apps, LONG_TEXT_MAX),
                contacts_to_keep: text(
                    &mut errors,
                    "digital_contacts",
                    &d.contacts_to_keep,
                    LONG_TEXT_MAX,
                ),
                risk_of_being_found: text(
                    &mut errors,
                    "digital_risk",
                    &d.risk_of_being_found,
                    LONG_TEXT_MAX,
                ),
                ..d.clone()
            },
            assessment,
            reasoning: text(&mut errors, "reasoning", &self.reasoning, LONG_TEXT_MAX),
            relocation,
        };
        errors.into_result(|| content)
    }

    // ---- For the template ----

    pub fn participant_choices(&self) -> Vec<Choice> {
        Choice::of(Participant::options(self.child), &self.participants)
    }
    pub fn assessment_choices(&self) -> Vec<Choice> {
        Choice::of(Assessment::ALL, std::slice::from_ref(&self.assessment))
    }
    pub fn relocation_choices(&self) -> Vec<Choice> {
        Choice::of(Relocation::ALL, std::slice::from_ref(&self.relocation))
    }

    /// The fear rows of the form: the fears, then blank rows.
    pub fn fear_rows(&self) -> Vec<FearRow> {
        let owners = Whose::options(self.child);
        (0..rows_to_show(self.fears.len()))
            .map(|i| {
                let fear = self.fears.get(i);
                let whose = fear.map_or(owners[0].code(), |f| f.whose.as_str());
                FearRow {
                    number: i + 1,
                    prefix: format!("fear_{i}"),
                    id: fear.map(|f| f.id.clone()).unwrap_or_default(),
                    text: fear.map(|f| f.text.clone()).unwrap_or_default(),
                    is_new: fear.is_none(),
                    owners: Choice::of(owners, &[whose.to_owned()]),
                }
            })
            .collect()
    }

    /// The risk rows of the form: the risks, then blank rows for named threats.
    pub fn risk_rows(&self) -> Vec<RiskRow> {
        (0..rows_to_show(self.risks.len()))
            .map(|i| {
                let risk = self.risks.get(i);
                RiskRow {
                    prefix: format!("risk_{i}"),
                    id: risk.map(|r| r.id.clone()).unwrap_or_default(),
                    label: risk.map(|r| r.label.clone()).unwrap_or_default(),
                    fixed: risk.is_some_and(|r| r.kind.is_fixed()),
                    is_new: risk.is_none(),
                    place: risk.map(|r| r.place.clone()).unwrap_or_default(),
                    answers: Choice::of(
                        Answer::ALL,
                        &[risk.map(|r| r.answer.clone()).unwrap_or_default()],
                    ),
                    channels: Choice::of(
                        Channel::ALL,
                        &risk.map(|r| r.channels.clone()).unwrap_or_default(),
                    ),
                }
            })
            .collect()
    }
}

fn code_of<C: Code>(value: Option<C>) -> String {
    value.map(|v| v.code().to_owned()).unwrap_or_default()
}

/// `raw` when it names one of `known`, else a new id.
fn known_id(raw: &str, mut known: impl Iterator<Item = Uuid>) -> Uuid {
    Uuid::parse_str(raw)
        .ok()
        .filter(|id| known.any(|k| k == *id))
        .unwrap_or_else(Uuid::new_v4)
}

/// A fear's fields in the form, named `{prefix}_id`, `{prefix}_text`…
pub struct FearRow {
    pub number: usize,
    pub prefix: String,
    pub id: String,
    pub text: String,
    pub is_new: bool,
    pub owners: Vec<Choice>,
}

/// A risk's fields; a fixed risk keeps its label and cannot be removed.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_mapping_parses_into_typed_values() {
        let previous = Content::empty(true);
        let contact = previous.risks[0].id.to_string();
        let form = MappingForm::read(
            &previous,
            &FormFields::of(&[
                ("participants", "child"),
                ("participants", "police"),
                ("conversation_dates", "1.2.2026, 2026-02-08"),
                ("fear_0_text", "At pappa kommer"),
                ("fear_0_whose", "child"),
                ("risk_0_id", &contact),
                ("risk_0_answer", "yes"),
                ("risk_0_channel", "phone"),
                ("risk_3_label", "Onkel"),
                ("risk_3_answer", "unknown"),
                ("assessment", "severe"),
                ("relocation", "yes"),
            ]),
        );
        let content = form.parse(&previous).unwrap();
        assert_eq!(
            content.participants,
            [Participant::Child, Participant::Police]
        );
        assert_eq!(content.conversation_dates.len(), 2);
        assert_eq!(content.fears[0].whose, Whose::Child);
        assert_eq!(content.risks[0].id, previous.risks[0].id, "M8: ids kept");
        assert_eq!(content.risks[0].answer, Some(Answer::Yes));
        assert_eq!(content.risks[0].channels, [Channel::Phone]);
        let named = content.risks.last().unwrap();
        assert_eq!(
            (named.kind, named.answer),
            (RiskKind::Other, Some(Answer::Unknown))
        );
        assert_eq!(content.assessment, Some(Assessment::Severe));
        assert_eq!(content.relocation, Some(Relocation::Consider));
        // And back: the form shows what was stored.
        let shown = MappingForm::from_content(&content);
        assert_eq!(shown.conversation_dates, "01.02.2026, 08.02.2026");
        assert_eq!(shown.assessment, "severe");
    }

    #[test]
    fn codes_outside_the_lists_are_errors_and_the_typed_text_stays() {
        let previous = Content::empty(false);
        let contact = previous.risks[0].id.to_string();
        let form = MappingForm::read(
            &previous,
            &FormFields::of(&[
                ("risk_0_id", &contact),
                ("participants", "child"), // a child's option, in an adult's mapping
                ("conversation_dates", "12.11.2026, i går"),
                ("assessment", "catastrophic"),
                ("relocation", "kanskje"),
                ("risk_0_answer", "maybe"),
            ]),
        );
        let errors = form.parse(&previous).unwrap_err();
        for field in [
            "participants",
            "conversation_dates",
            "assessment",
            "relocation",
            "risks",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert_eq!(form.conversation_dates, "12.11.2026, i går");
        assert_eq!(form.assessment, "catastrophic");
    }

    #[test]
    fn conversation_dates_have_a_limit_like_every_text() {
        let previous = Content::empty(false);
        let many = vec!["12.11.2026"; 60].join(", ");
        let form = MappingForm::read(&previous, &FormFields::of(&[("conversation_dates", &many)]));
        assert!(
            form.parse(&previous)
                .unwrap_err()
                .get("conversation_dates")
                .is_some()
        );
    }

    #[test]
    fn every_row_the_form_sent_is_read_not_only_the_saved_ones() {
        // A form shown again after an error offers more blank rows than the
        // draft has fears; what is typed in them is kept.
        let previous = Content::empty(true);
        let form = MappingForm::read(
            &previous,
            &FormFields::of(&[
                ("fear_0_text", "En"),
                ("fear_1_text", "To"),
                ("fear_2_text", "Tre"),
                ("risk_4_label", "Onkel"),
            ]),
        );
        assert_eq!(form.fears.len(), 3);
        assert_eq!(form.risks.last().map(|r| r.label.as_str()), Some("Onkel"));
    }
}
