//! `/cases/{id}/people/{person_id}/plan…`: a person's safety plan. `view`
//! reads it (overview, versions, comparison), `edit` writes the open version,
//! `extracts` are what leaves the centre on paper: the school's and the
//! child's.

mod edit;
mod extracts;
mod view;

use axum::Router;
use axum::routing::{get, post};
use uuid::Uuid;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/people/{person_id}/plan",
            get(view::view_plan_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/draft",
            post(edit::view_plan_draft_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/edit",
            get(edit::view_plan_edit_get).post(edit::view_plan_edit_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/flags",
            post(edit::view_plan_flags_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/versions/{version}",
            get(view::view_plan_version_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/versions/{version}/school",
            get(extracts::view_plan_school_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/versions/{version}/family",
            get(extracts::view_plan_family_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/versions/{version}/child",
            get(extracts::view_plan_child_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/compare",
            get(view::view_plan_compare_get),
        )
}

pub fn url(case_id: Uuid, person_id: Uuid) -> String {
    format!("/cases/{case_id}/people/{person_id}/plan")
}
