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
use crate::cases::{CaseRow, CaseState, ListFilter, PersonKind, PersonRow};
use crate::error::AppError;
use crate::flags::FlagKind;
use crate::forms::{Choice, FormFields};
use crate::http::ClientIp;
use crate::http::page::{Page, render};
use crate::{AppState, locale};

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    state: Option<String>,
    contact: Option<String>,
    page: Option<String>,
}

/// A case as its list row shows it.
struct ListRow {
    case: CaseRow,
    people: Vec<PersonRow>,
    /// The open review flags of its people (U4).
    flags: Vec<(Uuid, FlagKind)>,
}

impl ListRow {
    fn resident(&self) -> Option<&PersonRow> {
        self.people.iter().find(|p| p.kind == PersonKind::Resident)
    }
    fn children(&self) -> impl Iterator<Item = &PersonRow> {
        self.people.iter().filter(|p| p.kind == PersonKind::Child)
    }
    fn flags_of(&self, person: &PersonRow) -> Vec<FlagKind> {
        self.flags
            .iter()
            .filter(|(id, _)| *id == person.id)
            .map(|(_, kind)| *kind)
            .collect()
    }
    fn arrival(&self) -> String {
        locale::date(self.case.arrival_date)
    }
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<ListRow>,
    /// The name searched for (not `name`: askama's macros would shadow it).
    search: String,
    states: Vec<Choice>,
    contacts: Vec<Choice>,
    state: String,
    contact: String,
    page_number: i64,
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
    list(state, page, user, ip, query, String::new()).await
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
        page: Some(form.get("page").to_owned()),
    };
    let name: String = form.get("name").trim().chars().take(100).collect();
    list(state, page, user, ip, query, name).await
}

async fn list(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    query: ListQuery,
    name: String,
) -> Result<Response, AppError> {
    let state_raw = query.state.unwrap_or_default();
    let contact_raw = query.contact.unwrap_or_default();
    let filter = ListFilter {
        state: CaseState::parse(&state_raw),
        contact_person_id: Uuid::parse_str(&contact_raw).ok(),
        name: name.clone(),
        page: query
            .page
            .and_then(|p| p.parse().ok())
            .unwrap_or(0_i64)
            .clamp(0, 100_000),
    };
    let (cases, mut people, more) = crate::cases::list(&state.db, user.centre_id, &filter).await?;
    let ids: Vec<Uuid> = cases.iter().map(|c| c.id).collect();
    let mut flags = crate::flags::view::of_cases(&state.db, user.centre_id, &ids).await?;
    let rows = cases
        .into_iter()
        .map(|case| {
            let (mine, rest): (Vec<PersonRow>, Vec<PersonRow>) =
                people.drain(..).partition(|p| p.case_id == case.id);
            people = rest;
            let (theirs, rest): (Vec<_>, Vec<_>) = flags
                .drain(..)
                .partition(|(person, _)| mine.iter().any(|p| p.id == *person));
            flags = rest;
            ListRow {
                case,
                people: mine,
                flags: theirs,
            }
        })
        .collect();
    Event::by(AuditKind::CaseListViewed, &user, ip)
        .record_read(&state.db)
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
        page_number: filter.page,
        more,
    })
}
