//! `/cases`: the list, a new case, the case page (people, children, their
//! mappings), editing, and the case's Tilgangslogg.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::form::{CaseForm, ChildForm, contact_choices};
use super::{Case, CaseRow, ListFilter, Person, PersonKind, PersonRow};
use crate::audit::{self, AuditKind, Entry, Event, Filter};
use crate::auth::Permission;
use crate::auth::permission::{
    Can,
    grant::{ReadAccessLog, ReadCases, WriteCases},
};
use crate::auth::session::CurrentUser;
use crate::error::AppError;
use crate::forms::{Choice, FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, PathIds, RecordId};
use crate::{AppState, locale};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(view_cases_get).post(view_cases_search_post))
        .route(
            "/cases/new",
            get(view_case_new_get).post(view_case_new_post),
        )
        .route("/cases/{id}", get(view_case_get))
        .route(
            "/cases/{id}/edit",
            get(view_case_edit_get).post(view_case_edit_post),
        )
        .route("/cases/{id}/children", post(view_child_add_post))
        .route(
            "/cases/{id}/children/{person_id}/remove",
            post(view_child_remove_post),
        )
        .route("/cases/{id}/access-log", get(view_access_log_get))
}

// ---- The list ----

#[derive(Deserialize, Default)]
struct ListQuery {
    state: Option<String>,
    contact: Option<String>,
    page: Option<String>,
}

/// A case as its list row shows it.
struct ListRow {
    case: CaseRow,
    people: Vec<PersonRow>,
}

impl ListRow {
    fn resident(&self) -> Option<&PersonRow> {
        self.people.iter().find(|p| p.kind == PersonKind::Resident)
    }
    fn children(&self) -> impl Iterator<Item = &PersonRow> {
        self.people.iter().filter(|p| p.kind == PersonKind::Child)
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

async fn view_cases_get(
    state: State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    list(state, page, user, ip, query, String::new()).await
}

/// A name search is posted, so that no name ends up in a URL.
async fn view_cases_search_post(
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
        open: match state_raw.as_str() {
            "open" => Some(true),
            "closed" => Some(false),
            _ => None,
        },
        contact_person_id: Uuid::parse_str(&contact_raw).ok(),
        name: name.clone(),
        page: query
            .page
            .and_then(|p| p.parse().ok())
            .unwrap_or(0_i64)
            .clamp(0, 100_000),
    };
    let (cases, mut people, more) = super::list(&state.db, user.centre_id, &filter).await?;
    let rows = cases
        .into_iter()
        .map(|case| {
            let (mine, rest): (Vec<PersonRow>, Vec<PersonRow>) =
                people.drain(..).partition(|p| p.case_id == case.id);
            people = rest;
            ListRow { case, people: mine }
        })
        .collect();
    audit::record(&state.db, &Event::by(AuditKind::CaseListViewed, &user, ip)).await?;
    let contact_people = super::contact_people(&state.db, user.centre_id).await?;
    render(&ListPage {
        page,
        rows,
        search: name,
        states: Choice::list(
            [("", "Alle"), ("open", "Åpne"), ("closed", "Avsluttede")],
            std::slice::from_ref(&state_raw),
        ),
        contacts: contact_choices(&contact_people, &contact_raw, "Alle kontaktpersoner"),
        state: state_raw,
        contact: contact_raw,
        page_number: filter.page,
        more,
    })
}

// ---- New case, and editing ----

#[derive(Template)]
#[template(path = "cases/form.html")]
struct CaseFormPage {
    page: Page,
    /// `None` for a new case.
    case_id: Option<Uuid>,
    form: CaseForm,
    errors: FieldErrors,
    violence: Vec<Choice>,
    contacts: Vec<Choice>,
    states: Vec<Choice>,
    /// Someone else saved the case while this form was filled: what they saved.
    conflict: Option<Vec<(&'static str, String)>>,
}

fn form_page(
    page: Page,
    case_id: Option<Uuid>,
    form: CaseForm,
    errors: FieldErrors,
    contact_people: &[(Uuid, String)],
    conflict: Option<Vec<(&'static str, String)>>,
) -> CaseFormPage {
    CaseFormPage {
        page,
        case_id,
        violence: form.violence_choices(),
        contacts: form.contact_choices(contact_people),
        states: form.state_choices(),
        form,
        errors,
        conflict,
    }
}

async fn view_case_new_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
) -> Result<Response, AppError> {
    let contact_people = super::contact_people(&state.db, user.centre_id).await?;
    let form = CaseForm {
        arrival_date: locale::date(locale::today()),
        contact_person_id: user.id.to_string(),
        ..CaseForm::default()
    };
    render(&form_page(
        page,
        None,
        form,
        FieldErrors::default(),
        &contact_people,
        None,
    ))
}

async fn view_case_new_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    fields: FormFields,
) -> Result<Response, AppError> {
    let contact_people = super::contact_people(&state.db, user.centre_id).await?;
    let mut form = CaseForm::from_fields(&fields);
    form.state = "open".into();
    let parsed = match form.parse(&contact_people) {
        Ok(parsed) => parsed,
        Err(errors) => {
            return render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(page, None, form, errors, &contact_people, None),
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let id = super::create(&mut tx, user.centre_id, &parsed, false).await?;
    audit::record(
        &mut *tx,
        &Event::on_case(AuditKind::CaseCreated, &user, ip, id),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/cases/{id}")).into_response())
}

async fn view_case_edit_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = super::load_for(&state.db, user.centre_id, id).await?;
    let resident = resident(&state, &case).await?;
    let contact_people = super::contact_people(&state.db, user.centre_id).await?;
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::CaseViewed, &user, ip, id),
    )
    .await?;
    let form = CaseForm::from_case(&case, &resident);
    render(&form_page(
        page,
        Some(id),
        form,
        FieldErrors::default(),
        &contact_people,
        None,
    ))
}

async fn view_case_edit_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    fields: FormFields,
) -> Result<Response, AppError> {
    let case = super::load_for(&state.db, user.centre_id, id).await?;
    let contact_people = super::contact_people(&state.db, user.centre_id).await?;
    let mut form = CaseForm::from_fields(&fields);
    let parsed = match form.parse(&contact_people) {
        Ok(parsed) => parsed,
        Err(errors) => {
            return render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(page, Some(id), form, errors, &contact_people, None),
            );
        }
    };
    let read_at: i32 = form.lock_version.parse().unwrap_or(0);
    let mut tx = state.db.begin().await?;
    if !super::update(&mut tx, &case, read_at, &parsed).await? {
        drop(tx);
        // Someone saved in between: keep what this user typed, show what the
        // other saved, and let a new save knowingly replace it.
        let resident = resident(&state, &case).await?;
        let saved = CaseForm::from_case(&case, &resident);
        let conflict = differences(&saved, &form, &contact_people);
        form.lock_version = case.lock_version.to_string();
        return render_with_status(
            StatusCode::CONFLICT,
            &form_page(
                page,
                Some(id),
                form,
                FieldErrors::default(),
                &contact_people,
                Some(conflict),
            ),
        );
    }
    audit::record(
        &mut *tx,
        &Event::on_case(AuditKind::CaseUpdated, &user, ip, id),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/cases/{id}?melding=sak-lagret")).into_response())
}

/// The fields where the saved case differs from what this user typed, with
/// the saved value.
fn differences(
    saved: &CaseForm,
    typed: &CaseForm,
    contact_people: &[(Uuid, String)],
) -> Vec<(&'static str, String)> {
    saved
        .described(contact_people)
        .into_iter()
        .zip(typed.described(contact_people))
        .filter(|((_, mine), (_, theirs))| mine.trim() != theirs.trim())
        .map(|((label, value), _)| (label, value))
        .collect()
}

async fn resident(state: &AppState, case: &Case) -> Result<Person, AppError> {
    super::people(&state.db, case.id)
        .await?
        .into_iter()
        .find(|p| !p.is_child())
        .ok_or_else(|| AppError::Internal("a case without its resident".into()))
}

// ---- The case page ----

/// A person on the case page, with their mapping's state.
struct PersonView {
    person: Person,
    contact_name: Option<String>,
    mapping: crate::mapping::Status,
    plan: crate::plans::model::Status,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct CasePage {
    page: Page,
    case: Case,
    contact_name: String,
    people: Vec<PersonView>,
    child_form: ChildForm,
    child_errors: FieldErrors,
    child_contacts: Vec<Choice>,
    may_read_access_log: bool,
}

impl CasePage {
    fn resident(&self) -> Option<&PersonView> {
        self.people.iter().find(|p| !p.person.is_child())
    }
    fn removed_children(&self) -> impl Iterator<Item = &PersonView> {
        self.people.iter().filter(|p| p.person.removed_at.is_some())
    }
    fn violence(&self) -> String {
        self.case
            .violence_kinds
            .iter()
            .map(|code| super::violence_label(code))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn date(&self, d: &time::Date) -> String {
        locale::date(*d)
    }
}

async fn case_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    case: Case,
    child_form: ChildForm,
    child_errors: FieldErrors,
) -> Result<CasePage, AppError> {
    let contact_people = super::contact_people(&state.db, user.centre_id).await?;
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| contact_people.iter().find(|(c, _)| *c == id))
            .map(|(_, n)| n.clone())
    };
    let people = super::people(&state.db, case.id).await?;
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let statuses = crate::mapping::statuses(&state.db, &ids).await?;
    let plans = crate::plans::model::statuses(&state.db, &ids).await?;
    let people = people
        .into_iter()
        .zip(statuses.into_iter().zip(plans))
        .map(|(person, (mapping, plan))| PersonView {
            contact_name: name_of(person.contact_person_id),
            person,
            mapping,
            plan,
        })
        .collect();
    Ok(CasePage {
        page,
        contact_name: name_of(case.contact_person_id).unwrap_or_default(),
        child_contacts: contact_choices(
            &contact_people,
            &child_form.child_contact_person_id,
            "Ingen ennå",
        ),
        case,
        people,
        child_form,
        child_errors,
        may_read_access_log: user.may(Permission::ReadAccessLog),
    })
}

async fn view_case_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = super::load_for(&state.db, user.centre_id, id).await?;
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::CaseViewed, &user, ip, id),
    )
    .await?;
    render(
        &case_page(
            &state,
            page,
            &user,
            case,
            ChildForm::default(),
            FieldErrors::default(),
        )
        .await?,
    )
}

async fn view_child_add_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    fields: FormFields,
) -> Result<Response, AppError> {
    let case = super::load_for(&state.db, user.centre_id, id).await?;
    let contact_people = super::contact_people(&state.db, user.centre_id).await?;
    let form = ChildForm::from_fields(&fields);
    let child = match form.parse(&contact_people) {
        Ok(child) => child,
        Err(errors) => {
            let page = case_page(&state, page, &user, case, form, errors).await?;
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    super::add_child(&mut *tx, &case, &child).await?;
    audit::record(
        &mut *tx,
        &Event::on_case(AuditKind::ChildAdded, &user, ip, id),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/cases/{id}?melding=barn-lagt-til")).into_response())
}

async fn view_child_remove_post(
    State(state): State<AppState>,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let case = super::load_for(&state.db, user.centre_id, path.id("id")?).await?;
    let mut tx = state.db.begin().await?;
    if !super::remove_child(&mut *tx, &case, path.id("person_id")?).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut *tx,
        &Event::on_case(AuditKind::ChildRemoved, &user, ip, case.id),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/cases/{}?melding=barn-fjernet", case.id)).into_response())
}

// ---- Tilgangslogg ----

#[derive(Template)]
#[template(path = "cases/access_log.html")]
struct AccessLogPage {
    page: Page,
    case_id: Uuid,
    entries: Vec<Entry>,
}

/// Who has read or changed this case: for coordinators and administrators.
async fn view_access_log_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadAccessLog>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = super::load_for(&state.db, user.centre_id, id).await?;
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::CaseAccessLogViewed, &user, ip, id),
    )
    .await?;
    let filter = Filter {
        case_id: Some(case.id),
        ..Filter::default()
    };
    let entries = audit::list(&state.db, user.centre_id, &filter, 500).await?;
    render(&AccessLogPage {
        page,
        case_id: case.id,
        entries,
    })
}
