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
use http_body_util::BodyExt as _;

use crate::error::{AppError, ErrorKind};

/// The largest form Trygg accepts.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// How long a form's body may take to arrive, in all.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);
/// A body too large to keep but no larger than this is read to its end and
/// thrown away before the 413 page is sent: a browser still sending its form
/// would otherwise find the connection closed, and show no page at all.
const DRAINED_AT_MOST: usize = 16 * 1024 * 1024;

/// A form to send again, shown on the error page of a database outage.
#[derive(Clone, Debug)]
pub struct Resend {
    pub action: String,
    /// Every field, the CSRF token included: sent again, the form passes the
    /// same checks as the first time. (Never a form with a password.)
    pub fields: Vec<(String, String)>,
}

impl Resend {
    /// What the user wrote in words (not ids, choices or the token), to
    /// copy should sending again fail too.
    pub fn typed_text(&self) -> String {
        let words = |value: &str| value.trim().contains(' ') || value.trim().chars().count() > 40;
        self.fields
            .iter()
            .filter(|(name, value)| name != crate::auth::csrf::FIELD && words(value))
            .map(|(_, value)| value.trim())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
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
    if database_down && resendable {
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        // A password or a code is never written into a page; a form with
        // one is typed again.
        if !fields
            .iter()
            .any(|(name, _)| crate::auth::kept_forms::is_secret(name))
        {
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
        drain(body).await;
        return Err(AppError::TooLarge);
    }
    // The whole body within BODY_DEADLINE: a client trickling a byte at a
    // time would otherwise hold its connection for as long as it liked.
    let mut body = body;
    let mut kept = Vec::new();
    let read = tokio::time::timeout(BODY_DEADLINE, async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| AppError::BadRequest)?;
            if let Some(data) = frame.data_ref() {
                if kept.len() + data.len() > MAX_FORM_BYTES {
                    return Err(AppError::TooLarge);
                }
                kept.extend_from_slice(data);
            }
        }
        Ok(())
    })
    .await;
    match read {
        Err(_) => return Err(AppError::Timeout),
        Ok(Err(AppError::TooLarge)) => {
            drain(body).await;
            return Err(AppError::TooLarge);
        }
        Ok(Err(e)) => return Err(e),
        Ok(Ok(())) => {}
    }
    let bytes = Bytes::from(kept);
    // More fields than any form has: refused before they are parsed.
    if bytes.iter().filter(|b| **b == b'&').count() >= crate::forms::MAX_FIELDS {
        return Err(AppError::TooLarge);
    }
    Ok(bytes)
}

/// Reads what is left of `body` and throws it away, up to `DRAINED_AT_MOST`
/// and within `BODY_DEADLINE`; beyond either, the connection is closed.
async fn drain(mut body: Body) {
    let _ = tokio::time::timeout(BODY_DEADLINE, async {
        let mut seen = 0;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, Bytes::len);
            if seen > DRAINED_AT_MOST {
                break;
            }
        }
    })
    .await;
}
