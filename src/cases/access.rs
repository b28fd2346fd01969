//! The person a `/cases/{id}/people/{person_id}/…` page is about: checked
//! against the permission the route needs (403), loaded for the caller's
//! centre (404 otherwise, as for an id that does not exist), once, before
//! the handler runs. Every mapping and plan route takes it.

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{Case, Person};
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, Grant, Permission};
use crate::error::AppError;
use crate::http::{ClientIp, PersonPath};

pub struct PersonOf<P: Grant> {
    pub user: Can<P>,
    pub ip: Option<IpAddr>,
    pub case: Case,
    pub person: Person,
    /// `{version}`, where the path has one.
    pub version: Option<i32>,
}

impl<P: Grant> PersonOf<P> {
    /// The `{version}` of the path; a path without one names nothing.
    pub fn version(&self) -> Result<i32, AppError> {
        self.version.ok_or(AppError::NotFound)
    }

    /// An event about this case, by the one who asks.
    pub fn event(&self, kind: AuditKind) -> Event<'static> {
        Event::on_case(kind, &self.user, self.ip, self.case.id)
    }

    /// Records that the one who asks read this page (`kind`).
    pub async fn record_read(
        &self,
        reads: &crate::audit::ReadLog,
        kind: AuditKind,
    ) -> Result<(), AppError> {
        Ok(self.event(kind).record_read(reads).await?)
    }
}

impl<P: Grant> FromRequestParts<AppState> for PersonOf<P> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = Can::<P>::from_request_parts(parts, state).await?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .map_err(AppError::internal)?;
        let path = PersonPath::from_request_parts(parts, state).await?;
        let (centre, case_id, person_id) = (user.centre_id, path.case_id, path.person_id);
        // A child removed from the case keeps its records readable, but
        // they no longer change.
        let (case, person) = if P::PERMISSION == Permission::WriteCases {
            super::case_and_person_to_change(&state.db, centre, case_id, person_id).await?
        } else {
            super::case_and_person(&state.db, centre, case_id, person_id).await?
        };
        Ok(PersonOf {
            user,
            ip,
            case,
            person,
            version: path.version,
        })
    }
}
