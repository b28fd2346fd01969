//! `/cases/{id}/perpetrators…`: the case's perpetrators, one added, one
//! changed (a new version), its versions, and two versions side by side.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use uuid::Uuid;

use super::form::PerpetratorForm;
use super::{Perpetrator, Version};
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::Permission;
use crate::auth::permission::{
    Can,
    grant::{ReadCases, WriteCases},
};
use crate::auth::session::CurrentUser;
use crate::cases::{Case, Person};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, PathIds, RecordId};
use crate::versioned::{CompareQuery, Compared, Sections, sections};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/perpetrators",
            get(view_perpetrators_get).post(view_perpetrator_add_post),
        )
        .route(
            "/cases/{id}/perpetrators/new",
            get(view_perpetrator_new_get),
        )
        .route(
            "/cases/{id}/perpetrators/{perpetrator_id}",
            get(view_perpetrator_get),
        )
        .route(
            "/cases/{id}/perpetrators/{perpetrator_id}/edit",
            get(view_perpetrator_edit_get).post(view_perpetrator_edit_post),
        )
        .route(
            "/cases/{id}/perpetrators/{perpetrator_id}/versions/{version}",
            get(view_perpetrator_version_get),
        )
        .route(
            "/cases/{id}/perpetrators/{perpetrator_id}/compare",
            get(view_perpetrator_compare_get),
        )
}

fn base(case_id: Uuid) -> String {
    format!("/cases/{case_id}/perpetrators")
}

/// Records that the one who asks read the case's perpetrators.
async fn record_read(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<std::net::IpAddr>,
    case_id: Uuid,
) -> Result<(), AppError> {
    Ok(
        Event::on_case(AuditKind::PerpetratorsViewed, user, ip, case_id)
            .record_read(&state.reads)
            .await?,
    )
}

// ---- The list ----

#[derive(Template)]
#[template(path = "perpetrators/list.html")]
struct ListPage {
    page: Page,
    case: Case,
    people: Vec<Person>,
    perpetrators: Vec<Perpetrator>,
    may_write: bool,
}

async fn view_perpetrators_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    let people = crate::cases::people(&state.db, case.id).await?;
    let perpetrators = super::of_case(&state.db, user.centre_id, case.id).await?;
    record_read(&state, &user, ip, case.id).await?;
    render(&ListPage {
        page,
        may_write: user.may(Permission::WriteCases),
        case,
        people,
        perpetrators,
    })
}

// ---- Adding and changing ----

#[derive(Template)]
#[template(path = "perpetrators/form.html")]
struct FormPage {
    page: Page,
    case: Case,
    people: Vec<Person>,
    /// Where the form posts to.
    action: String,
    /// A new one: the id it will have (a second press adds nobody twice).
    new_id: Option<String>,
    /// The version the form was read at, when changing one.
    version: i32,
    form: PerpetratorForm,
    errors: FieldErrors,
    /// Someone else saved while this form was filled: what they saved.
    conflict: Option<Vec<Compared>>,
}

async fn view_perpetrator_new_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    let people = crate::cases::people(&state.db, case.id).await?;
    // The form names the case's people: read as the case page is.
    Event::on_case(AuditKind::CaseViewed, &user, ip, case.id)
        .record_read(&state.reads)
        .await?;
    render(&FormPage {
        page,
        action: base(case.id),
        new_id: Some(Uuid::new_v4().to_string()),
        version: 0,
        form: PerpetratorForm::from_content(&super::Content::default(), &people),
        errors: FieldErrors::default(),
        conflict: None,
        case,
        people,
    })
}

async fn view_perpetrator_add_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    let people = crate::cases::people(&state.db, case.id).await?;
    let form = PerpetratorForm::read(&posted, &people);
    let new_id = Uuid::parse_str(posted.get("perpetrator_id")).ok();
    let content = match (form.parse(&people), new_id) {
        (Ok(content), Some(_)) => content,
        (parsed, _) => {
            return render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage {
                    page,
                    action: base(case.id),
                    new_id: Some(new_id.unwrap_or_else(Uuid::new_v4).to_string()),
                    version: 0,
                    form,
                    errors: parsed.err().unwrap_or_default(),
                    conflict: None,
                    case,
                    people,
                },
            );
        }
    };
    let new_id = new_id.unwrap_or_else(Uuid::new_v4);
    let mut tx = state.db.begin().await?;
    if super::add(&mut tx, user.centre_id, case.id, new_id, &content, user.id).await? {
        Event::on_case(AuditKind::PerpetratorSaved, &user, ip, case.id)
            .record(&mut *tx)
            .await?;
        tx.commit().await?;
    } else {
        tx.rollback().await?;
        // Pressed twice: added by the first press, to this case. An id
        // taken anywhere else is no add of this form: ask again.
        if super::one(&state.db, user.centre_id, case.id, new_id)
            .await?
            .is_none()
        {
            return render_with_status(
                StatusCode::CONFLICT,
                &FormPage {
                    page,
                    action: base(case.id),
                    new_id: Some(Uuid::new_v4().to_string()),
                    version: 0,
                    form,
                    errors: FieldErrors::default(),
                    conflict: None,
                    case,
                    people,
                },
            );
        }
    }
    Ok(Redirect::to(&format!("{}/{new_id}?melding=utover-lagret", base(case.id))).into_response())
}

/// The case and one of its perpetrators, both of the caller's centre.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    path: &PathIds,
) -> Result<(Case, Vec<Person>, Perpetrator), AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, path.id("id")?).await?;
    let perpetrator = super::one(
        &state.db,
        user.centre_id,
        case.id,
        path.id("perpetrator_id")?,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let people = crate::cases::people(&state.db, case.id).await?;
    Ok((case, people, perpetrator))
}

async fn view_perpetrator_edit_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, people, perpetrator) = load(&state, &user, &path).await?;
    record_read(&state, &user, ip, case.id).await?;
    render(&FormPage {
        page,
        action: format!("{}/{}/edit", base(case.id), perpetrator.id),
        new_id: None,
        version: perpetrator.version,
        form: PerpetratorForm::from_content(&perpetrator.content, &people),
        errors: FieldErrors::default(),
        conflict: None,
        case,
        people,
    })
}

async fn view_perpetrator_edit_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
    posted: FormFields,
) -> Result<Response, AppError> {
    let (case, people, perpetrator) = load(&state, &user, &path).await?;
    let form = PerpetratorForm::read(&posted, &people);
    let read_at: i32 = posted.get("version").parse().unwrap_or(0);
    let action = format!("{}/{}/edit", base(case.id), perpetrator.id);
    let content = match form.parse(&people) {
        Ok(content) => content,
        Err(errors) => {
            return render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage {
                    page,
                    action,
                    new_id: None,
                    version: read_at,
                    form,
                    errors,
                    conflict: None,
                    case,
                    people,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let saved = super::save(
        &mut tx,
        user.centre_id,
        case.id,
        perpetrator.id,
        read_at,
        &content,
        user.id,
    )
    .await?;
    if !saved {
        tx.rollback().await?;
        // What was saved meanwhile is shown: a read.
        record_read(&state, &user, ip, case.id).await?;
        let conflict =
            crate::versioned::changes(perpetrator.content.rows(&people), content.rows(&people));
        return render_with_status(
            StatusCode::CONFLICT,
            &FormPage {
                page,
                action,
                new_id: None,
                version: perpetrator.version,
                form,
                errors: FieldErrors::default(),
                conflict: Some(conflict),
                case,
                people,
            },
        );
    }
    Event::on_case(AuditKind::PerpetratorSaved, &user, ip, case.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "{}/{}?melding=utover-lagret",
        base(case.id),
        perpetrator.id
    ))
    .into_response())
}

// ---- One, its versions, and two side by side ----

#[derive(Template)]
#[template(path = "perpetrators/show.html")]
struct ShowPage {
    page: Page,
    case: Case,
    base: String,
    name: String,
    /// The version shown, and whether it is the newest.
    shown: i32,
    newest: bool,
    sections: Sections,
    versions: Vec<Version>,
    may_write: bool,
}

async fn show(
    state: AppState,
    page: Page,
    user: &CurrentUser,
    ip: Option<std::net::IpAddr>,
    path: &PathIds,
    number: Option<i32>,
) -> Result<Response, AppError> {
    let (case, people, perpetrator) = load(&state, user, path).await?;
    let versions = super::versions(&state.db, user.centre_id, case.id, perpetrator.id).await?;
    let shown = number.unwrap_or(perpetrator.version);
    let content = versions
        .iter()
        .find(|v| v.version == shown)
        .map(|v| v.content.clone())
        .ok_or(AppError::NotFound)?;
    record_read(&state, user, ip, case.id).await?;
    render(&ShowPage {
        page,
        base: format!("{}/{}", base(case.id), perpetrator.id),
        name: perpetrator.content.name.clone(),
        newest: shown == perpetrator.version,
        shown,
        sections: sections(content.rows(&people)),
        versions,
        may_write: user.may(Permission::WriteCases),
        case,
    })
}

async fn view_perpetrator_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    show(state, page, &user, ip, &path, None).await
}

async fn view_perpetrator_version_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let n = path.number("version")?;
    show(state, page, &user, ip, &path, Some(n)).await
}

#[derive(Template)]
#[template(path = "perpetrators/compare.html")]
struct ComparePage {
    page: Page,
    case: Case,
    base: String,
    name: String,
    from: i32,
    to: i32,
    rows: Vec<Compared>,
}

async fn view_perpetrator_compare_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let (from, to) = query.versions()?;
    let (case, people, perpetrator) = load(&state, &user, &path).await?;
    let versions = super::versions(&state.db, user.centre_id, case.id, perpetrator.id).await?;
    let content = |n: i32| {
        versions
            .iter()
            .find(|v| v.version == n)
            .map(|v| v.content.rows(&people))
            .ok_or(AppError::NotFound)
    };
    let rows = crate::versioned::compare_rows(content(from)?, content(to)?);
    record_read(&state, &user, ip, case.id).await?;
    render(&ComparePage {
        page,
        base: format!("{}/{}", base(case.id), perpetrator.id),
        name: perpetrator.content.name.clone(),
        from,
        to,
        rows,
        case,
    })
}
