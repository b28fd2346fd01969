//! A new case, and editing one; a lost race shows what the other saved
//! and keeps what this form holds.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::WriteCases};
use crate::cases::CaseState;
use crate::cases::form::CaseForm;
use crate::error::AppError;
use crate::forms::{Choice, FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, RecordId};
use crate::{AppState, locale};

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

pub(super) async fn view_case_new_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
) -> Result<Response, AppError> {
    let contact_people = crate::cases::contact_people(&state.db, user.centre_id).await?;
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

pub(super) async fn view_case_new_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    fields: FormFields,
) -> Result<Response, AppError> {
    let contact_people = crate::cases::contact_people(&state.db, user.centre_id).await?;
    let mut form = CaseForm::read(&fields);
    form.state = CaseState::Open.code().into();
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
    let id = crate::cases::create(&mut tx, user.centre_id, &parsed, false).await?;
    Event::on_case(AuditKind::CaseCreated, &user, ip, id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/cases/{id}")).into_response())
}

pub(super) async fn view_case_edit_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    let resident = crate::cases::resident_of(&state.db, case.id).await?;
    let contact_people =
        case.possible_contacts(&crate::cases::contact_people(&state.db, user.centre_id).await?);
    Event::on_case(AuditKind::CaseViewed, &user, ip, id)
        .record_read(&state.reads)
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

pub(super) async fn view_case_edit_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    fields: FormFields,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    let contact_people =
        case.possible_contacts(&crate::cases::contact_people(&state.db, user.centre_id).await?);
    let mut form = CaseForm::read(&fields);
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
    if !crate::cases::update(&mut tx, &case, read_at, &parsed).await? {
        drop(tx);
        // Someone saved in between: keep what this user typed, show what the
        // other saved, and let a new save knowingly replace it.
        let resident = crate::cases::resident_of(&state.db, case.id).await?;
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
    Event::on_case(AuditKind::CaseUpdated, &user, ip, id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    // P10: a departure moved, or the case closed.
    crate::flags::rescan_case(&state.db, &state.rules, id).await;
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
