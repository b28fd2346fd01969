//! The administrator's own centre: whether it has a shielded address (P8).
//! At such a centre every safety plan has a section on what the shielded
//! address means, and the child's own part asks what the child can do
//! because of it.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::accounts::{self, Centre};
use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::ManageCentre};
use crate::error::AppError;
use crate::forms::FormFields;
use crate::http::ClientIp;
use crate::http::page::{Page, render};

#[derive(Template)]
#[template(path = "admin/centre.html")]
struct CentrePage {
    page: Page,
    centre: Centre,
}

pub async fn view_centre_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageCentre>,
) -> Result<Response, AppError> {
    let centre = accounts::centre(&state.db, user.centre_id).await?;
    render(&CentrePage { page, centre })
}

/// The centre form as posted.
pub struct CentreForm {
    shielded_address: bool,
}

impl CentreForm {
    pub fn read(f: &FormFields) -> Self {
        CentreForm {
            shielded_address: f.checked("shielded_address"),
        }
    }

    /// Whether the centre has a shielded address; a checkbox cannot be wrong.
    pub fn parse(&self) -> bool {
        self.shielded_address
    }
}

pub async fn view_centre_post(
    State(state): State<AppState>,
    user: Can<ManageCentre>,
    ClientIp(ip): ClientIp,
    posted: FormFields,
) -> Result<Response, AppError> {
    let shielded = CentreForm::read(&posted).parse();
    let mut tx = state.db.begin().await?;
    let before = accounts::centre(&mut *tx, user.centre_id).await?;
    if before.has_shielded_address != shielded {
        accounts::set_shielded_address(&mut *tx, user.centre_id, shielded).await?;
        let detail = if shielded {
            "skjermet adresse: nei → ja"
        } else {
            "skjermet adresse: ja → nei"
        };
        let event = Event::by(AuditKind::CentreUpdated, &user, ip).detail(detail);
        event.record(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to("/admin/centre?melding=senter-lagret").into_response())
}
