//! A plan as labelled rows with stable keys (measures by id), for comparing
//! two versions and for showing what changed since the last approved one.

use super::content::{Content, Link, Measure};
use crate::versioned::{Row, Rows};

impl Content {
    pub fn rows(&self, links: &[Link]) -> Vec<Row> {
        let mut rows = Rows::default();
        for (party, measures) in self.by_party() {
            for m in measures {
                rows.add(
                    format!("measure:{}", m.id),
                    party,
                    self.party_label(m),
                    describe(m, links),
                );
            }
        }
        if self.child {
            for (key, label, value) in self.school.answers() {
                rows.add(key, "Barnehage eller skole", label, value);
            }
        }
        let p = "Politiet";
        let police = &self.police;
        rows.add("police_contacted_on", p, "Kontaktet", police.contacted());
        rows.add("police_district", p, "Politidistrikt", &police.district);
        rows.add("police_contact", p, "Hvem (navn, rolle)", &police.contact);
        rows.add("police_agreed", p, "Avtalt", &police.agreed);
        rows.add(
            "shielded_address",
            "Skjermet adresse",
            "Skjermet adresse",
            &self.shielded_address,
        );
        if self.child {
            // Every question, so a version from before a change of the
            // centre's shielded address compares with one after it.
            for q in self.child_part.questions(true) {
                rows.add(q.field, "Barnets egen del", q.question, q.answer);
            }
        }
        rows.into_vec()
    }
}

/// What, when, and what it answers, as one line.
fn describe(m: &Measure, links: &[Link]) -> String {
    let mut out = m.text.trim_end_matches('.').to_owned();
    let when = m.when();
    if !when.is_empty() {
        out.push_str(&format!(". {when}"));
    }
    if m.restricts {
        out.push_str(". Begrenser barnets hverdag");
        if !m.restriction_reason.is_empty() {
            out.push_str(&format!(" fordi: {}", m.restriction_reason));
        }
    }
    let answers = m.answer_labels(links);
    if answers.is_empty() {
        out.push_str(". Svarer ikke på noen frykt eller trussel");
    } else {
        out.push_str(&format!(". Svarer på: {}", answers.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::content::Party;
    use crate::versioned::changes;
    use uuid::Uuid;

    #[test]
    fn versions_compare_measure_by_measure_with_what_each_answers() {
        let fear = Link {
            id: Uuid::new_v4(),
            label: "Barnet frykter: at pappa kommer".into(),
            is_threat: false,
            is_concrete: false,
        };
        let mut from = Content::empty(true);
        from.measures.push(Measure {
            id: Uuid::new_v4(),
            party: Party::Parent,
            party_name: String::new(),
            text: "Følger Ola til skolen.".into(),
            from: time::Date::from_calendar_date(2026, time::Month::December, 1).ok(),
            until: None,
            answers: vec![],
            restricts: false,
            restriction_reason: String::new(),
        });
        let mut to = from.clone();
        to.measures[0].answers.push(fear.id);
        let links = [fear];

        let changed = changes(from.rows(&links), to.rows(&links));
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].section, "Forelderen");
        assert_eq!(
            changed[0].from.as_deref(),
            Some("Følger Ola til skolen. Fra 01.12.2026. Svarer ikke på noen frykt eller trussel")
        );
        assert_eq!(
            changed[0].to.as_deref(),
            Some(
                "Følger Ola til skolen. Fra 01.12.2026. Svarer på: Barnet frykter: at pappa kommer"
            )
        );
        assert!(changes(to.rows(&links), to.rows(&links)).is_empty());
    }
}
