//! `/cases/{id}/people/{person_id}/mapping…`: a person's mapping, its draft,
//! its versions, and two versions side by side.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::Version;
use super::content::{Content, compare};
use crate::AppState;
use crate::audit::{self, AuditKind, Event};
use crate::auth::permission::{
    Can,
    grant::{ReadCases, WriteCases},
};
use crate::cases::{self, Case, Person};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, PathIds};
use crate::versioned::{CompareQuery, Compared, Sections, sections};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/people/{person_id}/mapping",
            get(view_mapping_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/mapping/draft",
            post(view_mapping_draft_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/mapping/edit",
            get(view_mapping_edit_get).post(view_mapping_edit_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/mapping/versions/{version}",
            get(view_mapping_version_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/mapping/compare",
            get(view_mapping_compare_get),
        )
}

fn url(case: &Case, person: &Person) -> String {
    format!("/cases/{}/people/{}/mapping", case.id, person.id)
}

// ---- Overview ----

#[derive(Template)]
#[template(path = "mapping/overview.html")]
struct OverviewPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    versions: Vec<Version>,
    /// The newest completed version, section by section.
    current: Option<(i32, Sections)>,
    has_draft: bool,
}

async fn view_mapping_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person(&state.db, &user, &path).await?;
    let versions = super::versions(&state.db, &person).await?;
    let current = versions
        .iter()
        .find(|v| !v.is_draft())
        .map(|v| (v.version, sections(v.content.rows())));
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::MappingViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&OverviewPage {
        page,
        base: url(&case, &person),
        has_draft: versions.iter().any(Version::is_draft),
        case,
        person,
        versions,
        current,
    })
}

async fn view_mapping_draft_post(
    State(state): State<AppState>,
    user: Can<WriteCases>,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person_to_change(&state.db, &user, &path).await?;
    super::start_draft(&state.db, &person, user.id).await?;
    Ok(Redirect::to(&format!("{}/edit", url(&case, &person))).into_response())
}

// ---- The draft ----

#[derive(Template)]
#[template(path = "mapping/edit.html")]
struct EditPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    version: i32,
    lock_version: i32,
    content: Content,
    errors: FieldErrors,
    /// Someone else saved the draft while this form was filled: what they saved.
    conflict: Option<Vec<Compared>>,
}

impl EditPage {
    fn violence_question(&self) -> String {
        format!("Hva har {} opplevd av vold?", self.person.name)
    }
}

async fn view_mapping_edit_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person_to_change(&state.db, &user, &path).await?;
    let Some(draft) = super::draft(&state.db, &person).await? else {
        return Ok(Redirect::to(&url(&case, &person)).into_response());
    };
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::MappingViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&EditPage {
        page,
        base: url(&case, &person),
        case,
        person,
        version: draft.version,
        lock_version: draft.lock_version,
        content: draft.content,
        errors: FieldErrors::default(),
        conflict: None,
    })
}

async fn view_mapping_edit_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ip: ClientIp,
    path: PathIds,
    form: FormFields,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person_to_change(&state.db, &user, &path).await?;
    let draft = match super::draft(&state.db, &person).await? {
        Some(draft) => draft,
        None => {
            // Completed by someone else meanwhile. Nothing typed may be lost:
            // open the next version and show this text again (a conflict below).
            super::start_draft(&state.db, &person, user.id).await?;
            super::draft(&state.db, &person)
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    let (content, mut errors) = Content::from_form(&draft.content, &form);
    let complete = form.get("action") == "complete";
    if complete {
        content.check_complete(&mut errors);
    }
    let read_at: i32 = form.get("lock_version").parse().unwrap_or(0);
    let base = url(&case, &person);
    if !errors.is_empty() {
        return render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EditPage {
                page,
                base,
                case,
                person,
                version: draft.version,
                lock_version: read_at,
                content,
                errors,
                conflict: None,
            },
        );
    }
    let same_version = form.get("version") == draft.version.to_string();
    if !same_version
        || read_at != draft.lock_version
        || !super::save_draft(&state.db, &draft, read_at, &content, user.id, complete).await?
    {
        let saved = super::draft(&state.db, &person).await?.unwrap_or(draft);
        let conflict = compare(&saved.content, &content)
            .into_iter()
            .filter(Compared::changed)
            .collect();
        return render_with_status(
            StatusCode::CONFLICT,
            &EditPage {
                page,
                base,
                case,
                person,
                version: saved.version,
                lock_version: saved.lock_version,
                content,
                errors,
                conflict: Some(conflict),
            },
        );
    }
    let kind = if complete {
        AuditKind::MappingCompleted
    } else {
        AuditKind::MappingSaved
    };
    audit::record(&state.db, &Event::on_case(kind, &user, ip.0, case.id)).await?;
    Ok(if complete {
        Redirect::to(&format!("{base}?melding=kartlegging-fullfort"))
    } else {
        Redirect::to(&format!("{base}/edit?melding=kartlegging-lagret"))
    }
    .into_response())
}

// ---- Versions ----

#[derive(Template)]
#[template(path = "mapping/version.html")]
struct VersionPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    version: Version,
    sections: Sections,
}

async fn view_mapping_version_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person(&state.db, &user, &path).await?;
    let version = super::version(&state.db, &person, path.number("version")?)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::MappingViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&VersionPage {
        page,
        base: url(&case, &person),
        sections: sections(version.content.rows()),
        case,
        person,
        version,
    })
}

#[derive(Template)]
#[template(path = "mapping/compare.html")]
struct ComparePage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    from: i32,
    to: i32,
    rows: Vec<Compared>,
}

async fn view_mapping_compare_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person(&state.db, &user, &path).await?;
    let (from_n, to_n) = query.versions()?;
    let from = super::version(&state.db, &person, from_n)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = super::version(&state.db, &person, to_n)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::MappingViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&ComparePage {
        page,
        base: url(&case, &person),
        rows: compare(&from.content, &to.content),
        case,
        person,
        from: from_n,
        to: to_n,
    })
}
