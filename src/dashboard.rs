//! `GET /`: where a signed-in user starts.

use askama::Template;
use axum::response::Response;

use crate::auth::session::{CurrentUser, SessionState};
use crate::error::AppError;
use crate::http::page::{Page, render};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    user: CurrentUser,
    has_pending: bool,
}

pub async fn view_dashboard_get(
    page: Page,
    user: CurrentUser,
    session: SessionState,
) -> Result<Response, AppError> {
    render(&DashboardPage {
        page,
        user,
        has_pending: session.active().is_some_and(|s| s.has_pending),
    })
}
