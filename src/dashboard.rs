//! `GET /`: where a signed-in user starts: what needs doing at the centre
//! (counts, for every role), and the flagged people the user is contact
//! person for («Mine oppgaver»), and what happened to the account since the
//! previous sign-in.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::AppState;
use std::sync::LazyLock;

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::audit::{AuditKind, Event, SINCE_LAST_LOGIN_KINDS, SinceLastLogin};
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
    let id_hash = session
        .active()
        .map(|s| s.id_hash.clone())
        .unwrap_or_default();
    let (counts, since) = summary(&state.db, &user, &id_hash).await?;
    // Names of people: only for those who may read cases.
    let mine = match user.may(Permission::ReadCases) {
        true => view::mine(&state.db, user.centre_id, user.id, MINE_MAX).await?,
        false => Vec::new(),
    };
    if !mine.is_empty() {
        // Names of people at the centre: read like a list of cases.
        Event::by(AuditKind::TasksViewed, &user, ip)
            .record_read(&state.reads)
            .await?;
    }
    render(&DashboardPage {
        page,
        user,
        has_pending: session.active().is_some_and(|s| s.has_pending),
        counts,
        mine,
        since,
    })
}

/// The dashboard's statement: `$1` centre, `$2` session, `$3` account, `$4`
/// the kinds of event told of since the last sign-in.
static SUMMARY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT coalesce(flags.kinds, '{{}}') AS flag_kinds, coalesce(flags.counts, '{{}}') AS flag_counts,
                s.previous_login_at, host(s.previous_login_ip) AS previous_login_ip,
                coalesce(events.kinds, '{{}}') AS event_kinds,
                coalesce(events.times, '{{}}') AS event_times
         FROM (SELECT array_agg(kind) AS kinds, array_agg(n) AS counts
               FROM ({open_counts}) f) flags
         LEFT JOIN sessions s ON s.id_hash = $2 AND s.account_id = $3
         LEFT JOIN accounts a ON a.id = s.account_id
         LEFT JOIN LATERAL (
             SELECT array_agg(e.kind ORDER BY e.id DESC) AS kinds,
                    array_agg(e.at ORDER BY e.id DESC) AS times
             FROM (SELECT e.id, e.kind, e.at FROM audit_events e
                   WHERE e.subject_account_id = s.account_id
                     AND e.at > coalesce(s.previous_login_at, a.created_at)
                     AND e.at <= s.created_at AND e.kind = ANY($4)
                   ORDER BY e.id DESC LIMIT 200) e
         ) events ON true",
        open_counts = view::open_counts("$3")
    )
});

/// In one statement: how many open flags of each kind the centre has, most
/// urgent kind first (kinds without flags left out), and, for the session
/// `id_hash`, what happened to the account between the previous sign-in
/// (or, at the first, the account's making) and this one.
async fn summary(
    db: &PgPool,
    user: &CurrentUser,
    id_hash: &[u8],
) -> sqlx::Result<(Vec<(FlagKind, i64)>, SinceLastLogin)> {
    #[derive(sqlx::FromRow)]
    struct Summary {
        flag_kinds: Vec<String>,
        flag_counts: Vec<i64>,
        previous_login_at: Option<OffsetDateTime>,
        previous_login_ip: Option<String>,
        event_kinds: Vec<String>,
        event_times: Vec<OffsetDateTime>,
    }
    let summary: Summary = sqlx::query_as(&SUMMARY)
        .bind(user.centre_id)
        .bind(id_hash)
        .bind(user.id)
        .bind(SINCE_LAST_LOGIN_KINDS.map(|k| k.code()).to_vec())
        .fetch_one(db)
        .await?;
    let counts = view::by_urgency(
        summary
            .flag_kinds
            .iter()
            .zip(summary.flag_counts)
            .filter_map(|(code, n)| Some((FlagKind::parse(code)?, n)))
            .collect(),
    );
    let events = summary
        .event_times
        .into_iter()
        .zip(&summary.event_kinds)
        .filter_map(|(at, code)| Some((at, AuditKind::parse(code)?)))
        .collect();
    Ok((
        counts,
        SinceLastLogin::from_events(summary.previous_login_at, summary.previous_login_ip, events),
    ))
}
