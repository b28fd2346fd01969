//! `/reviews…` (U2, U4, P10): the coordinators' work list — plans sent for
//! approval, then what the review scan flagged, most urgent first — and the
//! review of one version (`decide`). The whole area stands behind
//! `guard::require(DecidePlans)`, and every handler takes `Can<DecidePlans>`.

mod decide;
mod form;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use uuid::Uuid;

use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::DecidePlans};
use crate::error::AppError;
use crate::flags::{self, view::Section};
use crate::http::ClientIp;
use crate::http::page::{Page, render};
use crate::locale;
use crate::plans::flags::Flags;
use crate::plans::model;
use crate::plans::view::Basis;

/// More than this many waiting plans are shown a page at a time.
const PAGE_SIZE: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews", get(view_reviews_get))
        .route("/reviews/{id}", get(decide::view_review_get))
        .route(
            "/reviews/{id}/approve",
            post(decide::view_review_approve_post),
        )
        .route(
            "/reviews/{id}/return",
            post(decide::view_review_return_post),
        )
}

// ---- The work list ----

struct ListRow {
    id: Uuid,
    version: i32,
    person_name: String,
    is_child: bool,
    submitted: String,
    submitted_by: String,
    flags: Flags,
}

#[derive(Template)]
#[template(path = "plans/reviews.html")]
struct ReviewsPage {
    page: Page,
    rows: Vec<ListRow>,
    more: bool,
    /// What the review scan flagged (U4, P10), most urgent kind first.
    sections: Vec<Section>,
}

async fn view_reviews_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    let waiting =
        model::awaiting_review(&state.db, (user.centre_id, user.id), PAGE_SIZE + 1).await?;
    let more = waiting.len() as i64 > PAGE_SIZE;
    let rows = waiting
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|w| {
            let child = w.content.child;
            let age = locale::age(w.birth_date, locale::today());
            let flags =
                Basis::new(w.mapping, child, age, w.centre_has_shielded_address).flags(&w.content);
            ListRow {
                id: w.id,
                version: w.version,
                person_name: w.person_name,
                is_child: child,
                submitted: w.submitted_at.map(locale::date_time).unwrap_or_default(),
                submitted_by: w.submitted_by_name.unwrap_or_default(),
                flags,
            }
        })
        .collect();
    Event::by(AuditKind::PlanReviewsViewed, &user, ip)
        .record_read(&state.reads)
        .await?;
    let sections = flags::view::sections(&state.db, (user.centre_id, user.id), PAGE_SIZE).await?;
    render(&ReviewsPage {
        page,
        rows,
        more,
        sections,
    })
}
