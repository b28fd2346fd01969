//! The plan as it stands, any version of it, and two versions side by side.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use super::url;
use crate::AppState;
use crate::audit::AuditKind;
use crate::auth::permission::grant::ReadCases;
use crate::cases::access::PersonOf;
use crate::cases::{Case, Person};
use crate::error::AppError;
use crate::http::page::{Page, render};
use crate::mapping;
use crate::plans::model::Plan;
use crate::plans::view::{self, PlanView};
use crate::versioned::{self, ComparePage, CompareQuery};

#[derive(Template)]
#[template(path = "plans/overview.html")]
struct OverviewPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    versions: Vec<Plan>,
    /// The approved version in force, or else the newest one.
    shown: Option<PlanView>,
    unapproved: Option<Plan>,
    /// The newest completed mapping version, if any.
    mapping_version: Option<i32>,
}

impl OverviewPage {
    /// P10, M7: the mapping changed after the plan was built on it.
    fn newer_mapping(&self) -> Option<i32> {
        let built_on = self
            .unapproved
            .as_ref()
            .or(self.shown.as_ref().map(|v| &v.plan))?
            .mapping_version;
        self.mapping_version.filter(|n| *n > built_on)
    }
}

pub(super) async fn view_plan_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
) -> Result<Response, AppError> {
    let viewed = at.event(AuditKind::PlanViewed);
    let PersonOf {
        user, case, person, ..
    } = at;
    let versions = versioned::all::<Plan>(&state.db, case.centre_id, person.id).await?;
    let shown = versions
        .iter()
        .find(|p| p.is_approved())
        .or(versions.first())
        .cloned();
    let (shown, mapping_version) = match shown {
        Some(plan) => {
            let view = PlanView::load(&state.db, user.centre_id, &person, plan).await?;
            let newest = view.newest_completed_mapping;
            (Some(view), newest)
        }
        None => (
            None,
            mapping::newest_completed(&state.db, case.centre_id, person.id)
                .await?
                .map(|m| m.version),
        ),
    };
    viewed.record_read(&state.reads).await?;
    render(&OverviewPage {
        page,
        base: url(case.id, person.id),
        unapproved: versions.iter().find(|p| !p.is_approved()).cloned(),
        case,
        person,
        versions,
        shown,
        mapping_version,
    })
}

#[derive(Template)]
#[template(path = "plans/version.html")]
struct VersionPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    view: PlanView,
}

/// The version of the plan the path names, read as its page shows it.
pub(super) async fn version_view(
    db: &sqlx::PgPool,
    at: &PersonOf<ReadCases>,
) -> Result<PlanView, AppError> {
    let plan = versioned::number::<Plan>(db, at.case.centre_id, at.person.id, at.version()?)
        .await?
        .ok_or(AppError::NotFound)?;
    PlanView::load(db, at.user.centre_id, &at.person, plan).await
}

pub(super) async fn view_plan_version_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
) -> Result<Response, AppError> {
    let view = version_view(&state.db, &at).await?;
    at.record_read(&state.reads, AuditKind::PlanViewed).await?;
    render(&VersionPage {
        page,
        base: url(at.case.id, at.person.id),
        case: at.case,
        person: at.person,
        view,
    })
}

pub(super) async fn view_plan_compare_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let viewed = at.event(AuditKind::PlanViewed);
    let PersonOf {
        user, case, person, ..
    } = at;
    let (from_n, to_n) = query.versions()?;
    let from = versioned::number::<Plan>(&state.db, case.centre_id, person.id, from_n)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = versioned::number::<Plan>(&state.db, case.centre_id, person.id, to_n)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = view::compare(&state.db, user.centre_id, &person, &from, &to).await?;
    viewed.record_read(&state.reads).await?;
    render(&ComparePage {
        page,
        base: url(case.id, person.id),
        back: "Sikkerhetsplanen",
        title: "Sammenligning av planversjoner",
        heading: format!("Sikkerhetsplan for {}", person.name),
        rows,
        case,
        person,
        from: from_n,
        to: to_n,
    })
}
