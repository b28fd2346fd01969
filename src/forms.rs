//! One form-error type for every form: a message per field, shown next to
//! the field and in the summary at the top of the form.

use serde::Deserialize;

#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, String)> {
        self.0.iter()
    }

    /// `Ok(value)` when no error was added, for the end of a `parse`.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// Trims a required text field and checks its length; records the error.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    what: &str,
    max_chars: usize,
) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.add(field, format!("Skriv inn {what}."));
    } else if value.chars().count() > max_chars {
        errors.add(
            field,
            format!(
                "Teksten er for lang: {} tegn, mest {max_chars} er tillatt.",
                value.chars().count()
            ),
        );
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Teksten inneholder tegn som ikke er tillatt.");
    }
    value.to_owned()
}

/// An HTML checkbox sends its value only when ticked.
pub fn checkbox(raw: &Option<String>) -> bool {
    raw.as_deref().is_some_and(|v| !v.is_empty())
}

/// Every form posts its CSRF token; forms that need nothing else use this.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// One option of a radio group or select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}
