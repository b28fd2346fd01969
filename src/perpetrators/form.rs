//! The perpetrator form: kept as typed, parsed into `Content`.

use super::{Content, Relation};
use crate::cases::Person;
use crate::forms::{self, Choice, FieldErrors, FormFields};
use crate::mapping::content::Answer;

const TEXT_MAX: usize = 2_000;
const LONG_TEXT_MAX: usize = 10_000;

#[derive(Clone, Debug, Default)]
pub struct PerpetratorForm {
    pub name: String,
    pub other_names: String,
    pub born: String,
    /// (person id, relation), one per person of the case.
    pub relations: Vec<(String, String)>,
    pub description: String,
    pub description_for_school: bool,
    pub vehicle: String,
    pub addresses: String,
    pub network: String,
    pub contact_details: String,
    pub criminal_case: String,
    pub weapons: String,
    pub weapons_note: String,
    pub note: String,
}

impl PerpetratorForm {
    pub fn from_content(c: &Content, people: &[Person]) -> Self {
        PerpetratorForm {
            name: c.name.clone(),
            other_names: c.other_names.clone(),
            born: c.born.clone(),
            relations: people
                .iter()
                .map(|p| (p.id.to_string(), c.relation_to(p.id).to_owned()))
                .collect(),
            description: c.description.clone(),
            description_for_school: c.description_for_school,
            vehicle: c.vehicle.clone(),
            addresses: c.addresses.clone(),
            network: c.network.clone(),
            contact_details: c.contact_details.clone(),
            criminal_case: c.criminal_case.clone(),
            weapons: c.weapons.map(|a| a.code().to_owned()).unwrap_or_default(),
            weapons_note: c.weapons_note.clone(),
            note: c.note.clone(),
        }
    }

    /// The posted form; a relation is read for each of `people` only.
    pub fn read(f: &FormFields, people: &[Person]) -> Self {
        let text = |name: &str| f.get(name).trim().to_owned();
        PerpetratorForm {
            name: text("name"),
            other_names: text("other_names"),
            born: text("born"),
            relations: people
                .iter()
                .map(|p| (p.id.to_string(), text(&format!("relation_{}", p.id))))
                .collect(),
            description: text("description"),
            description_for_school: f.checked("description_for_school"),
            vehicle: text("vehicle"),
            addresses: text("addresses"),
            network: text("network"),
            contact_details: text("contact_details"),
            criminal_case: text("criminal_case"),
            weapons: text("weapons"),
            weapons_note: text("weapons_note"),
            note: text("note"),
        }
    }

    pub fn parse(&self, people: &[Person]) -> Result<Content, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = forms::required_text(&mut errors, "name", &self.name, "et navn", 200);
        let relations = self
            .relations
            .iter()
            .filter(|(_, relation)| !relation.is_empty())
            .filter_map(|(id, relation)| {
                let person = people.iter().find(|p| p.id.to_string() == *id)?;
                let field = format!("relation_{id}");
                let relation = forms::optional_text(&mut errors, field, relation, 200);
                Some(Relation {
                    person_id: person.id,
                    relation,
                })
            })
            .collect();
        let weapons = forms::optional_code::<Answer>(
            &mut errors,
            "weapons",
            &self.weapons,
            "Svar ja, nei eller vet ikke.",
        );
        let mut text = |field: &'static str, raw: &str, max: usize| {
            forms::optional_text(&mut errors, field, raw, max)
        };
        let content = Content {
            name,
            other_names: text("other_names", &self.other_names, 500),
            born: text("born", &self.born, 100),
            relations,
            description: text("description", &self.description, TEXT_MAX),
            description_for_school: self.description_for_school,
            vehicle: text("vehicle", &self.vehicle, 500),
            addresses: text("addresses", &self.addresses, TEXT_MAX),
            network: text("network", &self.network, LONG_TEXT_MAX),
            contact_details: text("contact_details", &self.contact_details, TEXT_MAX),
            criminal_case: text("criminal_case", &self.criminal_case, TEXT_MAX),
            weapons,
            weapons_note: text("weapons_note", &self.weapons_note, TEXT_MAX),
            note: text("note", &self.note, LONG_TEXT_MAX),
        };
        errors.into_result(|| content)
    }

    pub fn weapons_choices(&self) -> Vec<Choice> {
        Choice::of(Answer::ALL, std::slice::from_ref(&self.weapons))
    }

    /// Each person with the relation typed for them.
    pub fn relation_rows<'a>(&'a self, people: &'a [Person]) -> Vec<(&'a Person, &'a str)> {
        people
            .iter()
            .map(|p| {
                let typed = self
                    .relations
                    .iter()
                    .find(|(id, _)| *id == p.id.to_string())
                    .map_or("", |(_, r)| r.as_str());
                (p, typed)
            })
            .collect()
    }
}
