//! First run: while the database holds no account, the server prints a
//! one-time link (as Jupyter does). That page creates the first centre and
//! its administrator, and is gone afterwards.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use sqlx::PgPool;

use crate::AppState;
use crate::accounts::{self, AccountFields, NewAccount, Role};
use crate::audit::{self, AuditKind, Event};
use crate::auth::password;
use crate::auth::routes::with_cookie;
use crate::auth::session::{self, SessionState};
use crate::auth::token::{hash_token, random_token};
use crate::error::AppError;
use crate::forms::{self, FieldErrors};
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
    sqlx::query("DELETE FROM setup_tokens")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash) VALUES ($1)")
        .bind(hash_token(&token))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(token))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    page: Page,
    form: SetupForm,
    errors: FieldErrors,
}

#[derive(Default, Deserialize)]
struct SetupForm {
    #[serde(default)]
    centre_name: String,
    shielded_address: Option<String>,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

impl SetupForm {
    fn shielded(&self) -> bool {
        forms::checkbox(&self.shielded_address)
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
    match (query.token, session.active()) {
        (Some(token), _) => {
            // The link works once: it is used up here, and the session it
            // opens is what may complete the setup.
            let used = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1")
                .bind(hash_token(&token))
                .execute(&state.db)
                .await?
                .rows_affected();
            if used == 0 {
                return Err(AppError::NotFound);
            }
            let (token, csrf) = session::start_anonymous(&state.db, true).await?;
            cookie = Some(token);
            page.csrf_token = csrf;
        }
        (None, Some(s)) if s.setup_allowed => {}
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
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    if !session.active().is_some_and(|s| s.setup_allowed) {
        return Err(AppError::NotFound);
    }
    let mut errors = FieldErrors::default();
    let centre_name = forms::required_text(
        &mut errors,
        "centre_name",
        &form.centre_name,
        "navnet på krisesenteret",
        200,
    );
    let fields = AccountFields::parse(&form.full_name, &form.email, &mut errors);
    if let Err(message) = password::check_new(&form.password, &form.email) {
        errors.add("password", message);
    }
    if form.password != form.password_confirm {
        errors.add(
            "password_confirm",
            "Passordene er ikke like. Skriv passordet to ganger.",
        );
    }
    let (Some(fields), true) = (fields, errors.is_empty()) else {
        return render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage { page, form, errors },
        );
    };

    let hash = password::hash(form.password.clone()).await?;
    let mut tx = state.db.begin().await?;
    // Two browsers completing setup at once: the second finds an account.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('trygg-setup'))")
        .execute(&mut *tx)
        .await?;
    if accounts::count_accounts(&mut *tx).await? > 0 {
        return Err(AppError::NotFound);
    }
    let centre = accounts::create_centre(&mut *tx, &centre_name, form.shielded())
        .await
        .map_err(AppError::internal)?;
    let admin = accounts::create_account(
        &mut *tx,
        NewAccount {
            centre_id: centre.id,
            email: &fields.email,
            full_name: &fields.full_name,
            role: Role::Admin,
            password_hash: &hash,
            must_change_password: false,
        },
    )
    .await
    .map_err(AppError::internal)?;
    sqlx::query("DELETE FROM setup_tokens")
        .execute(&mut *tx)
        .await?;
    for kind in [AuditKind::SetupCompleted, AuditKind::Login] {
        audit::record(&mut *tx, &Event::setup(kind, centre.id, admin.id, ip)).await?;
    }
    let (token, _) = session::start_for_account(&mut tx, &session, admin.id).await?;
    tx.commit().await?;
    Ok(with_cookie(
        Redirect::to("/?melding=velkommen").into_response(),
        Some(token),
    ))
}
