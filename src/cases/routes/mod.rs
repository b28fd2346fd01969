//! `/cases`: the list, a new case, the case page (people, children, their
//! mappings and plans), editing, and the case's Tilgangslogg.

mod access_log;
mod edit;
mod list;
mod show;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases",
            get(list::view_cases_get).post(list::view_cases_search_post),
        )
        .route(
            "/cases/new",
            get(edit::view_case_new_get).post(edit::view_case_new_post),
        )
        .route("/cases/{id}", get(show::view_case_get))
        .route(
            "/cases/{id}/edit",
            get(edit::view_case_edit_get).post(edit::view_case_edit_post),
        )
        .route("/cases/{id}/children", post(show::view_child_add_post))
        .route(
            "/cases/{id}/children/{person_id}/remove",
            get(show::view_child_remove_get).post(show::view_child_remove_post),
        )
        .route(
            "/cases/{id}/restriction",
            get(super::restriction::view_restriction_get)
                .post(super::restriction::view_restriction_post),
        )
        .route(
            "/cases/{id}/access-log",
            get(access_log::view_access_log_get),
        )
}
