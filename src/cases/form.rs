//! The case and child forms: raw text in, domain values or field errors out.
//! The raw values go back into the form on any error.

use uuid::Uuid;

use super::{Case, CaseFields, CaseState, ChildFields, Person, ViolenceKind};
use crate::forms::{self, Choice, FieldErrors, FormFields};
use crate::locale;

pub const NOTE_MAX: usize = 10_000;

/// The case form as typed.
#[derive(Debug, Default, Clone)]
pub struct CaseForm {
    pub resident_name: String,
    pub resident_birth_date: String,
    pub resident_phone: String,
    pub arrival_date: String,
    pub planned_departure_date: String,
    pub contact_person_id: String,
    pub violence: Vec<String>,
    pub note: String,
    pub state: String,
    pub closed_on: String,
    /// The case version the form was read at (optimistic locking).
    pub lock_version: String,
}

impl CaseForm {
    pub fn read(f: &FormFields) -> Self {
        CaseForm {
            resident_name: f.get("resident_name").to_owned(),
            resident_birth_date: f.get("resident_birth_date").to_owned(),
            resident_phone: f.get("resident_phone").to_owned(),
            arrival_date: f.get("arrival_date").to_owned(),
            planned_departure_date: f.get("planned_departure_date").to_owned(),
            contact_person_id: f.get("contact_person_id").to_owned(),
            violence: f.all("violence"),
            note: f.get("note").to_owned(),
            state: f.get("state").to_owned(),
            closed_on: f.get("closed_on").to_owned(),
            lock_version: f.get("lock_version").to_owned(),
        }
    }

    /// The form filled from a saved case.
    pub fn from_case(case: &Case, resident: &Person) -> Self {
        let date = |d: Option<time::Date>| d.map(locale::date).unwrap_or_default();
        CaseForm {
            resident_name: resident.name.clone(),
            resident_birth_date: locale::date(resident.birth_date),
            resident_phone: resident.phone.clone(),
            arrival_date: locale::date(case.arrival_date),
            planned_departure_date: date(case.planned_departure_date),
            contact_person_id: case
                .contact_person_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            violence: case
                .violence_kinds
                .iter()
                .map(|v| v.code().to_owned())
                .collect(),
            note: case.note.clone(),
            state: if case.closed_on.is_some() {
                CaseState::Closed
            } else {
                CaseState::Open
            }
            .code()
            .to_owned(),
            closed_on: date(case.closed_on),
            lock_version: case.lock_version.to_string(),
        }
    }

    /// `contact_people` are the centre's active accounts: nobody else can be
    /// a case's contact person.
    pub fn parse(&self, contact_people: &[(Uuid, String)]) -> Result<CaseFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let resident_name = forms::required_text(
            &mut errors,
            "resident_name",
            &self.resident_name,
            "beboerens navn",
            200,
        );
        let birth = forms::date_field(
            &mut errors,
            "resident_birth_date",
            &self.resident_birth_date,
            true,
        );
        if birth.is_some_and(|b| b > locale::today()) {
            errors.add(
                "resident_birth_date",
                "Fødselsdatoen kan ikke være fram i tid.",
            );
        }
        let resident_phone =
            forms::optional_text(&mut errors, "resident_phone", &self.resident_phone, 30);
        if resident_phone
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-()".contains(c)))
        {
            errors.add(
                "resident_phone",
                "Telefonnummeret kan bare ha sifre, mellomrom, + og -.",
            );
        }
        let arrival = forms::date_field(&mut errors, "arrival_date", &self.arrival_date, true);
        let departure = forms::date_field(
            &mut errors,
            "planned_departure_date",
            &self.planned_departure_date,
            false,
        );
        if let (Some(a), Some(d)) = (arrival, departure) {
            if d < a {
                errors.add(
                    "planned_departure_date",
                    "Planlagt utflytting kan ikke være før ankomst.",
                );
            }
        }
        let contact = Uuid::parse_str(self.contact_person_id.trim())
            .ok()
            .filter(|id| contact_people.iter().any(|(c, _)| c == id));
        if contact.is_none() {
            errors.add("contact_person_id", "Velg beboerens kontaktperson.");
        }
        let mut violence_kinds: Vec<ViolenceKind> = self
            .violence
            .iter()
            .filter_map(|v| ViolenceKind::parse(v))
            .collect();
        if violence_kinds.len() != self.violence.len() {
            errors.add("violence", "Velg blant voldsformene i listen.");
        }
        violence_kinds.sort_by_key(|v| v.code());
        violence_kinds.dedup();
        let note = forms::optional_text(&mut errors, "note", &self.note, NOTE_MAX);
        let closed_on = match CaseState::parse(&self.state) {
            Some(CaseState::Closed) => {
                let closed = forms::date_field(&mut errors, "closed_on", &self.closed_on, true);
                if let (Some(a), Some(c)) = (arrival, closed) {
                    if c < a {
                        errors.add("closed_on", "Utflyttingsdatoen kan ikke være før ankomst.");
                    }
                }
                closed
            }
            _ => None,
        };
        let (Some(resident_birth_date), Some(arrival_date), Some(contact_person_id)) =
            (birth, arrival, contact)
        else {
            return Err(errors);
        };
        errors.into_result(|| CaseFields {
            resident_name,
            resident_birth_date,
            resident_phone,
            arrival_date,
            planned_departure_date: departure,
            contact_person_id,
            violence_kinds,
            note,
            closed_on,
        })
    }

    /// The form's values in words, each with its label.
    pub fn described(&self, contact_people: &[(Uuid, String)]) -> Vec<(&'static str, String)> {
        let contact = contact_people
            .iter()
            .find(|(id, _)| id.to_string() == self.contact_person_id)
            .map_or_else(String::new, |(_, name)| name.clone());
        let mut violence: Vec<&str> = self
            .violence
            .iter()
            .map(|code| ViolenceKind::parse(code).map_or("Ukjent", ViolenceKind::label))
            .collect();
        violence.sort();
        let state = if CaseState::parse(&self.state) == Some(CaseState::Closed) {
            "Avsluttet"
        } else {
            "Åpen"
        };
        vec![
            ("Beboerens navn", self.resident_name.clone()),
            ("Fødselsdato", self.resident_birth_date.clone()),
            ("Telefon", self.resident_phone.clone()),
            ("Ankomst", self.arrival_date.clone()),
            ("Planlagt utflytting", self.planned_departure_date.clone()),
            ("Kontaktperson", contact),
            ("Voldsformer", violence.join(", ")),
            ("Notat", self.note.clone()),
            ("Status", state.to_owned()),
            ("Utflyttet", self.closed_on.clone()),
        ]
    }

    pub fn violence_choices(&self) -> Vec<Choice> {
        Choice::of(ViolenceKind::ALL, &self.violence)
    }

    pub fn contact_choices(&self, contact_people: &[(Uuid, String)]) -> Vec<Choice> {
        contact_choices(
            contact_people,
            &self.contact_person_id,
            "Velg kontaktperson",
        )
    }

    pub fn state_choices(&self) -> Vec<Choice> {
        let state = CaseState::parse(&self.state).unwrap_or(CaseState::Open);
        Choice::of(CaseState::ALL, &[state.code().to_owned()])
    }
}

/// A select of the centre's staff, with an empty first choice.
pub fn contact_choices(
    contact_people: &[(Uuid, String)],
    selected: &str,
    empty: &str,
) -> Vec<Choice> {
    let ids: Vec<String> = contact_people
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    let mut choices = vec![Choice {
        value: String::new(),
        label: empty.to_owned(),
        checked: selected.is_empty(),
    }];
    choices.extend(Choice::list(
        ids.iter()
            .map(String::as_str)
            .zip(contact_people.iter().map(|(_, n)| n.as_str())),
        &[selected.to_owned()],
    ));
    choices
}

/// The form for adding a child, as typed.
#[derive(Debug, Default, Clone)]
pub struct ChildForm {
    pub child_name: String,
    pub child_birth_date: String,
    pub child_school: String,
    pub child_contact_person_id: String,
}

impl ChildForm {
    pub fn read(f: &FormFields) -> Self {
        ChildForm {
            child_name: f.get("child_name").to_owned(),
            child_birth_date: f.get("child_birth_date").to_owned(),
            child_school: f.get("child_school").to_owned(),
            child_contact_person_id: f.get("child_contact_person_id").to_owned(),
        }
    }

    pub fn parse(&self, contact_people: &[(Uuid, String)]) -> Result<ChildFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = forms::required_text(
            &mut errors,
            "child_name",
            &self.child_name,
            "barnets navn",
            200,
        );
        let birth = forms::date_field(
            &mut errors,
            "child_birth_date",
            &self.child_birth_date,
            true,
        );
        if let Some(b) = birth {
            if b > locale::today() {
                errors.add(
                    "child_birth_date",
                    "Fødselsdatoen kan ikke være fram i tid.",
                );
            } else if locale::age(b, locale::today()) >= 18 {
                errors.add("child_birth_date", "Barnet må være under 18 år.");
            }
        }
        let school = forms::optional_text(&mut errors, "child_school", &self.child_school, 200);
        let contact = match self.child_contact_person_id.trim() {
            "" => None,
            raw => {
                let id = Uuid::parse_str(raw)
                    .ok()
                    .filter(|id| contact_people.iter().any(|(c, _)| c == id));
                if id.is_none() {
                    errors.add("child_contact_person_id", "Velg en ansatt fra listen.");
                }
                id
            }
        };
        let Some(birth_date) = birth else {
            return Err(errors);
        };
        errors.into_result(|| ChildFields {
            name,
            birth_date,
            school,
            contact_person_id: contact,
        })
    }
}
