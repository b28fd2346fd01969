//! The administrator's own centre: whether its staff sign in with a second
//! factor (ASVS 2.8; administrators and coordinators always do), where it lies (what other centres see
//! when they assess it for a relocation, R2), and whether it has a
//! shielded address (P8).
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
use crate::forms::{Choice, FieldErrors, FormFields, optional_text};
use crate::http::ClientIp;
use crate::http::page::{Page, render, render_with_status};

#[derive(Template)]
#[template(path = "admin/centre.html")]
struct CentrePage {
    page: Page,
    centre: Centre,
    form: CentreForm,
    errors: FieldErrors,
}

impl CentrePage {
    /// Whether staff must use two-step sign-in, as a choice of two.
    fn staff_choices(&self) -> Vec<Choice> {
        Choice::list(
            [
                ("on", "Ja, ansatte må også bruke totrinnsinnlogging"),
                ("off", "Nei, passord er nok for ansatte"),
            ],
            std::slice::from_ref(&self.form.staff_second_factor),
        )
    }
}

pub async fn view_centre_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageCentre>,
) -> Result<Response, AppError> {
    let centre = accounts::centre(&state.db, user.centre_id).await?;
    let (municipality, region) = accounts::centre_location(&state.db, user.centre_id).await?;
    let staff_second_factor = accounts::staff_second_factor(&state.db, user.centre_id).await?;
    let school_phone = accounts::school_phone(&state.db, user.centre_id).await?;
    render(&CentrePage {
        page,
        form: CentreForm {
            school_phone,
            shielded_address: centre.has_shielded_address,
            staff_second_factor: if staff_second_factor { "on" } else { "off" }.to_owned(),
            municipality,
            region,
        },
        centre,
        errors: FieldErrors::default(),
    })
}

/// The centre form as posted.
pub struct CentreForm {
    shielded_address: bool,
    /// "on" or "off": a choice, so a form without it changes nothing.
    staff_second_factor: String,
    municipality: String,
    region: String,
    school_phone: String,
}

/// The centre settings, read.
pub struct CentreSettings {
    pub shielded_address: bool,
    /// Whether staff too sign in with a second factor (administrators and
    /// coordinators always do).
    pub staff_second_factor: bool,
    pub municipality: String,
    pub region: String,
    /// What the school's extract gives as the number to call.
    pub school_phone: String,
}

impl CentreForm {
    pub fn read(f: &FormFields) -> Self {
        CentreForm {
            shielded_address: f.checked("shielded_address"),
            staff_second_factor: f.get("staff_second_factor").to_owned(),
            municipality: f.get("municipality").to_owned(),
            region: f.get("region").to_owned(),
            school_phone: f.get("school_phone").to_owned(),
        }
    }

    pub fn parse(&self) -> Result<CentreSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let staff_second_factor = match self.staff_second_factor.as_str() {
            "on" => true,
            "off" => false,
            _ => {
                errors.add(
                    "staff_second_factor",
                    "Velg om de ansatte må bruke totrinnsinnlogging.",
                );
                true
            }
        };
        let municipality = optional_text(&mut errors, "municipality", &self.municipality, 100);
        let region = optional_text(&mut errors, "region", &self.region, 100);
        let school_phone = optional_text(&mut errors, "school_phone", &self.school_phone, 30);
        let digits = school_phone.chars().filter(char::is_ascii_digit).count();
        if !school_phone.is_empty()
            && (digits < 8
                || !school_phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ' || c == '+'))
        {
            errors.add(
                "school_phone",
                "Bruk bare sifre, mellomrom og +, og minst åtte sifre, for eksempel 22 00 00 00.",
            );
        }
        errors.into_result(|| CentreSettings {
            school_phone,
            shielded_address: self.shielded_address,
            staff_second_factor,
            municipality,
            region,
        })
    }
}

pub async fn view_centre_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageCentre>,
    ClientIp(ip): ClientIp,
    posted: FormFields,
) -> Result<Response, AppError> {
    let form = CentreForm::read(&posted);
    let settings = match form.parse() {
        Ok(settings) => settings,
        Err(errors) => {
            let centre = accounts::centre(&state.db, user.centre_id).await?;
            let page = CentrePage {
                page,
                centre,
                form,
                errors,
            };
            return render_with_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let shielded = settings.shielded_address;
    let mut tx = state.db.begin().await?;
    let before = accounts::centre(&mut *tx, user.centre_id).await?;
    let location = accounts::centre_location(&mut *tx, user.centre_id).await?;
    if location != (settings.municipality.clone(), settings.region.clone()) {
        accounts::set_centre_location(
            &mut *tx,
            user.centre_id,
            &settings.municipality,
            &settings.region,
        )
        .await?;
        Event::by(AuditKind::CentreUpdated, &user, ip)
            .detail("kommune og region")
            .record(&mut *tx)
            .await?;
    }
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
    if accounts::school_phone(&mut *tx, user.centre_id).await? != settings.school_phone {
        accounts::set_school_phone(&mut *tx, user.centre_id, &settings.school_phone).await?;
        Event::by(AuditKind::CentreUpdated, &user, ip)
            .detail("telefonnummer for barnehager og skoler")
            .record(&mut *tx)
            .await?;
    }
    let staff_before = accounts::staff_second_factor(&mut *tx, user.centre_id).await?;
    if staff_before != settings.staff_second_factor {
        accounts::set_staff_second_factor(&mut *tx, user.centre_id, settings.staff_second_factor)
            .await?;
        if settings.staff_second_factor {
            // Staff signed in with a password alone set the app up first.
            accounts::end_sessions_without_second_factor(&mut *tx, user.centre_id).await?;
        }
        let detail = if settings.staff_second_factor {
            "totrinnsinnlogging for ansatte: nei → ja"
        } else {
            "totrinnsinnlogging for ansatte: ja → nei"
        };
        let event = Event::by(AuditKind::CentreUpdated, &user, ip).detail(detail);
        event.record(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to("/admin/centre?melding=senter-lagret").into_response())
}
