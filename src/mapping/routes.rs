//! `/cases/{id}/people/{person_id}/mapping…`: a person's mapping, its draft,
//! its versions, and two versions side by side.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::form::MappingForm;
use super::{Version, next_content};
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::permission::grant::{ReadCases, WriteCases};
use crate::cases::access::PersonOf;
use crate::cases::{Case, Person};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::versioned::{self, ComparePage, CompareQuery, Compared, Sections, Target, sections};

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
    /// P9, R1: the newest version says relocation must be considered.
    relocation: Option<RelocationOffer>,
    /// Where the newest version came from, when a relocation brought it.
    received_from: Option<String>,
}

enum RelocationOffer {
    /// Open one, resting on this version ("person:version").
    Open(String),
    /// One is under way: its address.
    UnderWay(String),
}

async fn view_mapping_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
) -> Result<Response, AppError> {
    let viewed = at.event(AuditKind::MappingViewed);
    let PersonOf { case, person, .. } = at;
    let (versions, active_relocation) =
        super::versions_and_active_relocation(&state.db, case.centre_id, case.id, person.id)
            .await?;
    let newest = versions.iter().find(|v| !v.is_draft());
    let current = newest.map(|v| (v.version, sections(v.content.rows())));
    // A version received at a relocation answered for the centre before.
    let consider = newest.is_some_and(|v| {
        v.content.relocation == Some(super::content::Relocation::Consider)
            && v.received_from.is_none()
    });
    let relocation = match consider && case.closed_on.is_none() && person.removed_at.is_none() {
        false => None,
        true => Some(match active_relocation {
            Some(id) => RelocationOffer::UnderWay(format!("/cases/{}/relocations/{id}", case.id)),
            None => {
                RelocationOffer::Open(format!("{}:{}", person.id, newest.map_or(0, |v| v.version)))
            }
        }),
    };
    let received_from = newest.and_then(|v| v.received_from.clone());
    viewed.record_read(&state.reads).await?;
    render(&OverviewPage {
        page,
        base: url(&case, &person),
        has_draft: versions.iter().any(Version::is_draft),
        relocation,
        received_from,
        case,
        person,
        versions,
        current,
    })
}

async fn view_mapping_draft_post(
    State(state): State<AppState>,
    at: PersonOf<WriteCases>,
) -> Result<Response, AppError> {
    let started = at.event(AuditKind::MappingStarted);
    let PersonOf {
        user, case, person, ..
    } = at;
    let mut tx = state.db.begin().await?;
    if super::start_draft(
        &mut tx,
        case.centre_id,
        person.id,
        person.is_child(),
        user.id,
    )
    .await?
    {
        started.record(&mut *tx).await?;
    }
    tx.commit().await?;
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
    form: MappingForm,
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
    at: PersonOf<WriteCases>,
) -> Result<Response, AppError> {
    let viewed = at.event(AuditKind::MappingViewed);
    let PersonOf { case, person, .. } = at;
    let Some(draft) = super::draft(&state.db, case.centre_id, person.id).await? else {
        return Ok(Redirect::to(&url(&case, &person)).into_response());
    };
    viewed.record_read(&state.reads).await?;
    render(&EditPage {
        page,
        base: url(&case, &person),
        case,
        person,
        version: draft.version,
        lock_version: draft.lock_version,
        form: MappingForm::from_content(&draft.content),
        errors: FieldErrors::default(),
        conflict: None,
    })
}

async fn view_mapping_edit_post(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<WriteCases>,
    posted: FormFields,
) -> Result<Response, AppError> {
    let started = at.event(AuditKind::MappingStarted);
    let PersonOf {
        user,
        ip,
        case,
        person,
        ..
    } = at;
    let (draft, restarted) = match versioned::target::<Version>(
        &state.db,
        case.centre_id,
        person.id,
        user.id,
        next_content(person.is_child()),
        &[],
        &started,
    )
    .await?
    {
        Target::Open(draft) | Target::Waiting(draft) => (draft, false),
        Target::Restarted(draft) => (draft, true),
    };
    let form = MappingForm::read(&draft.content, &posted);
    let complete = posted.get("action") == "complete";
    let read_at: i32 = posted.get("lock_version").parse().unwrap_or(0);
    let base = url(&case, &person);
    let parsed = form.parse(&draft.content).and_then(|content| {
        let mut errors = FieldErrors::default();
        if complete {
            content.check_complete(&mut errors);
        }
        errors.into_result(|| content)
    });
    let content = match parsed {
        Ok(content) => content,
        Err(errors) => {
            return render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EditPage {
                    page,
                    base,
                    case,
                    person,
                    version: draft.version,
                    // Restarted on someone else's completed version: the
                    // next save must show what they wrote, not overwrite it.
                    lock_version: if restarted { 0 } else { read_at },
                    form,
                    errors,
                    conflict: None,
                },
            );
        }
    };
    let same_version = !restarted && posted.get("version") == draft.version.to_string();
    let mut tx = state.db.begin().await?;
    let saved = same_version
        && read_at == draft.lock_version
        && super::save_draft(&mut tx, &draft, read_at, &content, user.id, complete).await?;
    if !saved {
        tx.rollback().await?;
        let saved = super::draft(&state.db, case.centre_id, person.id)
            .await?
            .unwrap_or(draft);
        return render_with_status(
            StatusCode::CONFLICT,
            &EditPage {
                page,
                base,
                case,
                person,
                version: saved.version,
                lock_version: saved.lock_version,
                conflict: Some(versioned::changes(saved.content.rows(), content.rows())),
                form,
                errors: FieldErrors::default(),
            },
        );
    }
    let kind = if complete {
        AuditKind::MappingCompleted
    } else {
        AuditKind::MappingSaved
    };
    Event::on_case(kind, &user, ip, case.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    if complete {
        crate::flags::rescan_case(&state.db, &state.rules, case.id).await;
    }
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
    at: PersonOf<ReadCases>,
) -> Result<Response, AppError> {
    let viewed = at.event(AuditKind::MappingViewed);
    let n = at.version()?;
    let PersonOf { case, person, .. } = at;
    let version = versioned::number::<Version>(&state.db, case.centre_id, person.id, n)
        .await?
        .ok_or(AppError::NotFound)?;
    viewed.record_read(&state.reads).await?;
    render(&VersionPage {
        page,
        base: url(&case, &person),
        sections: sections(version.content.rows()),
        case,
        person,
        version,
    })
}

async fn view_mapping_compare_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let viewed = at.event(AuditKind::MappingViewed);
    let PersonOf { case, person, .. } = at;
    let (from_n, to_n) = query.versions()?;
    let from = versioned::number::<Version>(&state.db, case.centre_id, person.id, from_n)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = versioned::number::<Version>(&state.db, case.centre_id, person.id, to_n)
        .await?
        .ok_or(AppError::NotFound)?;
    viewed.record_read(&state.reads).await?;
    render(&ComparePage {
        page,
        base: url(&case, &person),
        back: "Kartleggingen",
        title: "Sammenligning av versjoner",
        heading: person.name.clone(),
        rows: super::rows::compare(&from.content, &to.content),
        case,
        person,
        from: from_n,
        to: to_n,
    })
}
