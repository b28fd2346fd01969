//! What every versioned record (mappings, plans) shares: a version reads as
//! labelled rows with stable keys, so any two versions compare row by row.

/// `?from=N&to=M` of a comparison page.
#[derive(serde::Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

impl CompareQuery {
    /// The two version numbers; anything else names no version: 404.
    pub fn versions(&self) -> Result<(i32, i32), crate::error::AppError> {
        let number = |raw: &Option<String>| {
            raw.as_deref()
                .and_then(|r| r.parse::<i32>().ok())
                .ok_or(crate::error::AppError::NotFound)
        };
        Ok((number(&self.from)?, number(&self.to)?))
    }
}

#[derive(Clone, Debug)]
pub struct Row {
    pub key: String,
    pub section: &'static str,
    pub label: String,
    pub value: String,
}

/// One line of a comparison of two versions.
#[derive(Clone, Debug)]
pub struct Compared {
    pub section: &'static str,
    pub label: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Compared {
    pub fn changed(&self) -> bool {
        self.from != self.to
    }
    pub fn change(&self) -> &'static str {
        match (&self.from, &self.to) {
            (None, Some(_)) => "Ny",
            (Some(_), None) => "Fjernet",
            (a, b) if a != b => "Endret",
            _ => "",
        }
    }
}

/// Two versions side by side, row by row by key; a row only in `from` is
/// shown as removed (after the rest of its section), one only in `to` as new.
pub fn compare_rows(from_rows: Vec<Row>, to_rows: Vec<Row>) -> Vec<Compared> {
    let mut out: Vec<Compared> = to_rows
        .iter()
        .map(|row| Compared {
            section: row.section,
            label: row.label.clone(),
            from: from_rows
                .iter()
                .find(|r| r.key == row.key)
                .map(|r| r.value.clone()),
            to: Some(row.value.clone()),
        })
        .collect();
    for row in from_rows
        .iter()
        .filter(|r| !to_rows.iter().any(|t| t.key == r.key))
    {
        let at = out
            .iter()
            .rposition(|c| c.section == row.section)
            .map_or(out.len(), |i| i + 1);
        out.insert(
            at,
            Compared {
                section: row.section,
                label: row.label.clone(),
                from: Some(row.value.clone()),
                to: None,
            },
        );
    }
    out
}

/// Rows grouped under their section headings, in order.
pub type Sections = Vec<(&'static str, Vec<Row>)>;

pub fn sections(rows: Vec<Row>) -> Sections {
    let mut out: Sections = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((section, list)) if *section == row.section => list.push(row),
            _ => out.push((row.section, vec![row])),
        }
    }
    out
}
