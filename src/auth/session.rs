//! Server-side sessions in PostgreSQL, so several Trygg processes can share
//! one database. The cookie carries a random token; the table its hash.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue, header};
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::token::{hash_token, is_token, random_token};
use crate::accounts::Role;
use crate::error::AppError;

/// `__Host-`: only this host over HTTPS may set it, for the whole site (ASVS 3.4.4).
pub const COOKIE_NAME: &str = "__Host-trygg_session";
/// A password alone opens the second-factor step for this long.
pub const PARTIAL_TIMEOUT_SECS: f64 = 10.0 * 60.0;

crate::code_enum! {
    /// How far a session has come: a password alone opens only the
    /// second-factor step, or enrolment when the account has none yet.
    pub enum Stage {
        SecondFactor = "second_factor" "Venter på kode",
        Enrol = "enrol" "Venter på oppsett av totrinnsinnlogging",
        SignedIn = "signed_in" "Innlogget",
    }
}

/// A sign-in between the password and the second factor.
#[derive(Clone, Debug)]
pub struct PartialSignIn {
    pub account_id: Uuid,
    pub stage: Stage,
    /// The trusted device the password was typed on (its nonce).
    pub trusted_device: Option<String>,
    /// The secret being enrolled, once the enrolment page made one.
    pub enrol_secret: Option<Vec<u8>>,
}
/// A session ends after 30 minutes without a request…
pub const IDLE_TIMEOUT_SECS: f64 = 30.0 * 60.0;
/// …and 12 hours after login, whatever happens.
pub const ABSOLUTE_TIMEOUT_SECS: f64 = 12.0 * 60.0 * 60.0;
/// How seldom a session's last use is written: at most once a minute, so
/// that most pages write nothing to load their session (no commit waits for
/// the disk). The idle timeout then ends a session up to a minute early,
/// never late.
pub const TOUCH_EVERY_SECS: f64 = 60.0;

/// The signed-in user, their centre and role. Every signed-in route gets it
/// from `guard::require_signed_in`.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub centre_name: String,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub must_change_password: bool,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub id_hash: Vec<u8>,
    /// How the session list names it.
    pub public_id: Uuid,
    pub csrf_token: String,
    pub user: Option<CurrentUser>,
    pub partial: Option<PartialSignIn>,
    pub setup_allowed: bool,
    /// A form posted after the previous session expired waits in `/resume`.
    pub has_pending: bool,
}

/// What the request's cookie points at; put in the request by `load_session`.
#[derive(Clone, Debug, Default)]
pub enum SessionState {
    #[default]
    Missing,
    Active(Box<Session>),
    /// Timed out, but still known: a form posted from it can be kept.
    Expired {
        account_id: Option<Uuid>,
        csrf_token: String,
    },
}

impl SessionState {
    pub fn active(&self) -> Option<&Session> {
        match self {
            SessionState::Active(s) => Some(s),
            _ => None,
        }
    }

    pub fn user(&self) -> Option<&CurrentUser> {
        self.active().and_then(|s| s.user.as_ref())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionState {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<SessionState>()
            .cloned()
            .unwrap_or_default())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(AppError::SignInRequired)
    }
}

/// The value of the cookie `name`, as the browser sent it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE_NAME).filter(|v| is_token(v))
}

const COOKIE_ATTRIBUTES: &str = "Path=/; HttpOnly; Secure; SameSite=Strict";

pub fn set_cookie(token: &str) -> HeaderValue {
    header_value(&format!("{COOKIE_NAME}={token}; {COOKIE_ATTRIBUTES}"))
}

pub fn clear_cookie() -> HeaderValue {
    header_value(&format!("{COOKIE_NAME}=; {COOKIE_ATTRIBUTES}; Max-Age=0"))
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(FromRow)]
struct LoadedRow {
    public_id: Uuid,
    stage: Stage,
    trusted_device: Option<String>,
    enrol_secret: Option<Vec<u8>>,
    csrf_token: String,
    setup_allowed: bool,
    has_pending: bool,
    account_id: Option<Uuid>,
    user_id: Option<Uuid>,
    centre_id: Option<Uuid>,
    centre_name: Option<String>,
    full_name: Option<String>,
    email: Option<String>,
    role: Option<String>,
    must_change_password: Option<bool>,
}

/// Loads the session a cookie points at and marks it as used, in one query:
/// for a read at most once a `TOUCH_EVERY_SECS`; for a change every time,
/// and only if the row can still be updated: a session being ended (signed
/// out everywhere, say) is waited for, and then found gone.
pub async fn load(db: &PgPool, token: &str, change: bool) -> Result<SessionState, sqlx::Error> {
    let touch_every = if change { 0.0 } else { TOUCH_EVERY_SECS };
    let id_hash = hash_token(token);
    let row: Option<LoadedRow> = sqlx::query_as(
        "WITH s AS (
            SELECT id_hash, public_id, stage, trusted_device, enrol_secret, account_id,
                   csrf_token, setup_allowed, last_seen_at
            FROM sessions
            WHERE id_hash = $1
              AND last_seen_at > now() - make_interval(secs => $2)
              AND created_at > now() - make_interval(secs => $3)
              AND (stage = 'signed_in' OR created_at > now() - make_interval(secs => $4))
         ), touched AS (
            UPDATE sessions SET last_seen_at = now()
            WHERE id_hash = (SELECT id_hash FROM s
                             WHERE last_seen_at < now() - make_interval(secs => $5))
            RETURNING id_hash
         )
         SELECT s.public_id, s.stage, s.trusted_device, s.enrol_secret,
                s.csrf_token, s.setup_allowed, s.account_id,
                EXISTS (SELECT 1 FROM pending_submissions p WHERE p.session_id_hash = s.id_hash)
                    AS has_pending,
                a.id AS user_id, a.centre_id, c.name AS centre_name, a.full_name, a.email,
                a.role, a.must_change_password
         FROM s
         LEFT JOIN accounts a ON a.id = s.account_id AND a.active
         LEFT JOIN centres c ON c.id = a.centre_id
         WHERE s.last_seen_at >= now() - make_interval(secs => $5)
            OR EXISTS (SELECT 1 FROM touched)",
    )
    .bind(&id_hash)
    .bind(IDLE_TIMEOUT_SECS)
    .bind(ABSOLUTE_TIMEOUT_SECS)
    .bind(PARTIAL_TIMEOUT_SECS)
    .bind(touch_every)
    .fetch_optional(db)
    .await?;

    let Some(row) = row else {
        // Only a signed-in session's form is kept when it has expired.
        let expired: Option<(Option<Uuid>, String)> = sqlx::query_as(
            "SELECT account_id, csrf_token FROM sessions WHERE id_hash = $1 AND stage = 'signed_in'",
        )
                .bind(&id_hash)
                .fetch_optional(db)
                .await?;
        return Ok(match expired {
            Some((account_id, csrf_token)) => SessionState::Expired {
                account_id,
                csrf_token,
            },
            None => SessionState::Missing,
        });
    };

    let partial = match (row.stage, row.account_id) {
        (Stage::SignedIn, _) => None,
        (_, None) => return Ok(SessionState::Missing),
        (stage, Some(account_id)) => Some(PartialSignIn {
            account_id,
            stage,
            trusted_device: row.trusted_device,
            enrol_secret: row.enrol_secret,
        }),
    };
    let user = match (row.account_id, row.user_id) {
        (None, _) => None,
        (Some(_), None) => return Ok(SessionState::Missing), // account deactivated
        (Some(_), Some(_)) if partial.is_some() => None,
        (Some(_), Some(id)) => Some(CurrentUser {
            id,
            centre_id: row.centre_id.unwrap_or_default(),
            centre_name: row.centre_name.unwrap_or_default(),
            full_name: row.full_name.unwrap_or_default(),
            email: row.email.unwrap_or_default(),
            role: row
                .role
                .as_deref()
                .and_then(Role::parse)
                .unwrap_or(Role::Staff),
            must_change_password: row.must_change_password.unwrap_or(true),
        }),
    };
    Ok(SessionState::Active(Box::new(Session {
        id_hash,
        public_id: row.public_id,
        csrf_token: row.csrf_token,
        user,
        partial,
        setup_allowed: row.setup_allowed,
        has_pending: row.has_pending,
    })))
}

/// Starts a session without an account: for the setup page the setup link
/// opened, and for a form kept after its session expired (never for a mere
/// visit: the login form needs none). Returns the cookie token and the CSRF
/// token.
pub async fn start_anonymous(db: &PgPool, setup_allowed: bool) -> sqlx::Result<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    sqlx::query("INSERT INTO sessions (id_hash, csrf_token, setup_allowed) VALUES ($1, $2, $3)")
        .bind(hash_token(&token))
        .bind(&csrf)
        .bind(setup_allowed)
        .execute(db)
        .await?;
    Ok((token, csrf))
}

/// Where and how a sign-in happens: shown in the session list, and on the
/// dashboard at the next sign-in.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub ip: Option<IpAddr>,
    pub user_agent: String,
    /// The trusted device the password was typed on.
    pub trusted_device: Option<String>,
    /// The account's sign-in before this one: when, and from where.
    pub previous_login: Option<(OffsetDateTime, Option<IpAddr>)>,
}

impl Origin {
    pub fn new(ip: Option<IpAddr>, headers: &HeaderMap) -> Origin {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(300)
            .collect();
        Origin {
            ip,
            user_agent,
            ..Origin::default()
        }
    }
}

/// The session that replaces `previous` at each step of signing in: a new
/// id every time (no fixation), and a form kept from an expired session of
/// the same account comes along. Returns the cookie token and whether such
/// a form came along.
pub async fn start_for_account(
    tx: &mut sqlx::PgConnection,
    previous: &SessionState,
    account_id: Uuid,
    stage: Stage,
    origin: &Origin,
) -> sqlx::Result<(String, bool)> {
    let token = random_token();
    let id_hash = hash_token(&token);
    let (previous_at, previous_ip) = origin.previous_login.unzip();
    sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, csrf_token, stage, trusted_device, ip,
                               user_agent, previous_login_at, previous_login_ip)
         VALUES ($1, $2, $3, $4, $5, $6::inet, $7, $8, $9::inet)",
    )
    .bind(&id_hash)
    .bind(account_id)
    .bind(random_token())
    .bind(stage)
    .bind(&origin.trusted_device)
    .bind(origin.ip.map(|ip| ip.to_string()))
    .bind(&origin.user_agent)
    .bind(previous_at)
    .bind(previous_ip.flatten().map(|ip| ip.to_string()))
    .execute(&mut *tx)
    .await?;
    let mut carried = false;
    if let Some(old) = previous.active() {
        carried = sqlx::query(
            "UPDATE pending_submissions SET session_id_hash = $1
             WHERE session_id_hash = $2 AND account_id = $3",
        )
        .bind(&id_hash)
        .bind(&old.id_hash)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(&old.id_hash)
            .execute(&mut *tx)
            .await?;
    }
    Ok((token, carried))
}

pub async fn end(db: impl sqlx::PgExecutor<'_>, id_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Keeps the secret the enrolment page shows, so a reload shows the same one.
pub async fn set_enrol_secret(
    db: impl sqlx::PgExecutor<'_>,
    id_hash: &[u8],
    secret: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET enrol_secret = $2 WHERE id_hash = $1 AND stage = 'enrol'")
        .bind(id_hash)
        .bind(secret)
        .execute(db)
        .await?;
    Ok(())
}

/// A signed-in session, as its user sees it in «Mine økter».
#[derive(Clone, Debug, FromRow)]
pub struct Listed {
    pub public_id: Uuid,
    pub ip: Option<String>,
    pub user_agent: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// The account's sessions that are signed in and have not expired, newest first.
pub async fn signed_in_sessions(
    db: impl sqlx::PgExecutor<'_>,
    account_id: Uuid,
) -> sqlx::Result<Vec<Listed>> {
    sqlx::query_as(
        "SELECT public_id, host(ip) AS ip, user_agent, created_at, last_seen_at FROM sessions
         WHERE account_id = $1 AND stage = 'signed_in'
           AND last_seen_at > now() - make_interval(secs => $2)
           AND created_at > now() - make_interval(secs => $3)
         ORDER BY last_seen_at DESC",
    )
    .bind(account_id)
    .bind(IDLE_TIMEOUT_SECS)
    .bind(ABSOLUTE_TIMEOUT_SECS)
    .fetch_all(db)
    .await
}

/// Ends one of the account's sessions; false when it has none by that id.
pub async fn end_listed(
    db: impl sqlx::PgExecutor<'_>,
    account_id: Uuid,
    public_id: Uuid,
) -> sqlx::Result<bool> {
    let ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND public_id = $2")
        .bind(account_id)
        .bind(public_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(ended > 0)
}

/// Ends every session of an account but `keep` (the caller's own, after a
/// password change).
pub async fn end_all_for_account(
    db: impl sqlx::PgExecutor<'_>,
    account_id: Uuid,
    keep: Option<&[u8]>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash IS DISTINCT FROM $2")
        .bind(account_id)
        .bind(keep)
        .execute(db)
        .await?;
    Ok(())
}

/// Middleware: puts the request's `SessionState` into its extensions.
pub async fn load_session(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<axum::response::Response, AppError> {
    let session = match cookie_token(req.headers()) {
        Some(token) => load(&state.db, &token, !req.method().is_safe()).await?,
        None => SessionState::Missing,
    };
    req.extensions_mut().insert(session.clone());
    let mut response = next.run(req).await;
    // For the error pages, which are rendered outside this layer.
    response.extensions_mut().insert(session);
    Ok(response)
}
