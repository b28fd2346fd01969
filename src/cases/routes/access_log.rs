//! A case's Tilgangslogg: who has read or changed it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use crate::AppState;
use crate::audit::{self, AuditKind, Entry, Event, Filter};
use crate::auth::permission::{Can, grant::ReadAccessLog};
use crate::error::AppError;
use crate::http::page::{Page, render};
use crate::http::{ClientIp, RecordId};

#[derive(Template)]
#[template(path = "cases/access_log.html")]
struct AccessLogPage {
    page: Page,
    case_id: Uuid,
    entries: Vec<Entry>,
}

/// Who has read or changed this case: for coordinators and administrators.
pub(super) async fn view_access_log_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadAccessLog>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = crate::cases::load_for(&state.db, user.centre_id, id).await?;
    Event::on_case(AuditKind::CaseAccessLogViewed, &user, ip, id)
        .record_read(&state.reads)
        .await?;
    let filter = Filter {
        case_id: Some(case.id),
        ..Filter::default()
    };
    let entries = audit::list(&state.db, user.centre_id, &filter, 500).await?;
    render(&AccessLogPage {
        page,
        case_id: case.id,
        entries,
    })
}
