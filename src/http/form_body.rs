//! The body of every post is read once, here, within Trygg's limits, before
//! anything looks at the request: at most `MAX_FORM_BYTES`, the whole of it
//! within `BODY_DEADLINE`, fewer than `forms::MAX_FIELDS` fields (counted
//! before parsing).
//!
//! And nothing its author wrote is lost to a database outage: a form that
//! could not be saved because PostgreSQL was unreachable comes back in the
//! error page (`Resend`), to be sent again once it is back. It cannot be
//! kept in the database as after a session expiry (`auth::kept_forms`),
//! since that is what is down; the page is only ever the author's own
//! response, and is never cached.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::{AppError, ErrorKind};

/// The largest form Trygg accepts.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// How long a form's body may take to arrive, in all.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// A form to send again, shown on the error page of a database outage.
#[derive(Clone, Debug)]
pub struct Resend {
    pub action: String,
    /// Every field, the CSRF token included: sent again, the form passes the
    /// same checks as the first time. (Never a form with a password.)
    pub fields: Vec<(String, String)>,
}

pub async fn buffer_form_body(req: Request, next: Next) -> Result<Response, AppError> {
    if req.method().is_safe() {
        return Ok(next.run(req).await);
    }
    let (parts, body) = req.into_parts();
    let bytes = read_within_limits(&parts.headers, body).await?;
    let path = parts.uri.path().to_owned();
    let resendable = crate::auth::csrf::same_origin(&parts.headers)
        && crate::auth::kept_forms::keepable_post(&path, &parts.headers);
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let database_down = response.status() == StatusCode::SERVICE_UNAVAILABLE
        && response.extensions().get::<ErrorKind>() == Some(&ErrorKind::DatabaseDown);
    if database_down && resendable && is_own_path(&path) {
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        // A password is never written into a page; a form with one is
        // typed again.
        if !fields.iter().any(|(name, _)| name.contains("password")) {
            response.extensions_mut().insert(Resend {
                action: path,
                fields,
            });
        }
    }
    Ok(response)
}

async fn read_within_limits(headers: &HeaderMap, body: Body) -> Result<Bytes, AppError> {
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_FORM_BYTES) {
        return Err(AppError::TooLarge);
    }
    // The whole body within BODY_DEADLINE: a client trickling a byte at a
    // time would otherwise hold its connection for as long as it liked.
    let read =
        tokio::time::timeout(BODY_DEADLINE, axum::body::to_bytes(body, MAX_FORM_BYTES)).await;
    let bytes = match read {
        Err(_) => return Err(AppError::Timeout),
        Ok(Err(e)) if e.to_string().contains("length limit") => return Err(AppError::TooLarge),
        Ok(Err(_)) => return Err(AppError::BadRequest),
        Ok(Ok(bytes)) => bytes,
    };
    // More fields than any form has: refused before they are parsed.
    if bytes.iter().filter(|b| **b == b'&').count() >= crate::forms::MAX_FIELDS {
        return Err(AppError::TooLarge);
    }
    Ok(bytes)
}

/// A path of this site only: `//host/…` would send the form elsewhere.
fn is_own_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')
}
