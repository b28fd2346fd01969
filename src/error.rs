//! One error type for every handler. Users see a friendly Norwegian page
//! (rendered by `http::error_pages`) with the request id; the cause goes to
//! the log, never to the page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also for records of another centre: they do not exist for the caller.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("sign-in required")]
    SignInRequired,
    #[error("request body too large")]
    TooLarge,
    /// The body did not arrive within its deadline.
    #[error("request body too slow")]
    Timeout,
    /// The body could not be read (the client went away, say).
    #[error("request body unreadable")]
    BadRequest,
    /// Too many sign-ins at once: try again in a moment.
    #[error("busy")]
    Busy,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// Tells the error-page renderer which page to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Csrf,
    /// Too many sign-ins at once.
    Busy,
    /// PostgreSQL cannot be reached: nothing was saved; try again shortly.
    DatabaseDown,
}

/// Whether `e` means the database cannot be reached (down, restarting, the
/// network gone), rather than that a query was wrong: the pool reconnects by
/// itself once it is back, so the user is asked to try again shortly.
pub(crate) fn database_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // Class 08: connection exceptions (but 08P01, a protocol violation,
        // is a bug of ours); 57P01–57P03: shutting down or starting.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            (code.starts_with("08") && code != "08P01") || code.starts_with("57P")
        }),
        _ => false,
    }
}

fn unavailable(kind: ErrorKind, retry_after: &'static str) -> Response {
    let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static(retry_after),
    );
    response.extensions_mut().insert(kind);
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::SignInRequired => return Redirect::to("/login").into_response(),
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::Busy => {
                tracing::warn!("refused a sign-in: every hashing turn was taken");
                return unavailable(ErrorKind::Busy, "5");
            }
            AppError::Database(sqlx::Error::PoolTimedOut) => {
                // Every connection in use for too long: the database down,
                // or queries piling up. Either way, try again shortly.
                tracing::error!("no database connection came free in time");
                return unavailable(ErrorKind::DatabaseDown, "10");
            }
            AppError::Database(e) if database_unreachable(e) => {
                tracing::error!(error = %e, "the database cannot be reached");
                return unavailable(ErrorKind::DatabaseDown, "10");
            }
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let mut response = status.into_response();
        if matches!(self, AppError::Csrf) {
            tracing::warn!("refused a request without a valid CSRF token");
            response.extensions_mut().insert(ErrorKind::Csrf);
        }
        response
    }
}
