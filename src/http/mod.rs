//! HTTP plumbing shared by every area: headers, assets, error pages, the page
//! context, and the client's address for the audit log.

pub mod assets;
pub mod client_ip;
pub mod error_pages;
pub mod form_body;
pub mod headers;
pub mod page;
pub mod server;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;

pub use client_ip::ClientIp;

use crate::AppState;

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// The `{id}` of a record in a path. Anything that is not an id is a record
/// that does not exist: 404, as for another centre's record.
#[derive(Clone, Copy, Debug)]
pub struct RecordId(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for RecordId {
    type Rejection = crate::error::AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| crate::error::AppError::NotFound)?;
        uuid::Uuid::parse_str(&raw)
            .map(RecordId)
            .map_err(|_| crate::error::AppError::NotFound)
    }
}

/// The named parameters of a path with several ids (`/cases/{id}/children/{person_id}`).
/// A parameter that is not an id is a record that does not exist: 404.
pub struct PathIds(std::collections::HashMap<String, String>);

impl PathIds {
    pub fn id(&self, name: &str) -> Result<uuid::Uuid, crate::error::AppError> {
        self.0
            .get(name)
            .and_then(|raw| uuid::Uuid::parse_str(raw).ok())
            .ok_or(crate::error::AppError::NotFound)
    }

    pub fn number(&self, name: &str) -> Result<i32, crate::error::AppError> {
        self.0
            .get(name)
            .and_then(|raw| raw.parse().ok())
            .filter(|n| *n > 0)
            .ok_or(crate::error::AppError::NotFound)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = crate::error::AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(params) = axum::extract::Path::<
            std::collections::HashMap<String, String>,
        >::from_request_parts(parts, state)
        .await
        .map_err(|_| crate::error::AppError::NotFound)?;
        Ok(PathIds(params))
    }
}

/// The ids of a `/cases/{id}/people/{person_id}/…` path, and its
/// `{version}` where it has one. Anything that is not an id: 404.
pub struct PersonPath {
    pub case_id: uuid::Uuid,
    pub person_id: uuid::Uuid,
    pub version: Option<i32>,
}

impl PersonPath {
    pub fn version(&self) -> Result<i32, crate::error::AppError> {
        self.version.ok_or(crate::error::AppError::NotFound)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PersonPath {
    type Rejection = crate::error::AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ids = PathIds::from_request_parts(parts, state).await?;
        Ok(PersonPath {
            case_id: ids.id("id")?,
            person_id: ids.id("person_id")?,
            version: match ids.0.contains_key("version") {
                true => Some(ids.number("version")?),
                false => None,
            },
        })
    }
}
