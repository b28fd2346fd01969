//! The incident form: kept as typed, and parsed against the case's people
//! and today's date.

use time::{Date, Time};
use uuid::Uuid;

use super::{IncidentKind, NewIncident, Reported};
use crate::cases::Person;
use crate::forms::{self, Choice, FieldErrors, FormFields};

pub const DESCRIPTION_MAX: usize = 10_000;

#[derive(Clone, Debug, Default)]
pub struct IncidentForm {
    /// The entry's id, made when the form is shown: a second press of the
    /// button finds it taken and records nothing twice.
    pub id: String,
    pub occurred_on: String,
    pub occurred_time: String,
    pub kind: String,
    pub serious: bool,
    pub reported: String,
    pub description: String,
    pub concerns: Vec<String>,
}

impl IncidentForm {
    pub fn blank() -> Self {
        IncidentForm {
            id: Uuid::new_v4().to_string(),
            ..IncidentForm::default()
        }
    }

    pub fn read(f: &FormFields) -> Self {
        let text = |name: &str| f.get(name).trim().to_owned();
        IncidentForm {
            id: text("incident_id"),
            occurred_on: text("occurred_on"),
            occurred_time: text("occurred_time"),
            kind: text("kind"),
            serious: f.checked("serious"),
            reported: text("reported"),
            description: f.get("description").trim().to_owned(),
            concerns: f.all("concerns"),
        }
    }

    /// The entry, or what is wrong; `people` are those it may concern.
    pub fn parse(&self, people: &[Person], today: Date) -> Result<NewIncident, FieldErrors> {
        let mut errors = FieldErrors::default();
        let occurred_on = forms::date_field(&mut errors, "occurred_on", &self.occurred_on, true);
        if occurred_on.is_some_and(|d| d > today) {
            errors.add("occurred_on", "Datoen kan ikke være fram i tid.");
        }
        let occurred_time = match self.occurred_time.as_str() {
            "" => None,
            raw => {
                let parsed = parse_time(raw);
                if parsed.is_none() {
                    errors.add(
                        "occurred_time",
                        "Skriv klokkeslettet som tt.mm, for eksempel 14.30.",
                    );
                }
                parsed
            }
        };
        let kind = forms::optional_code::<IncidentKind>(
            &mut errors,
            "kind",
            &self.kind,
            "Velg hva som skjedde, fra listen.",
        );
        if self.kind.is_empty() {
            errors.add("kind", "Velg hva som skjedde.");
        }
        let reported = forms::optional_code::<Reported>(
            &mut errors,
            "reported",
            &self.reported,
            "Svar ja, nei eller vet ikke.",
        );
        if self.reported.is_empty() {
            errors.add("reported", "Svar på om hendelsen er meldt til politiet.");
        }
        // Several lines, as a textarea gives them.
        let description = forms::optional_text(
            &mut errors,
            "description",
            &self.description,
            DESCRIPTION_MAX,
        );
        if description.is_empty() {
            errors.add("description", "Skriv inn hva som skjedde.");
        }
        let mut concerns: Vec<Uuid> = Vec::new();
        let mut strangers = false;
        for raw in &self.concerns {
            match Uuid::parse_str(raw)
                .ok()
                .and_then(|id| people.iter().find(|p| p.id == id))
            {
                Some(p) if !concerns.contains(&p.id) => concerns.push(p.id),
                Some(_) => {}
                None => strangers = true,
            }
        }
        if strangers {
            errors.add("concerns", "Velg blant personene i saken.");
        } else if concerns.is_empty() {
            errors.add("concerns", "Kryss av for hvem hendelsen gjaldt.");
        }
        errors.into_result(|| NewIncident {
            occurred_on: occurred_on.unwrap_or(today),
            occurred_time,
            kind: kind.unwrap_or(IncidentKind::Other),
            serious: self.serious,
            reported: reported.unwrap_or(Reported::Unknown),
            description,
            concerns,
        })
    }

    pub fn kind_choices(&self) -> Vec<Choice> {
        Choice::of(IncidentKind::ALL, std::slice::from_ref(&self.kind))
    }
    pub fn reported_choices(&self) -> Vec<Choice> {
        Choice::of(Reported::ALL, std::slice::from_ref(&self.reported))
    }
    pub fn concern_choices(&self, people: &[Person]) -> Vec<Choice> {
        let ids: Vec<String> = people.iter().map(|p| p.id.to_string()).collect();
        Choice::list(
            ids.iter()
                .map(String::as_str)
                .zip(people.iter().map(|p| p.name.as_str())),
            &self.concerns,
        )
    }
}

/// «14.30», «14:30» or «9.05».
fn parse_time(raw: &str) -> Option<Time> {
    let (h, m) = raw.split_once(['.', ':'])?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return None;
    }
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_norwegians_write_them() {
        assert_eq!(parse_time("14.30"), Time::from_hms(14, 30, 0).ok());
        assert_eq!(parse_time("9:05"), Time::from_hms(9, 5, 0).ok());
        for bad in ["25.00", "14.3", "kl 14", "14.300", "-1.00", "1430"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
