//! `/cases/{id}/incidents…`: the case's incident log, a new entry, and one
//! entry with its offer of a new mapping version.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use uuid::Uuid;

use super::Incident;
use super::form::IncidentForm;
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::Permission;
use crate::auth::permission::{
    Can,
    grant::{ReadCases, WriteCases},
};
use crate::cases::{Case, Person};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, PathIds, RecordId};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/incidents",
            get(view_incidents_get).post(view_incidents_post),
        )
        .route(
            "/cases/{id}/incidents/{incident_id}",
            get(view_incident_get),
        )
}

#[derive(Template)]
#[template(path = "incidents/log.html")]
struct LogPage {
    page: Page,
    case: Case,
    people: Vec<Person>,
    incidents: Vec<Incident>,
    form: IncidentForm,
    errors: FieldErrors,
    may_write: bool,
}

impl LogPage {
    fn concern_choices(&self) -> Vec<crate::forms::Choice> {
        let active: Vec<Person> = self
            .people
            .iter()
            .filter(|p| p.removed_at.is_none())
            .cloned()
            .collect();
        self.form.concern_choices(&active)
    }
    fn names(&self, incident: &Incident) -> String {
        names(&self.people, incident)
    }
}

fn names(people: &[Person], incident: &Incident) -> String {
    people
        .iter()
        .filter(|p| incident.concerns.contains(&p.id))
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The log page, its reading audited: every time it is shown is a read.
async fn log_page(
    state: &AppState,
    page: Page,
    (user, ip): (&crate::auth::session::CurrentUser, Option<std::net::IpAddr>),
    case: Case,
    form: IncidentForm,
    errors: FieldErrors,
) -> Result<LogPage, AppError> {
    let people = crate::cases::people(&state.db, case.id).await?;
    let incidents = super::of_case(&state.db, user.centre_id, case.id).await?;
    Event::on_case(AuditKind::IncidentsViewed, user, ip, case.id)
        .record_read(&state.reads)
        .await?;
    Ok(LogPage {
        page,
        people,
        incidents,
        form,
        errors,
        may_write: user.may(Permission::WriteCases),
        case,
    })
}

async fn view_incidents_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    let shown = log_page(
        &state,
        page,
        (&user, ip),
        case,
        IncidentForm::blank(),
        FieldErrors::default(),
    )
    .await?;
    render(&shown)
}

async fn view_incidents_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    let people = crate::cases::people(&state.db, case.id).await?;
    let active: Vec<Person> = people
        .into_iter()
        .filter(|p| p.removed_at.is_none())
        .collect();
    let mut form = IncidentForm::read(&posted);
    let entry_id = Uuid::parse_str(&form.id).ok();
    if entry_id.is_none() {
        form.id = Uuid::new_v4().to_string();
    }
    let parsed = form.parse(&active, crate::locale::today());
    let (new, entry_id) = match (parsed, entry_id) {
        (Ok(new), Some(entry_id)) => (new, entry_id),
        (parsed, _) => {
            let errors = parsed.err().unwrap_or_default();
            let shown = log_page(&state, page, (&user, ip), case, form, errors).await?;
            let status = if shown.errors.is_empty() {
                // Only the form's own id was bad: ask again, nothing lost.
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return render_with_status(status, &shown);
        }
    };
    let mut tx = state.db.begin().await?;
    let recorded = super::record(&mut tx, user.centre_id, case.id, entry_id, &new, user.id).await?;
    if recorded {
        Event::on_case(AuditKind::IncidentRecorded, &user, ip, id)
            .record(&mut *tx)
            .await?;
        tx.commit().await?;
        crate::flags::rescan_case(&state.db, &state.rules, case.id).await;
    } else {
        tx.rollback().await?;
        // Pressed twice: the first press recorded it, under this case. An
        // id taken anywhere else is no entry of this form: ask again.
        if super::one(&state.db, user.centre_id, case.id, entry_id)
            .await?
            .is_none()
        {
            form.id = Uuid::new_v4().to_string();
            let shown = log_page(
                &state,
                page,
                (&user, ip),
                case,
                form,
                FieldErrors::default(),
            )
            .await?;
            return render_with_status(StatusCode::CONFLICT, &shown);
        }
    }
    Ok(Redirect::to(&format!(
        "/cases/{id}/incidents/{entry_id}?melding=hendelse-registrert"
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "incidents/show.html")]
struct IncidentPage {
    page: Page,
    case: Case,
    incident: Incident,
    /// Those it concerned who are still in the case: each may need a new
    /// mapping version.
    concerned: Vec<Person>,
    names: String,
    may_write: bool,
}

async fn view_incident_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, path.id("id")?).await?;
    let incident = super::one(&state.db, user.centre_id, case.id, path.id("incident_id")?)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = crate::cases::people(&state.db, case.id).await?;
    let names = names(&people, &incident);
    let concerned = people
        .into_iter()
        .filter(|p| p.removed_at.is_none() && incident.concerns.contains(&p.id))
        .collect();
    Event::on_case(AuditKind::IncidentsViewed, &user, ip, case.id)
        .record_read(&state.reads)
        .await?;
    render(&IncidentPage {
        page,
        may_write: user.may(Permission::WriteCases) && case.closed_on.is_none(),
        case,
        incident,
        concerned,
        names,
    })
}
