//! A relocation as labelled rows: the read-only page of a relocation that
//! is done or called off, and the parts fixed by its decision.

use uuid::Uuid;

use super::content::{Content, DigitalCheck, PoliceContact};
use crate::cases::Person;
use crate::versioned::{Row, Rows};

fn date(d: Option<time::Date>) -> String {
    d.map(crate::locale::date).unwrap_or_default()
}

fn yes_no(b: bool) -> &'static str {
    if b { "Ja" } else { "Nei" }
}

/// What names people and centres: the case's people, the centres in Trygg.
pub struct Names<'a> {
    pub people: &'a [Person],
    pub centres: &'a [(Uuid, String)],
}

impl Names<'_> {
    fn person(&self, id: Uuid) -> String {
        self.people
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| "(ukjent person)".to_owned(), |p| p.name.clone())
    }

    pub fn centre(&self, id: Option<Uuid>, external: &str) -> String {
        match id {
            Some(id) => self
                .centres
                .iter()
                .find(|(c, _)| *c == id)
                .map_or_else(|| "(senter i Trygg)".to_owned(), |(_, n)| n.clone()),
            None => format!("{external} (utenfor Trygg)"),
        }
    }
}

impl Content {
    /// What the decision rests on: the basis, the justifications and the
    /// candidates (R1–R5).
    pub fn decision_rows(&self, names: &Names<'_>) -> Vec<Row> {
        let mut rows = Rows::default();
        let s = "Grunnlag";
        rows.add(
            "mappings",
            s,
            "Kartlegging som gjør at flytting vurderes",
            self.mappings
                .iter()
                .map(|m| format!("{}, versjon {}", names.person(m.person_id), m.version))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        rows.add(
            "children",
            s,
            "Barn som flytter med",
            match self.children.is_empty() {
                true => "Ingen".to_owned(),
                false => self
                    .children
                    .iter()
                    .map(|id| names.person(*id))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        );
        let s = "Begrunnelse (nødvendig og hensiktsmessig)";
        rows.add(
            "necessary",
            s,
            "Hvorfor flytting er nødvendig for sikkerheten",
            &self.necessary,
        );
        rows.add(
            "appropriate",
            s,
            "Hvorfor flytting er hensiktsmessig for beboeren og barna",
            &self.appropriate,
        );
        if !self.will_hold.is_empty() {
            rows.add(
                "will_hold",
                s,
                "Hva er annerledes nå, slik at beboeren ikke må flytte igjen",
                &self.will_hold,
            );
        }
        let s = "Vurderte sentre";
        for c in &self.candidates {
            let chosen = if self.chosen == Some(c.id) {
                " – valgt"
            } else {
                ""
            };
            let considered = c
                .considered
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(", ");
            rows.add(
                format!("candidate:{}", c.id),
                s,
                format!("{}{chosen}", names.centre(c.centre_id, &c.external)),
                format!(
                    "Vurdert: {}\nTaler for: {}\nTaler mot: {}",
                    if considered.is_empty() {
                        "–".into()
                    } else {
                        considered
                    },
                    if c.speaks_for.is_empty() {
                        "–"
                    } else {
                        &c.speaks_for
                    },
                    if c.speaks_against.is_empty() {
                        "–"
                    } else {
                        &c.speaks_against
                    },
                ),
            );
        }
        rows.into_vec()
    }

    /// Everything, for a relocation that is done or called off.
    pub fn rows(&self, names: &Names<'_>) -> Vec<Row> {
        let mut rows = Rows::default();
        for row in self.decision_rows(names) {
            rows.add(row.key, row.section, row.label, row.value);
        }
        let police =
            |rows: &mut Rows, key: &str, s: &'static str, c: &PoliceContact, what: &str| {
                rows.add(format!("{key}_on"), s, "Dato", date(c.on));
                rows.add(format!("{key}_district"), s, "Politidistrikt", &c.district);
                rows.add(format!("{key}_whom"), s, "Hvem (navn, rolle)", &c.whom);
                rows.add(format!("{key}_agreed"), s, what, &c.agreed);
            };
        police(
            &mut rows,
            "police_origin",
            "Politiet der krisesenteret ligger",
            &self.police_origin,
            "Hva som ble avtalt",
        );
        police(
            &mut rows,
            "police_destination",
            "Lokalt politi der det nye senteret ligger",
            &self.police_destination,
            "Hva er avtalt med politiet der",
        );
        let s = "Samtykke til deling";
        let consent = &self.consent;
        rows.add(
            "consent",
            s,
            "Beboerens svar",
            consent.decision.map_or("Ikke registrert", |d| d.label()),
        );
        rows.add("consent_by", s, "Informert av", &consent.informed_by);
        rows.add("consent_on", s, "Informert", date(consent.informed_on));
        rows.add(
            "consent_benefits",
            s,
            "Fordelene er forklart",
            yes_no(consent.benefits_explained),
        );
        for scope in &consent.scope {
            let mut what = Vec::new();
            if let Some(v) = scope.mapping {
                what.push(format!("kartlegging, versjon {v}"));
            }
            if let Some(v) = scope.plan {
                what.push(format!("sikkerhetsplan, versjon {v}"));
            }
            rows.add(
                format!("scope:{}", scope.person_id),
                s,
                format!("Deles for {}", names.person(scope.person_id)),
                what.join(" og "),
            );
        }
        if !self.police_request.is_empty() {
            let s = "Anmodning til lokalt politi (uten samtykke)";
            rows.add("request_on", s, "Dato", date(self.police_request.on));
            rows.add("request_whom", s, "Hvem", &self.police_request.whom);
            rows.add(
                "request_asked",
                s,
                "Hva politiet ble bedt om",
                &self.police_request.asked,
            );
        }
        for part in &self.child_parts {
            let s = "Barna";
            let who = names.person(part.person_id);
            let key = |k: &str| format!("child:{}:{k}", part.person_id);
            rows.add(key("heard"), s, format!("{who}: hørt"), yes_no(part.heard));
            rows.add(key("said"), s, format!("{who}: hva barnet sa"), &part.said);
            rows.add(
                key("prepared"),
                s,
                format!("{who}: forberedt"),
                yes_no(part.prepared),
            );
            rows.add(
                key("goodbye"),
                s,
                format!("{who}: fått ta farvel"),
                yes_no(part.goodbye),
            );
            rows.add(
                key("contacts"),
                s,
                format!("{who}: kontakt å holde, og hvordan"),
                &part.contacts,
            );
            rows.add(
                key("school"),
                s,
                format!("{who}: skole eller barnehage"),
                &part.school,
            );
        }
        let s = "Digital sikkerhet";
        for check in DigitalCheck::ALL {
            rows.add(
                format!("digital:{}", check.code()),
                s,
                check.label(),
                if self.digital.done.contains(check) {
                    "Gått gjennom"
                } else {
                    "Ikke gått gjennom"
                },
            );
        }
        rows.add(
            "digital_on",
            s,
            "Gått gjennom sammen med beboeren",
            date(self.digital.on),
        );
        rows.add("digital_note", s, "Notat", &self.digital.note);
        if !self.cancel_reason.is_empty() {
            rows.add(
                "cancel_reason",
                "Avbrutt",
                "Hvorfor flyttingen ble avbrutt",
                &self.cancel_reason,
            );
        }
        rows.into_vec()
    }
}
