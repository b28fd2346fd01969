//! Who may call what. Every route outside the few public ones sits behind
//! `require_signed_in` (deny by default); areas for one permission add
//! `require`, and their handlers take `Can<P>` (see `permission`).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::permission::Permission;
use super::session::{CurrentUser, SessionState};
use crate::error::AppError;

/// Where a user with a temporary password may go before choosing their own.
const OPEN_WHILE_PASSWORD_MUST_CHANGE: [&str; 2] = ["/account/password", "/logout"];

pub async fn require_signed_in(mut req: Request, next: Next) -> Response {
    let user = req
        .extensions()
        .get::<SessionState>()
        .and_then(|s| s.user().cloned());
    let Some(user) = user else {
        return sign_in_redirect(&req);
    };
    if user.must_change_password && !OPEN_WHILE_PASSWORD_MUST_CHANGE.contains(&req.uri().path()) {
        return Redirect::to("/account/password").into_response();
    }
    req.extensions_mut().insert(user);
    next.run(req).await
}

/// A whole area for one permission, in front of the handlers' own `Can<P>`.
pub async fn require(
    State(permission): State<Permission>,
    req: Request,
    next: Next,
) -> Result<Response, AppError> {
    match req.extensions().get::<CurrentUser>() {
        Some(user) if user.may(permission) => Ok(next.run(req).await),
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::SignInRequired),
    }
}

/// To the login page, coming back to the page asked for (its path only: a
/// query may hold what someone searched for).
fn sign_in_redirect(req: &Request) -> Response {
    let path = req.uri().path();
    if req.method().is_safe() && path != "/" {
        let next: String = serde_urlencoded::to_string([("next", path)]).unwrap_or_default();
        Redirect::to(&format!("/login?{next}")).into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

/// A `next` path is followed only within Trygg.
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && n.len() <= 500
            && !n.chars().any(char::is_control)
    })
}
