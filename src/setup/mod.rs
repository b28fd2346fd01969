//! First run: while the database holds no account, the server prints a
//! one-time link (as Jupyter does). That page creates the first centre and
//! its administrator, and is gone afterwards.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use sqlx::{PgConnection, PgExecutor, PgPool};

use crate::AppState;
use crate::accounts::{self, AccountFields, NewAccount, Role};
use crate::audit::{AuditKind, Event};
use crate::auth::password;
use crate::auth::session::{self, Origin, SessionState, Stage};
use crate::auth::sign_in::with_cookie;
use crate::auth::token::{hash_token, random_token};
use crate::error::AppError;
use crate::forms::{self, FieldErrors, FormFields};
use crate::http::ClientIp;
use crate::http::page::{Page, render, render_with_status};

pub fn routes() -> Router<AppState> {
    Router::new().route("/setup", get(view_setup_get).post(view_setup_post))
}

/// A fresh setup token when no account exists yet (older ones stop working).
pub async fn issue_token_if_needed(db: &PgPool) -> sqlx::Result<Option<String>> {
    if accounts::count_accounts(db).await? > 0 {
        return Ok(None);
    }
    let token = random_token();
    let mut tx = db.begin().await?;
    delete_tokens(&mut *tx).await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash) VALUES ($1)")
        .bind(hash_token(&token))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Uses up the setup link `token`: `false` when it is unknown or was used
/// already, so that a link opens the setup page only once.
async fn use_up_token(db: impl PgExecutor<'_>, token: &str) -> sqlx::Result<bool> {
    let used = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1")
        .bind(hash_token(token))
        .execute(db)
        .await?
        .rows_affected();
    Ok(used > 0)
}

/// Holds until the transaction on `tx` ends, so two browsers completing
/// setup at once run one after the other and the second finds an account.
async fn lock_setup(tx: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('trygg-setup'))")
        .execute(tx)
        .await?;
    Ok(())
}

/// Forgets every setup link: a new one replaces them, and none may work
/// once the first account exists.
async fn delete_tokens(db: impl PgExecutor<'_>) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM setup_tokens").execute(db).await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    page: Page,
    form: SetupForm,
    errors: FieldErrors,
}

/// The setup form as typed.
#[derive(Default)]
struct SetupForm {
    centre_name: String,
    shielded_address: bool,
    full_name: String,
    email: String,
    password: String,
    password_confirm: String,
}

/// The first centre and its administrator.
struct Setup {
    centre_name: String,
    shielded_address: bool,
    admin: AccountFields,
    password: String,
}

impl SetupForm {
    fn read(f: &FormFields) -> Self {
        SetupForm {
            centre_name: f.get("centre_name").to_owned(),
            shielded_address: f.checked("shielded_address"),
            full_name: f.get("full_name").to_owned(),
            email: f.get("email").to_owned(),
            password: f.get("password").to_owned(),
            password_confirm: f.get("password_confirm").to_owned(),
        }
    }

    fn parse(&self) -> Result<Setup, FieldErrors> {
        let mut errors = FieldErrors::default();
        let centre_name = forms::required_text(
            &mut errors,
            "centre_name",
            &self.centre_name,
            "navnet på krisesenteret",
            200,
        );
        let admin = AccountFields::parse(&self.full_name, &self.email, &mut errors);
        if let Err(message) = password::check_new(&self.password, &self.email) {
            errors.add("password", message);
        }
        if self.password != self.password_confirm {
            errors.add(
                "password_confirm",
                "Passordene er ikke like. Skriv passordet to ganger.",
            );
        }
        let (Some(admin), true) = (admin, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Setup {
            centre_name,
            shielded_address: self.shielded_address,
            admin,
            password: self.password.clone(),
        })
    }
}

#[derive(Deserialize)]
struct SetupQuery {
    token: Option<String>,
}

async fn view_setup_get(
    State(state): State<AppState>,
    mut page: Page,
    session: SessionState,
    Query(query): Query<SetupQuery>,
) -> Result<Response, AppError> {
    if accounts::count_accounts(&state.db).await? > 0 {
        return Err(AppError::NotFound);
    }
    let mut cookie = None;
    match (session.active(), query.token) {
        // The browser session the link first opened keeps the page: a
        // reload (F5, a restored tab) shows it again, the link or not.
        (Some(s), _) if s.setup_allowed => {}
        (_, Some(token)) => {
            // The session the link opens is what may complete the setup.
            if !use_up_token(&state.db, &token).await? {
                return Err(AppError::NotFound);
            }
            let (token, csrf) = session::start_anonymous(&state.db, true).await?;
            cookie = Some(token);
            page.csrf_token = csrf;
        }
        _ => return Err(AppError::NotFound),
    }
    let template = SetupPage {
        page,
        form: SetupForm::default(),
        errors: FieldErrors::default(),
    };
    Ok(with_cookie(render(&template)?, cookie))
}

async fn view_setup_post(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    session: SessionState,
    headers: axum::http::HeaderMap,
    posted: FormFields,
) -> Result<Response, AppError> {
    if !session.active().is_some_and(|s| s.setup_allowed) {
        return Err(AppError::NotFound);
    }
    let form = SetupForm::read(&posted);
    let setup = match form.parse() {
        Ok(setup) => setup,
        Err(errors) => {
            return render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetupPage { page, form, errors },
            );
        }
    };

    let hash = password::hash(setup.password).await?;
    let mut tx = state.db.begin().await?;
    lock_setup(&mut tx).await?;
    if accounts::count_accounts(&mut *tx).await? > 0 {
        return Err(AppError::NotFound);
    }
    let centre = accounts::create_centre(&mut *tx, &setup.centre_name, setup.shielded_address)
        .await
        .map_err(AppError::internal)?;
    let admin = accounts::create_account(
        &mut *tx,
        NewAccount {
            centre_id: centre.id,
            email: &setup.admin.email,
            full_name: &setup.admin.full_name,
            role: Role::Admin,
            password_hash: &hash,
            must_change_password: false,
        },
    )
    .await
    .map_err(AppError::internal)?;
    delete_tokens(&mut *tx).await?;
    Event::setup(AuditKind::SetupCompleted, centre.id, admin.id, ip)
        .record(&mut *tx)
        .await?;
    // The administrator sets up the second factor before anything else.
    let origin = Origin::new(ip, &headers);
    let (token, _) =
        session::start_for_account(&mut tx, &session, admin.id, Stage::Enrol, &origin).await?;
    tx.commit().await?;
    Ok(with_cookie(
        Redirect::to("/login/enrol?next=%2F%3Fmelding%3Dvelkommen").into_response(),
        Some(token),
    ))
}
