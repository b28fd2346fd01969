//! `/admin/audit`: the centre's audit log, newest first, a page at a time,
//! filtered by account and by kind of event.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::accounts::{self, Account};
use crate::audit::{self, AuditKind, Entry, Filter};
use crate::auth::permission::{Can, grant::ReadAudit};
use crate::error::AppError;
use crate::http::page::{Page, render};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
pub struct AuditQuery {
    user: Option<String>,
    kind: Option<String>,
    before: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: Page,
    entries: Vec<Entry>,
    accounts: Vec<Account>,
    kinds: &'static [AuditKind],
    selected_user: String,
    selected_kind: String,
    /// The link to the next (older) page, when there is one.
    older: Option<String>,
    is_first_page: bool,
}

pub async fn view_audit_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadAudit>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let filter = Filter {
        account_id: query.user.as_deref().and_then(|u| Uuid::parse_str(u).ok()),
        kind: query.kind.as_deref().and_then(AuditKind::parse),
        before: query.before.as_deref().and_then(|b| b.parse().ok()),
        case_id: None,
    };
    let mut entries = audit::list(&state.db, user.centre_id, &filter, PAGE_SIZE + 1).await?;
    let older = if entries.len() as i64 > PAGE_SIZE {
        entries.truncate(PAGE_SIZE as usize);
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(u) = filter.account_id {
            params.push(("user", u.to_string()));
        }
        if let Some(k) = filter.kind {
            params.push(("kind", k.code().to_owned()));
        }
        if let Some(last) = entries.last() {
            params.push(("before", last.id.to_string()));
        }
        Some(format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        ))
    } else {
        None
    };
    render(&AuditPage {
        page,
        entries,
        accounts: accounts::accounts_of_centre(&state.db, user.centre_id).await?,
        kinds: AuditKind::ALL,
        selected_user: filter.account_id.map(|u| u.to_string()).unwrap_or_default(),
        selected_kind: filter.kind.map(|k| k.code().to_owned()).unwrap_or_default(),
        older,
        is_first_page: filter.before.is_none(),
    })
}
