//! Every state-changing request carries the session's CSRF token in the form
//! field `csrf_token`. One middleware checks it for every route, so no
//! handler can forget; a missing or wrong token gets 403 and changes nothing.
//!
//! Before there is a session (the login form), the token is a signed double
//! submit: a random cookie, and in the form its MAC under a server key. A
//! visit to the login page writes nothing to the database.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use axum::http::{HeaderMap, HeaderValue};

use super::kept_forms;
use super::keys::{Keys, Purpose};
use super::session::{self, SessionState};
use super::token::{is_token, random_token, tokens_equal};
use crate::AppState;
use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
/// The random half of the signed double submit.
pub const FORM_COOKIE: &str = "__Host-trygg_form";

pub async fn verify_csrf(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    if req.method().is_safe() {
        return Ok(next.run(req).await);
    }
    // Defence in depth: a browser names the page a form came from; from
    // another site, refuse before looking at anything else.
    if !same_origin(req.headers()) {
        return Err(AppError::Csrf);
    }
    let session = req
        .extensions()
        .get::<SessionState>()
        .cloned()
        .unwrap_or_default();
    // Read already, within the limits (`http::form_body`).
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::http::form_body::MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::BadRequest)?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let sent = fields
        .iter()
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.as_str());
    let path = parts.uri.path().to_owned();

    match (&session, sent) {
        (SessionState::Active(s), Some(sent)) if tokens_equal(&s.csrf_token, sent) => {
            if s.has_pending {
                // The kept form was sent again, or something else was:
                // forget it only in the first case.
                kept_forms::forget(&state.db, s, Some(&path)).await?;
            }
            Ok(next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await)
        }
        (
            SessionState::Expired {
                account_id: Some(account_id),
                csrf_token,
            },
            Some(sent),
        ) if tokens_equal(csrf_token, sent) => {
            kept_forms::keep(&state.db, *account_id, &path, &parts.headers, fields).await
        }
        (SessionState::Active(_), _) => Err(AppError::Csrf),
        (_, Some(sent)) if form_token_valid(&state.keys, &parts.headers, sent) => Ok(next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await),
        _ => Err(AppError::Csrf),
    }
}

/// The CSRF token for a form shown before there is a session, and the
/// cookie to set when the browser has none yet.
pub fn form_token(keys: &Keys, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match session::cookie(headers, FORM_COOKIE).filter(|v| is_token(v)) {
        Some(random) => (keys.mac_hex(Purpose::FormToken, random.as_bytes()), None),
        None => {
            let random = random_token();
            let cookie = HeaderValue::from_str(&format!(
                "{FORM_COOKIE}={random}; Path=/; HttpOnly; Secure; SameSite=Strict"
            ))
            .ok();
            (keys.mac_hex(Purpose::FormToken, random.as_bytes()), cookie)
        }
    }
}

fn form_token_valid(keys: &Keys, headers: &HeaderMap, sent: &str) -> bool {
    session::cookie(headers, FORM_COOKIE)
        .filter(|v| is_token(v))
        .is_some_and(|random| {
            tokens_equal(sent, &keys.mac_hex(Purpose::FormToken, random.as_bytes()))
        })
}

/// False when the browser says the form came from another site: by Fetch
/// Metadata (`Sec-Fetch-Site`), or by an `Origin` naming another host.
/// `Origin: null` passes: with `Referrer-Policy: no-referrer` browsers send
/// it even for their own forms, and the token still has to match.
pub(crate) fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    match text("origin") {
        None | Some("null") => true,
        Some(origin) => origin.split_once("://").map(|(_, host)| host) == text("host"),
    }
}
