//! `/cases`: the centre's cases, newest arrival first, filtered by state,
//! contact person and a name (a name is posted, never put in a URL).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::ReadCases};
use crate::cases::form::contact_choices;
use crate::cases::{CaseRow, CaseState, ListFilter, PageStart, PersonKind, PersonRow};
use crate::error::AppError;
use crate::forms::{Choice, FormFields};
use crate::http::ClientIp;
use crate::http::page::{Page, render};
use crate::{AppState, locale};

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    state: Option<String>,
    contact: Option<String>,
}

impl CaseRow {
    fn resident(&self) -> Option<&PersonRow> {
        self.people.iter().find(|p| p.kind == PersonKind::Resident)
    }
    fn children(&self) -> impl Iterator<Item = &PersonRow> {
        self.people.iter().filter(|p| p.kind == PersonKind::Child)
    }
    fn arrival(&self) -> String {
        locale::date(self.arrival_date)
    }
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<CaseRow>,
    /// The name searched for (not `name`: askama's macros would shadow it).
    search: String,
    states: Vec<Choice>,
    contacts: Vec<Choice>,
    state: String,
    contact: String,
    /// Counted from 1, as the pages were turned.
    page_number: u32,
    earlier: bool,
    more: bool,
}

impl ListPage {
    fn age(&self, person: &PersonRow) -> i32 {
        locale::age(person.birth_date, locale::today())
    }
}

pub(super) async fn view_cases_get(
    state: State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    list(state, page, user, ip, query, String::new(), Turn::default()).await
}

/// Where the posted list form turned to: the page after or before a case,
/// and that page's number.
#[derive(Default)]
struct Turn {
    from: Option<PageStart>,
    page_number: u32,
}

/// A name search is posted, so that no name ends up in a URL.
pub(super) async fn view_cases_search_post(
    state: State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    form: FormFields,
) -> Result<Response, AppError> {
    let query = ListQuery {
        state: Some(form.get("state").to_owned()),
        contact: Some(form.get("contact").to_owned()),
    };
    let name: String = form.get("name").trim().chars().take(100).collect();
    let case = |field: &str| Uuid::parse_str(form.get(field)).ok();
    let from = case("after")
        .map(PageStart::After)
        .or(case("before").map(PageStart::Before));
    let turn = Turn {
        from,
        page_number: from
            .and(form.get("page").parse().ok())
            .unwrap_or(1)
            .clamp(1, 1_000_000),
    };
    list(state, page, user, ip, query, name, turn).await
}

async fn list(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    query: ListQuery,
    name: String,
    turn: Turn,
) -> Result<Response, AppError> {
    let state_raw = query.state.unwrap_or_default();
    let contact_raw = query.contact.unwrap_or_default();
    let filter = ListFilter {
        state: CaseState::parse(&state_raw),
        contact_person_id: Uuid::parse_str(&contact_raw).ok(),
        name: name.clone(),
        from: turn.from,
    };
    let (mut rows, mut earlier, mut more) =
        crate::cases::list(&state.db, (user.centre_id, user.id), &filter).await?;
    // Turned back to a short first page (cases gone since), or from a case
    // that is gone (or never was the centre's): show the first page.
    let short_first = matches!(filter.from, Some(PageStart::Before(_)))
        && !earlier
        && (rows.len() as i64) < crate::cases::PAGE_SIZE;
    if short_first || (rows.is_empty() && filter.from.is_some()) {
        let first = ListFilter {
            from: None,
            ..filter
        };
        (rows, earlier, more) =
            crate::cases::list(&state.db, (user.centre_id, user.id), &first).await?;
    }
    Event::by(AuditKind::CaseListViewed, &user, ip)
        .record_read(&state.reads)
        .await?;
    let contact_people = crate::cases::contact_people(&state.db, user.centre_id).await?;
    render(&ListPage {
        page,
        rows,
        search: name,
        states: Choice::list(
            std::iter::once(("", "Alle"))
                .chain(CaseState::ALL.iter().map(|s| (s.code(), s.plural()))),
            std::slice::from_ref(&state_raw),
        ),
        contacts: contact_choices(&contact_people, &contact_raw, "Alle kontaktpersoner"),
        state: state_raw,
        contact: contact_raw,
        // Turned back past the first page (cases arrived since): page 1.
        page_number: if earlier { turn.page_number.max(2) } else { 1 },
        earlier,
        more,
    })
}
