//! A form posted after its session expired is not lost: its author is sent
//! to log in, and gets it back at `/resume` afterwards (passwords excepted).
//! It is kept only for the account whose expired session sent it, with the
//! expired session's CSRF token, and only when the user sent it (not a
//! script in the background).

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;
use uuid::Uuid;

use super::csrf::FIELD;
use super::session::{self, Session};
use super::token::hash_token;
use crate::error::AppError;

/// Routes whose posts (and those of the routes below them: the sign-in's
/// code steps) are not kept: there is nothing in them worth keeping, or
/// they start a session themselves and hold a password or a code.
const NOT_KEPT: [&str; 4] = ["/login", "/logout", "/setup", "/resume/discard"];

/// Keeps the fields posted to `path` by the expired session of
/// `account_id`, and sends the browser to log in with a fresh session.
pub async fn keep(
    db: &PgPool,
    account_id: Uuid,
    path: &str,
    headers: &HeaderMap,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    if !keepable_post(path, headers) {
        return Err(AppError::Csrf);
    }
    let token = store(db, account_id, path, &keepable_fields(fields)).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::LOCATION,
                "/login".parse().map_err(AppError::internal)?,
            ),
            (header::SET_COOKIE, session::set_cookie(&token)),
        ],
    )
        .into_response())
}

/// Stores the form in a new anonymous session; returns its cookie token.
async fn store(db: &PgPool, account_id: Uuid, path: &str, body: &str) -> sqlx::Result<String> {
    let (token, _) = session::start_anonymous(db, false).await?;
    sqlx::query(
        "INSERT INTO pending_submissions (session_id_hash, account_id, path, body)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_token(&token))
    .bind(account_id)
    .bind(path)
    .bind(body)
    .execute(db)
    .await?;
    Ok(token)
}

pub struct Pending {
    pub path: String,
    pub fields: Vec<(String, String)>,
}

pub async fn kept(db: &PgPool, session: &Session) -> sqlx::Result<Option<Pending>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT path, body FROM pending_submissions WHERE session_id_hash = $1")
            .bind(&session.id_hash)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(path, body)| Pending {
        path,
        fields: serde_urlencoded::from_str(&body).unwrap_or_default(),
    }))
}

/// Forgets the kept form: discarded, or sent again to `path`.
pub async fn forget(db: &PgPool, session: &Session, path: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM pending_submissions WHERE session_id_hash = $1 AND ($2::text IS NULL OR path = $2)",
    )
    .bind(&session.id_hash)
    .bind(path)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a post to `path` is worth keeping for its author: sent by the
/// user, not a script in the background (the plan's live warnings), to a
/// form with something in it.
pub(crate) fn keepable_post(path: &str, headers: &HeaderMap) -> bool {
    // A path of this site only: `//host/…` would send the form elsewhere
    // when it is sent again.
    let own = path.starts_with('/') && !path.starts_with("//") && !path.contains('\\');
    let not_kept = !own
        || NOT_KEPT.iter().any(|p| {
            path == *p
                || path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
        });
    !not_kept
        && headers
            .get("sec-fetch-mode")
            .is_none_or(|mode| mode == "navigate")
}

/// A field never written into a page or kept: a password or a code.
pub fn is_secret(name: &str) -> bool {
    name.contains("password") || name == "code"
}

/// The fields worth keeping: never a secret, never the old token.
fn keepable_fields(fields: Vec<(String, String)>) -> String {
    let kept: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(name, _)| name != FIELD && !is_secret(name))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}
