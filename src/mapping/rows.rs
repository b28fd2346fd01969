//! A mapping as labelled rows with stable keys (fears and threats by id):
//! for a version's page, and for comparing two versions row by row.

use super::content::{Content, Conversation, Risk};
use super::factors::RiskFactor;
use super::legal::OrderKind;
use crate::codes::Code;
use crate::versioned::{Compared, Row, Rows, compare_rows};

impl Content {
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Rows::default();
        let s = "Deltakere og kilder";
        let sources: Vec<&str> = self.sources().iter().map(|p| p.label()).collect();
        rows.add("participants", s, "Deltok", sources.join(", "));
        rows.add("participants_other", s, "Andre", &self.participants_other);
        if !self.conversation_dates.is_empty() {
            let dates: Vec<String> = self
                .conversation_dates
                .iter()
                .map(|d| crate::locale::date(*d))
                .collect();
            rows.add("conversation_dates", s, "Samtaler", dates.join(", "));
        }
        for c in &self.conversations {
            rows.add(
                format!("conversation:{}", c.id),
                "Samtaler",
                format!("Samtale {}", crate::locale::date(c.date)),
                describe_conversation(c, self.child),
            );
        }
        rows.add("violence", "Vold", "Vold som er opplevd", &self.violence);
        for fear in &self.fears {
            rows.add(
                format!("fear:{}", fear.id),
                "Frykt",
                fear.whose.label(),
                &fear.text,
            );
        }
        for risk in &self.risks {
            rows.add(
                format!("risk:{}", risk.id),
                "Risiko",
                &risk.label,
                describe(risk),
            );
        }
        let d = "Digital sikkerhet";
        let digital = &self.digital;
        rows.add("digital_devices", d, "Enheter", &digital.devices);
        rows.add("digital_apps", d, "Apper og sosiale medier", &digital.apps);
        rows.add(
            "digital_contacts",
            d,
            "Kontakter som skal beholdes",
            &digital.contacts_to_keep,
        );
        rows.add(
            "digital_risk",
            d,
            "Risiko for å bli funnet",
            &digital.risk_of_being_found,
        );
        if self.child {
            let yes_no = |b: bool| if b { "Ja" } else { "Nei" };
            rows.add(
                "spoke_with_child",
                d,
                "Snakket med barnet om risiko på nett",
                yes_no(digital.spoke_with_child),
            );
            rows.add(
                "spoke_with_parent",
                d,
                "Snakket med forelderen om risiko på nett",
                yes_no(digital.spoke_with_parent),
            );
            rows.add(
                "parent_follows",
                d,
                "Forelderen oppfordret til å følge med",
                yes_no(digital.parent_follows),
            );
        }
        for item in super::content::DigitalItem::ALL {
            if let Some(check) = self.digital_check(*item) {
                rows.add(
                    format!("check:{}", item.code()),
                    d,
                    item.label(),
                    with_note(label_of(check.status), &check.note),
                );
            }
        }
        if self.child {
            let l = "Rettslig situasjon";
            let legal = &self.legal;
            rows.add(
                "legal_responsibility",
                l,
                "Foreldreansvar",
                label_of(legal.responsibility),
            );
            rows.add(
                "legal_residence",
                l,
                "Fast bosted",
                label_of(legal.residence),
            );
            rows.add("legal_contact", l, "Samvær", label_of(legal.contact));
            rows.add("legal_handovers", l, "Overleveringer", &legal.handovers);
            for order in &legal.orders {
                let label = match order.kind {
                    OrderKind::Other => "Vedtak eller forbud",
                    kind => kind.label(),
                };
                rows.add(
                    format!("order:{}", order.id),
                    l,
                    label,
                    with_note(&order.describe(), &order.note),
                );
            }
            rows.add("legal_passport", l, "Pass", &legal.passport);
            rows.add("legal_note", l, "Annet", &legal.note);
        }
        for factor in RiskFactor::ALL {
            let answer = self.factor(*factor);
            rows.add(
                format!("factor:{}", factor.code()),
                "Risikofaktorer",
                factor.label(),
                with_note(
                    answer
                        .and_then(|a| a.answer)
                        .map_or("Ikke besvart", |a| a.label()),
                    answer.map_or("", |a| a.note.as_str()),
                ),
            );
        }
        let v = "Samlet vurdering";
        rows.add(
            "factor_summary",
            v,
            "Risikofaktorer",
            self.factor_summary().to_string(),
        );
        rows.add("assessment", v, "Vurdering", label_of(self.assessment));
        rows.add("reasoning", v, "Begrunnelse", &self.reasoning);
        rows.add(
            "relocation",
            v,
            "Må flytting vurderes (§ 4 c)?",
            label_of(self.relocation),
        );
        rows.into_vec()
    }
}

fn label_of<C: Code>(value: Option<C>) -> &'static str {
    value.map_or("", C::label)
}

fn with_note(value: &str, note: &str) -> String {
    if note.is_empty() {
        value.to_owned()
    } else {
        format!("{value}. {note}")
    }
}

/// Who was there, the interpreter, and what was said, line by line.
fn describe_conversation(c: &Conversation, child: bool) -> String {
    let mut lines = Vec::new();
    let present: Vec<&str> = c.present.iter().map(|p| p.label()).collect();
    let mut who = if child && c.child_alone() {
        match c.interpreter {
            Some(_) => "Barnet alene (med kvalifisert tolk)".to_owned(),
            None => "Barnet alene".to_owned(),
        }
    } else {
        present.join(", ")
    };
    if !c.present_other.is_empty() {
        if !who.is_empty() {
            who.push_str(", ");
        }
        who.push_str(&c.present_other);
    }
    if !who.is_empty() {
        lines.push(format!("Til stede: {who}"));
    }
    if let Some(interpreter) = c.interpreter {
        let mut line = format!("Tolk: {} ({})", interpreter.label(), c.language);
        if c.interpreter_outside_network {
            line.push_str(", ikke fra familiens nettverk");
        }
        lines.push(line);
    }
    if let Some(warning) = c.interpreter_warning() {
        lines.push(format!("Advarsel: {warning}"));
    }
    let own = if child {
        "Barnets egne ord"
    } else {
        "Egne ord"
    };
    let strategies = if child {
        "Dette gjør barnet for å føle seg trygg"
    } else {
        "Egne strategier"
    };
    for (label, text) in [
        ("Tema", &c.topics),
        (own, &c.own_words),
        (strategies, &c.strategies),
    ] {
        if !text.is_empty() {
            lines.push(format!("{label}: {text}"));
        }
    }
    lines.join("\n")
}

/// The answer, where and by which channel, as one line.
fn describe(risk: &Risk) -> String {
    let mut value = risk.answer.map_or("Ikke besvart", |a| a.label()).to_owned();
    if !risk.place.is_empty() {
        value.push_str(&format!(". Hvor: {}", risk.place));
    }
    if !risk.channels.is_empty() {
        let channels: Vec<&str> = risk.channels.iter().map(|c| c.label()).collect();
        value.push_str(&format!(". Kanal: {}", channels.join(", ")));
    }
    value
}

/// Two versions side by side, row by row; a fear or threat removed in `to`
/// is shown as removed, a new one as new.
pub fn compare(from: &Content, to: &Content) -> Vec<Compared> {
    compare_rows(from.rows(), to.rows())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::content::{Answer, Fear, Whose};

    #[test]
    fn a_changed_answer_a_new_fear_and_a_removed_fear_compare_by_id() {
        let mut from = Content::empty(true);
        from.fears.push(Fear {
            id: uuid::Uuid::new_v4(),
            whose: Whose::Child,
            text: "At pappa kommer".into(),
        });
        let mut to = from.clone();
        to.fears.clear();
        to.fears.push(Fear {
            id: uuid::Uuid::new_v4(),
            whose: Whose::Parent,
            text: "At barnet blir hentet".into(),
        });
        to.risks[0].answer = Some(Answer::Yes);

        let rows = compare(&from, &to);
        let changes: Vec<(&str, &str)> = rows
            .iter()
            .filter(|r| r.changed())
            .map(|r| (r.label.as_str(), r.change()))
            .collect();
        assert_eq!(
            changes,
            [
                ("Forelderen frykter", "Ny"),
                ("Barnet frykter", "Fjernet"),
                ("Risiko for at voldsutøveren tar kontakt", "Endret"),
            ]
        );
        assert!(compare(&to, &to).iter().all(|r| !r.changed()));
    }
}
