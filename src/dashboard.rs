//! `GET /`: where a signed-in user starts: what needs doing at the centre
//! (counts, for every role), and the flagged people the user is contact
//! person for («Mine oppgaver»), and what happened to the account since the
//! previous sign-in.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::AppState;
use crate::audit::{self, AuditKind, Event, SinceLastLogin};
use crate::auth::Permission;
use crate::auth::session::{CurrentUser, SessionState};
use crate::error::AppError;
use crate::flags::FlagKind;
use crate::flags::view::{self, Flagged};
use crate::http::ClientIp;
use crate::http::page::{Page, render};

/// «Mine oppgaver» shows at most this many.
const MINE_MAX: i64 = 50;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    user: CurrentUser,
    has_pending: bool,
    counts: Vec<(FlagKind, i64)>,
    mine: Vec<Flagged>,
    since: SinceLastLogin,
}

pub async fn view_dashboard_get(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    session: SessionState,
) -> Result<Response, AppError> {
    let counts = view::counts(&state.db, user.centre_id).await?;
    // Names of people: only for those who may read cases.
    let mine = match user.may(Permission::ReadCases) {
        true => view::mine(&state.db, user.centre_id, user.id, MINE_MAX).await?,
        false => Vec::new(),
    };
    if !mine.is_empty() {
        // Names of people at the centre: read like a list of cases.
        Event::by(AuditKind::TasksViewed, &user, ip)
            .record_read(&state.db)
            .await?;
    }
    let since = match session.active() {
        Some(s) => audit::since_last_login(&state.db, user.id, &s.id_hash).await?,
        None => SinceLastLogin::default(),
    };
    render(&DashboardPage {
        page,
        user,
        has_pending: session.active().is_some_and(|s| s.has_pending),
        counts,
        mine,
        since,
    })
}
