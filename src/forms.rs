//! One form-error type for every form: a message per field, shown next to
//! the field and in the summary at the top of the form.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::codes::Code;

#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(Cow<'static, str>, String)>);

impl FieldErrors {
    /// Records the first message for `field` (a form field's name: rows of a
    /// list have names made at run time, like `measure_2_text`).
    pub fn add(&mut self, field: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        let field = field.into();
        if self.get(&field).is_none() {
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

    pub fn iter(&self) -> impl Iterator<Item = &(Cow<'static, str>, String)> {
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
    field: impl Into<Cow<'static, str>>,
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
                "Teksten er for lang: {} tegn, høyst {max_chars} er tillatt.",
                value.chars().count()
            ),
        );
    } else if value.chars().any(char::is_control) {
        errors.add(field, "Teksten inneholder tegn som ikke er tillatt.");
    }
    value.to_owned()
}

/// An optional choice among a code enum's values: `None` for nothing
/// chosen; `message` recorded for a value that is none of them.
pub fn optional_code<C: Code>(
    errors: &mut FieldErrors,
    field: impl Into<Cow<'static, str>>,
    raw: &str,
    message: &str,
) -> Option<C> {
    if raw.trim().is_empty() {
        return None;
    }
    let parsed = C::parse(raw);
    if parsed.is_none() {
        errors.add(field, message);
    }
    parsed
}

/// One option of a radio group or select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

impl Choice {
    /// Choices from (value, label) pairs, those in `selected` ticked.
    pub fn list<'a>(
        options: impl IntoIterator<Item = (&'a str, &'a str)>,
        selected: &[String],
    ) -> Vec<Choice> {
        options
            .into_iter()
            .map(|(value, label)| Choice {
                value: value.to_owned(),
                label: label.to_owned(),
                checked: selected.iter().any(|s| s == value),
            })
            .collect()
    }

    /// Choices from a code enum's `options`, those in `selected` ticked.
    pub fn of<C: Code>(options: &[C], selected: &[String]) -> Vec<Choice> {
        Choice::list(options.iter().map(|o| (o.code(), o.label())), selected)
    }
}

/// A posted form as name–value pairs, for forms with repeated fields
/// (checkbox groups) or numbered rows (fears, risks). Indexed by name once,
/// so reading a field costs the same however many a hostile form sends.
#[derive(Debug, Default, Clone)]
pub struct FormFields {
    pairs: Vec<(String, String)>,
    /// Each name's positions in `pairs`, in order.
    index: HashMap<String, Vec<usize>>,
}

/// The most fields a form may have: above the largest real form, a plan
/// with its most measures each offering every fear and threat (about
/// 13 000; see the test in `plans::form`).
pub const MAX_FIELDS: usize = 20_000;

impl FormFields {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (name, _)) in pairs.iter().enumerate() {
            index.entry(name.clone()).or_default().push(i);
        }
        FormFields { pairs, index }
    }

    /// A form as a browser would post these pairs (for tests and the CLI).
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        FormFields::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.index
            .get(name)
            .and_then(|at| at.first())
            .map_or("", |i| self.pairs[*i].1.as_str())
    }

    /// Whether the checkbox `name` was ticked: it sends its value only then.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// How many numbered rows `{prefix}_{i}_…` the form sent (the highest
    /// number plus one), reading no row at or beyond `max`.
    pub fn rows(&self, prefix: &str, max: usize) -> usize {
        self.index
            .keys()
            .filter_map(|name| {
                let rest = name.strip_prefix(prefix)?.strip_prefix('_')?;
                rest.split('_').next()?.parse::<usize>().ok()
            })
            .filter(|i| *i < max)
            .max()
            .map_or(0, |i| i + 1)
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.index.get(name).map_or_else(Vec::new, |at| {
            at.iter().map(|i| self.pairs[*i].1.clone()).collect()
        })
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormFields {
    type Rejection = axum::response::Response;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if pairs.len() > MAX_FIELDS {
            return Err(crate::error::AppError::TooLarge.into_response());
        }
        // PostgreSQL stores no NUL character, in text or in JSON; nobody
        // types one, so it is dropped here, once, for every form.
        let pairs = pairs
            .into_iter()
            .map(|(name, value)| (name, value.replace('\0', "")))
            .collect();
        Ok(FormFields::new(pairs))
    }
}

/// A date field: `None` with the error recorded when it is required and
/// empty, or not a date.
pub fn date_field(
    errors: &mut FieldErrors,
    field: impl Into<Cow<'static, str>>,
    raw: &str,
    required: bool,
) -> Option<time::Date> {
    if raw.trim().is_empty() {
        if required {
            errors.add(field, "Skriv inn en dato, for eksempel 24.11.2026.");
        }
        return None;
    }
    let parsed = crate::locale::parse_date(raw);
    if parsed.is_none() {
        errors.add(
            field,
            "Skriv datoen som dd.mm.åååå, for eksempel 24.11.2026.",
        );
    }
    parsed
}

/// An optional free text with a clear limit: refused beyond it, never cut.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: impl Into<Cow<'static, str>>,
    raw: &str,
    max_chars: usize,
) -> String {
    let value = raw.trim();
    let count = value.chars().count();
    if count > max_chars {
        errors.add(
            field,
            format!(
                "Teksten er for lang: {count} tegn, høyst {max_chars} er tillatt. Kort den ned."
            ),
        );
    }
    value.to_owned()
}
