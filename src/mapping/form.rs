//! The mapping form: what was typed, kept as typed (`MappingForm`), and
//! `parse`d into `Content` or `FieldErrors`. Fears and threats are numbered
//! rows; their ids, and which risks are fixed, come from the version being
//! written, never from the form alone.

use uuid::Uuid;

use super::content::{
    Answer, Assessment, Channel, CheckStatus, Content, Conversation, Digital, DigitalCheck,
    DigitalItem, Fear, Interpreter, Participant, Relocation, Risk, RiskKind, Whose,
};
use super::factors::{FactorAnswer, RiskFactor};
use super::legal::{Contact, Legal, Order, OrderKind, ParentalResponsibility, Residence};
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
    pub conversations: Vec<ConversationFields>,
    pub violence: String,
    pub fears: Vec<FearFields>,
    pub risks: Vec<RiskFields>,
    pub digital: Digital,
    /// One per `DigitalItem`, in its order.
    pub checks: Vec<CheckFields>,
    /// One per `RiskFactor`, in its order.
    pub factors: Vec<FactorFields>,
    pub legal: LegalFields,
    pub assessment: String,
    pub reasoning: String,
    pub relocation: String,
}

#[derive(Clone, Debug, Default)]
pub struct ConversationFields {
    pub id: String,
    pub date: String,
    pub present: Vec<String>,
    pub present_other: String,
    pub interpreter: String,
    pub language: String,
    pub outside_network: bool,
    pub topics: String,
    pub own_words: String,
    pub strategies: String,
}

impl ConversationFields {
    fn is_blank(&self) -> bool {
        self.date.is_empty()
            && self.present.is_empty()
            && self.present_other.is_empty()
            && self.interpreter.is_empty()
            && self.language.is_empty()
            && self.topics.is_empty()
            && self.own_words.is_empty()
            && self.strategies.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct CheckFields {
    pub item: DigitalItem,
    pub status: String,
    pub note: String,
}

#[derive(Clone, Debug)]
pub struct FactorFields {
    pub factor: RiskFactor,
    pub answer: String,
    pub note: String,
}

#[derive(Clone, Debug, Default)]
pub struct LegalFields {
    pub responsibility: String,
    pub residence: String,
    pub contact: String,
    pub handovers: String,
    pub orders: Vec<OrderFields>,
    pub passport: String,
    pub note: String,
}

#[derive(Clone, Debug, Default)]
pub struct OrderFields {
    pub id: String,
    pub kind: String,
    pub from: String,
    pub until: String,
    pub note: String,
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
            conversations: c
                .conversations
                .iter()
                .map(|v| ConversationFields {
                    id: v.id.to_string(),
                    date: crate::locale::date(v.date),
                    present: v.present.iter().map(|p| p.code().to_owned()).collect(),
                    present_other: v.present_other.clone(),
                    interpreter: code_of(v.interpreter),
                    language: v.language.clone(),
                    outside_network: v.interpreter_outside_network,
                    topics: v.topics.clone(),
                    own_words: v.own_words.clone(),
                    strategies: v.strategies.clone(),
                })
                // An older version's dates become conversations to fill in.
                .chain(c.conversation_dates.iter().map(|d| ConversationFields {
                    date: crate::locale::date(*d),
                    ..ConversationFields::default()
                }))
                .collect(),
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
            checks: DigitalItem::ALL
                .iter()
                .map(|item| {
                    let check = c.digital_check(*item);
                    CheckFields {
                        item: *item,
                        status: code_of(check.and_then(|c| c.status)),
                        note: check.map(|c| c.note.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            factors: RiskFactor::ALL
                .iter()
                .map(|factor| {
                    let answer = c.factor(*factor);
                    FactorFields {
                        factor: *factor,
                        answer: code_of(answer.and_then(|a| a.answer)),
                        note: answer.map(|a| a.note.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            legal: LegalFields {
                responsibility: code_of(c.legal.responsibility),
                residence: code_of(c.legal.residence),
                contact: code_of(c.legal.contact),
                handovers: c.legal.handovers.clone(),
                orders: c
                    .legal
                    .orders
                    .iter()
                    .map(|o| OrderFields {
                        id: o.id.to_string(),
                        kind: o.kind.code().to_owned(),
                        from: o.from.map(crate::locale::date).unwrap_or_default(),
                        until: o.until.map(crate::locale::date).unwrap_or_default(),
                        note: o.note.clone(),
                    })
                    .collect(),
                passport: c.legal.passport.clone(),
                note: c.legal.note.clone(),
            },
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
            // A fixed risk is asked in today's words, whatever an older
            // version stored.
            let label = match fixed {
                Some(r) => r.kind.label().to_owned(),
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
        let conversations = (0..f.rows("conversation", MAX_ROWS + 1))
            .filter(|i| !f.checked(&format!("conversation_{i}_remove")))
            .map(|i| {
                let field = |name: &str| text(&format!("conversation_{i}_{name}"));
                ConversationFields {
                    id: field("id"),
                    date: field("date"),
                    present: f.all(&format!("conversation_{i}_present")),
                    present_other: field("present_other"),
                    interpreter: field("interpreter"),
                    language: field("language"),
                    outside_network: f.checked(&format!("conversation_{i}_outside_network")),
                    topics: field("topics"),
                    own_words: field("own_words"),
                    strategies: field("strategies"),
                }
            })
            .filter(|c| !c.is_blank())
            .collect();
        let orders = (0..f.rows("order", MAX_ROWS + 1))
            .filter(|i| child && !f.checked(&format!("order_{i}_remove")))
            .map(|i| {
                let field = |name: &str| text(&format!("order_{i}_{name}"));
                OrderFields {
                    id: field("id"),
                    kind: field("kind"),
                    from: field("from"),
                    until: field("until"),
                    note: field("note"),
                }
            })
            .filter(|o| {
                !(o.kind.is_empty() && o.from.is_empty() && o.until.is_empty() && o.note.is_empty())
            })
            .collect();
        let legal = |name: &str| if child { text(name) } else { String::new() };
        MappingForm {
            child,
            participants: f.all("participants"),
            participants_other: text("participants_other"),
            conversations,
            checks: DigitalItem::ALL
                .iter()
                .map(|item| CheckFields {
                    item: *item,
                    status: text(&format!("check_{}_status", item.code())),
                    note: text(&format!("check_{}_note", item.code())),
                })
                .collect(),
            factors: RiskFactor::ALL
                .iter()
                .map(|factor| FactorFields {
                    factor: *factor,
                    answer: text(&format!("factor_{}_answer", factor.code())),
                    note: text(&format!("factor_{}_note", factor.code())),
                })
                .collect(),
            legal: LegalFields {
                responsibility: legal("legal_responsibility"),
                residence: legal("legal_residence"),
                contact: legal("legal_contact"),
                handovers: legal("legal_handovers"),
                orders,
                passport: legal("legal_passport"),
                note: legal("legal_note"),
            },
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
        if self.conversations.len() > MAX_ROWS {
            errors.add(
                "conversation_0_date",
                format!("Høyst {MAX_ROWS} samtaler i én kartlegging. Start en ny versjon."),
            );
        }
        let conversations = self.parse_conversations(previous, &mut errors);
        let factors = self.parse_factors(&mut errors);
        let digital_checks = self.parse_checks(&mut errors);
        let legal = self.legal.parse(previous, &mut errors);
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
                        format!("En frykt er for lang: høyst {ITEM_TEXT_MAX} tegn. Kort den ned."),
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
                    format!("En trussel er for lang: høyst {ITEM_TEXT_MAX} tegn. Kort den ned."),
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
            conversation_dates: Vec::new(),
            conversations,
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
            digital_checks,
            factors,
            legal,
            assessment,
            reasoning: text(&mut errors, "reasoning", &self.reasoning, LONG_TEXT_MAX),
            relocation,
        };
        errors.into_result(|| content)
    }

    fn parse_conversations(
        &self,
        previous: &Content,
        errors: &mut FieldErrors,
    ) -> Vec<Conversation> {
        let options = Participant::options(self.child);
        let mut out = Vec::new();
        for (i, c) in self.conversations.iter().enumerate() {
            let name = |field: &str| format!("conversation_{i}_{field}");
            let date = forms::date_field(errors, name("date"), &c.date, true);
            let present: Vec<Participant> = c
                .present
                .iter()
                .filter_map(|raw| Participant::parse(raw).filter(|p| options.contains(p)))
                .collect();
            if present.len() != c.present.len() {
                errors.add(name("present"), "Velg blant dem i listen.");
            }
            let interpreter = forms::optional_code::<Interpreter>(
                errors,
                name("interpreter"),
                &c.interpreter,
                "Velg hvem som tolket, fra listen.",
            );
            if interpreter.is_some() && c.language.is_empty() {
                errors.add(name("language"), "Skriv hvilket språk det ble tolket til.");
            }
            let text = |errors: &mut FieldErrors, field: &str, raw: &str, max: usize| {
                forms::optional_text(errors, name(field), raw, max)
            };
            let conversation = Conversation {
                id: known_id(&c.id, previous.conversations.iter().map(|c| c.id)),
                date: date.unwrap_or(time::Date::MIN),
                present,
                present_other: text(errors, "present_other", &c.present_other, 500),
                interpreter,
                language: text(errors, "language", &c.language, 100),
                interpreter_outside_network: interpreter.is_some() && c.outside_network,
                topics: text(errors, "topics", &c.topics, LONG_TEXT_MAX),
                own_words: text(errors, "own_words", &c.own_words, LONG_TEXT_MAX),
                strategies: text(errors, "strategies", &c.strategies, LONG_TEXT_MAX),
            };
            out.push(conversation);
        }
        out
    }

    fn parse_factors(&self, errors: &mut FieldErrors) -> Vec<FactorAnswer> {
        self.factors
            .iter()
            .map(|f| {
                let name = |field: &str| format!("factor_{}_{field}", f.factor.code());
                FactorAnswer {
                    factor: f.factor,
                    answer: forms::optional_code::<Answer>(
                        errors,
                        name("answer"),
                        &f.answer,
                        "Svar ja, nei eller vet ikke.",
                    ),
                    note: forms::optional_text(errors, name("note"), &f.note, ITEM_TEXT_MAX),
                }
            })
            .filter(|f| f.answer.is_some() || !f.note.is_empty())
            .collect()
    }

    fn parse_checks(&self, errors: &mut FieldErrors) -> Vec<DigitalCheck> {
        self.checks
            .iter()
            .map(|c| {
                let name = |field: &str| format!("check_{}_{field}", c.item.code());
                DigitalCheck {
                    item: c.item,
                    status: forms::optional_code::<CheckStatus>(
                        errors,
                        name("status"),
                        &c.status,
                        "Velg sjekket, ikke aktuelt eller må gjøres.",
                    ),
                    note: forms::optional_text(errors, name("note"), &c.note, ITEM_TEXT_MAX),
                }
            })
            .filter(|c| c.status.is_some() || !c.note.is_empty())
            .collect()
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

impl LegalFields {
    fn parse(&self, previous: &Content, errors: &mut FieldErrors) -> Legal {
        let pick = "Velg en av dem i listen.";
        if self.orders.len() > MAX_ROWS {
            errors.add(
                "order_0_kind",
                format!("Høyst {MAX_ROWS} vedtak og forbud i én kartlegging."),
            );
        }
        let mut orders = Vec::new();
        for (i, o) in self.orders.iter().enumerate() {
            let name = |field: &str| format!("order_{i}_{field}");
            let kind = forms::optional_code::<OrderKind>(errors, name("kind"), &o.kind, pick);
            if o.kind.is_empty() {
                errors.add(name("kind"), "Velg hva slags vedtak eller forbud det er.");
            }
            let from = forms::date_field(errors, name("from"), &o.from, false);
            let until = forms::date_field(
                errors,
                name("until"),
                &o.until,
                kind.is_some_and(OrderKind::expires),
            );
            if let (Some(from), Some(until)) = (from, until)
                && until < from
            {
                errors.add(name("until"), "Sluttdatoen kan ikke være før startdatoen.");
            }
            orders.push(Order {
                id: known_id(&o.id, previous.legal.orders.iter().map(|o| o.id)),
                kind: kind.unwrap_or(OrderKind::Other),
                from,
                until,
                note: forms::optional_text(errors, name("note"), &o.note, ITEM_TEXT_MAX),
            });
        }
        Legal {
            responsibility: forms::optional_code::<ParentalResponsibility>(
                errors,
                "legal_responsibility",
                &self.responsibility,
                pick,
            ),
            residence: forms::optional_code::<Residence>(
                errors,
                "legal_residence",
                &self.residence,
                pick,
            ),
            contact: forms::optional_code::<Contact>(errors, "legal_contact", &self.contact, pick),
            handovers: forms::optional_text(
                errors,
                "legal_handovers",
                &self.handovers,
                ITEM_TEXT_MAX,
            ),
            orders,
            passport: forms::optional_text(errors, "legal_passport", &self.passport, ITEM_TEXT_MAX),
            note: forms::optional_text(errors, "legal_note", &self.note, LONG_TEXT_MAX),
        }
    }
}

/// A numbered row's field error, for the template.
fn row_error(errors: &FieldErrors, prefix: &str, field: &str) -> Option<String> {
    errors.get(&format!("{prefix}_{field}")).map(str::to_owned)
}

impl MappingForm {
    /// The conversations, then one blank row for the next.
    pub fn conversation_rows(&self, errors: &FieldErrors) -> Vec<ConversationRow> {
        let options = Participant::options(self.child);
        let shown = (self.conversations.len() + 1).min(MAX_ROWS.max(self.conversations.len()));
        (0..shown)
            .map(|i| {
                let blank = ConversationFields::default();
                let c = self.conversations.get(i).unwrap_or(&blank);
                let prefix = format!("conversation_{i}");
                let interpreter = Interpreter::parse(&c.interpreter);
                ConversationRow {
                    number: i + 1,
                    is_new: i >= self.conversations.len(),
                    present: Choice::of(options, &c.present),
                    interpreters: Choice::list(
                        std::iter::once(("", "Ingen tolk"))
                            .chain(Interpreter::ALL.iter().map(|o| (o.code(), o.label()))),
                        std::slice::from_ref(&c.interpreter),
                    ),
                    warning: Interpreter::warning(interpreter, c.outside_network),
                    date_error: row_error(errors, &prefix, "date"),
                    present_error: row_error(errors, &prefix, "present"),
                    interpreter_error: row_error(errors, &prefix, "interpreter"),
                    language_error: row_error(errors, &prefix, "language"),
                    text_error: ["present_other", "topics", "own_words", "strategies"]
                        .iter()
                        .find_map(|f| row_error(errors, &prefix, f)),
                    fields: c.clone(),
                    prefix,
                }
            })
            .collect()
    }

    pub fn factor_rows(&self, errors: &FieldErrors) -> Vec<FactorRow> {
        self.factors
            .iter()
            .map(|f| FactorRow {
                answer_error: row_error(errors, &format!("factor_{}", f.factor.code()), "answer"),
                note_error: row_error(errors, &format!("factor_{}", f.factor.code()), "note"),
                prefix: format!("factor_{}", f.factor.code()),
                label: f.factor.label(),
                acute: f.factor.is_acute(),
                answers: Choice::of(Answer::ALL, std::slice::from_ref(&f.answer)),
                note: f.note.clone(),
            })
            .collect()
    }

    pub fn check_rows(&self, errors: &FieldErrors) -> Vec<CheckRow> {
        self.checks
            .iter()
            .map(|c| CheckRow {
                status_error: row_error(errors, &format!("check_{}", c.item.code()), "status"),
                note_error: row_error(errors, &format!("check_{}", c.item.code()), "note"),
                prefix: format!("check_{}", c.item.code()),
                label: c.item.label(),
                statuses: Choice::of(CheckStatus::ALL, std::slice::from_ref(&c.status)),
                note: c.note.clone(),
            })
            .collect()
    }

    /// The orders and decisions, then one blank row.
    pub fn order_rows(&self, errors: &FieldErrors) -> Vec<OrderRow> {
        let orders = &self.legal.orders;
        let shown = (orders.len() + 1).min(MAX_ROWS.max(orders.len()));
        (0..shown)
            .map(|i| {
                let blank = OrderFields::default();
                let o = orders.get(i).unwrap_or(&blank);
                let prefix = format!("order_{i}");
                OrderRow {
                    is_new: i >= orders.len(),
                    kinds: Choice::list(
                        std::iter::once(("", "Velg"))
                            .chain(OrderKind::ALL.iter().map(|k| (k.code(), k.label()))),
                        std::slice::from_ref(&o.kind),
                    ),
                    kind_error: row_error(errors, &prefix, "kind"),
                    from_error: row_error(errors, &prefix, "from"),
                    until_error: row_error(errors, &prefix, "until"),
                    note_error: row_error(errors, &prefix, "note"),
                    fields: o.clone(),
                    prefix,
                }
            })
            .collect()
    }

    /// The risk factors as answered in the form, summed up.
    pub fn factor_summary(&self) -> String {
        let answers: Vec<FactorAnswer> = self
            .factors
            .iter()
            .map(|f| FactorAnswer {
                factor: f.factor,
                answer: Answer::parse(&f.answer),
                note: String::new(),
            })
            .collect();
        super::factors::FactorSummary::of(&answers).to_string()
    }

    pub fn responsibility_choices(&self) -> Vec<Choice> {
        Choice::of(
            ParentalResponsibility::ALL,
            std::slice::from_ref(&self.legal.responsibility),
        )
    }
    pub fn residence_choices(&self) -> Vec<Choice> {
        Choice::of(Residence::ALL, std::slice::from_ref(&self.legal.residence))
    }
    pub fn contact_choices(&self) -> Vec<Choice> {
        Choice::of(Contact::ALL, std::slice::from_ref(&self.legal.contact))
    }
}

pub struct ConversationRow {
    pub number: usize,
    pub prefix: String,
    pub is_new: bool,
    pub fields: ConversationFields,
    pub present: Vec<Choice>,
    pub interpreters: Vec<Choice>,
    pub warning: Option<&'static str>,
    pub date_error: Option<String>,
    pub present_error: Option<String>,
    pub interpreter_error: Option<String>,
    pub language_error: Option<String>,
    pub text_error: Option<String>,
}

pub struct FactorRow {
    pub prefix: String,
    pub label: &'static str,
    pub acute: bool,
    pub answers: Vec<Choice>,
    pub note: String,
    pub answer_error: Option<String>,
    pub note_error: Option<String>,
}

pub struct CheckRow {
    pub prefix: String,
    pub label: &'static str,
    pub statuses: Vec<Choice>,
    pub note: String,
    pub status_error: Option<String>,
    pub note_error: Option<String>,
}

pub struct OrderRow {
    pub prefix: String,
    pub is_new: bool,
    pub fields: OrderFields,
    pub kinds: Vec<Choice>,
    pub kind_error: Option<String>,
    pub from_error: Option<String>,
    pub until_error: Option<String>,
    pub note_error: Option<String>,
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
    use crate::mapping::legal::{Contact, OrderKind};

    #[test]
    fn a_posted_mapping_parses_into_typed_values() {
        let previous = Content::empty(true);
        let contact = previous.risks[0].id.to_string();
        let form = MappingForm::read(
            &previous,
            &FormFields::of(&[
                ("participants", "police"),
                ("conversation_0_date", "1.2.2026"),
                ("conversation_0_present", "child"),
                ("conversation_0_interpreter", "remote"),
                ("conversation_0_language", "arabisk"),
                ("conversation_0_outside_network", "on"),
                ("conversation_0_own_words", "Jeg gjemmer meg på rommet."),
                ("conversation_1_date", "2026-02-08"),
                ("conversation_1_present", "parent"),
                ("factor_strangulation_answer", "yes"),
                ("factor_stalking_answer", "unknown"),
                ("factor_stalking_note", "Han ble sett ved skolen."),
                ("check_trackers_status", "to_do"),
                ("legal_contact", "supervised"),
                ("order_0_kind", "visit_ban"),
                ("order_0_until", "01.05.2027"),
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
            content.sources(),
            [Participant::Child, Participant::Parent, Participant::Police],
            "M2: the sources follow from the conversations"
        );
        assert!(content.conversations[0].child_alone());
        assert_eq!(content.conversations[0].interpreter_warning(), None);
        assert_eq!(
            content.factor_summary().to_string(),
            "1 av 20 risikofaktorer til stede, 1 ukjent, 18 ikke besvart"
        );
        assert_eq!(content.acute_factors(), [RiskFactor::Strangulation]);
        assert_eq!(
            content.digital_check(DigitalItem::Trackers).unwrap().status,
            Some(CheckStatus::ToDo)
        );
        assert_eq!(content.legal.contact, Some(Contact::Supervised));
        assert_eq!(content.legal.orders[0].kind, OrderKind::VisitBan);
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
        assert_eq!(shown.conversations[1].date, "08.02.2026");
        assert_eq!(shown.legal.orders[0].until, "01.05.2027");
        assert_eq!(shown.assessment, "severe");
        assert_eq!(shown.parse(&content).unwrap(), content, "ids kept (M8)");
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
                ("conversation_0_date", "i går"),
                ("conversation_0_interpreter", "sibling"),
                ("factor_weapons_answer", "maybe"),
                ("check_gifts_status", "done"),
                ("assessment", "catastrophic"),
                ("relocation", "kanskje"),
                ("risk_0_answer", "maybe"),
            ]),
        );
        let errors = form.parse(&previous).unwrap_err();
        for field in [
            "participants",
            "conversation_0_date",
            "conversation_0_interpreter",
            "factor_weapons_answer",
            "check_gifts_status",
            "assessment",
            "relocation",
            "risks",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert_eq!(form.conversations[0].date, "i går");
        assert_eq!(form.assessment, "catastrophic");
    }

    #[test]
    fn an_order_needs_its_end_an_interpreter_a_language_and_a_child_interpreter_is_warned_of() {
        let previous = Content::empty(true);
        let form = MappingForm::read(
            &previous,
            &FormFields::of(&[
                ("conversation_0_date", "12.11.2026"),
                ("conversation_0_interpreter", "child"),
                ("order_0_kind", "visit_ban"),
                ("order_1_kind", "travel_ban"),
                ("order_1_from", "01.12.2026"),
                ("order_1_until", "01.11.2026"),
                ("order_2_note", "Uten type"),
            ]),
        );
        let errors = form.parse(&previous).unwrap_err();
        for field in [
            "conversation_0_language",
            "order_0_until",
            "order_1_until",
            "order_2_kind",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let rows = form.conversation_rows(&errors);
        assert!(
            rows[0]
                .warning
                .unwrap()
                .contains("Barn skal aldri være tolk")
        );
    }

    #[test]
    fn an_older_versions_conversation_dates_become_conversations() {
        let mut older = Content::empty(false);
        older.conversation_dates = vec![time::macros::date!(2026 - 11 - 12)];
        let form = MappingForm::from_content(&older);
        assert_eq!(form.conversations[0].date, "12.11.2026");
        let content = form.parse(&older).unwrap();
        assert!(content.conversation_dates.is_empty());
        assert_eq!(content.conversations.len(), 1);
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
