//! Logging in and out, changing one's password, and getting back a form that
//! was posted after the session had expired.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::guard::safe_next;
use super::session::{self, CurrentUser, SessionState};
use super::{password, throttle};
use crate::AppState;
use crate::accounts;
use crate::audit::{self, AuditKind, Event};
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::http::ClientIp;
use crate::http::page::{Page, render, render_with_status};

pub fn public_routes() -> Router<AppState> {
    Router::new().route("/login", get(view_login_get).post(view_login_post))
}

pub fn signed_in_routes() -> Router<AppState> {
    Router::new()
        .route("/logout", post(view_logout_post))
        .route(
            "/account/password",
            get(view_password_get).post(view_password_post),
        )
        .route("/resume", get(view_resume_get))
        .route("/resume/discard", post(view_resume_discard_post))
}

const WRONG_CREDENTIALS: &str = "Feil e-post eller passord.";
const LOCKED: &str = "For mange mislykkede forsøk. Innlogging er sperret i 15 minutter. Prøv igjen \
                      senere, eller be en administrator om hjelp.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    email: String,
    next: String,
    errors: FieldErrors,
    alert: Option<&'static str>,
    pending: bool,
}

/// Adds the cookie of a session the handler just started.
pub fn with_cookie(mut response: Response, token: Option<String>) -> Response {
    if let Some(token) = token {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session::set_cookie(&token));
    }
    response
}

/// A form for an anonymous visitor needs a session for its CSRF token:
/// the current one, or a new one whose cookie the response must set.
pub async fn form_session(
    state: &AppState,
    session: &SessionState,
) -> Result<(Option<String>, String), AppError> {
    match session.active() {
        Some(s) => Ok((None, s.csrf_token.clone())),
        None => {
            let (token, csrf) = session::start_anonymous(&state.db, false).await?;
            Ok((Some(token), csrf))
        }
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn view_login_get(
    State(state): State<AppState>,
    mut page: Page,
    session: SessionState,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if session.user().is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let (cookie, csrf) = form_session(&state, &session).await?;
    page.csrf_token = csrf;
    let template = LoginPage {
        page,
        email: String::new(),
        next: safe_next(query.next.as_deref())
            .unwrap_or_default()
            .to_owned(),
        errors: FieldErrors::default(),
        alert: None,
        pending: session.active().is_some_and(|s| s.has_pending),
    };
    Ok(with_cookie(render(&template)?, cookie))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn view_login_post(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    session: SessionState,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email: String = form.email.trim().to_lowercase().chars().take(254).collect();
    let next = safe_next(Some(&form.next)).unwrap_or_default().to_owned();
    let again = |errors, alert| LoginPage {
        page: page.clone(),
        email: form.email.trim().to_owned(),
        next: next.clone(),
        errors,
        alert,
        pending: session.active().is_some_and(|s| s.has_pending),
    };

    let mut errors = FieldErrors::default();
    if email.is_empty() {
        errors.add("email", "Skriv inn e-postadressen din.");
    }
    if form.password.is_empty() {
        errors.add("password", "Skriv inn passordet ditt.");
    }
    if !errors.is_empty() {
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &again(errors, None));
    }

    // Every path below checks a password hash, so they all take the same time.
    let locked = throttle::is_locked(&state.db, &email).await?;
    let found = accounts::account_for_login(&state.db, &email).await?;
    let (account, hash) = found.map_or((None, None), |(a, h)| (Some(a), Some(h)));
    let password_ok = password::verify(form.password.clone(), hash).await;

    let known = account.as_ref().map(|a| (a.centre_id, a.id));
    let event = |kind| Event::login(kind, known, &email, ip);

    if locked {
        audit::record(&state.db, &event(AuditKind::LoginRefusedLocked)).await?;
        return render_with_status(
            StatusCode::TOO_MANY_REQUESTS,
            &again(FieldErrors::default(), Some(LOCKED)),
        );
    }
    let account = match account {
        Some(a) if password_ok && a.active => a,
        _ => {
            let mut tx = state.db.begin().await?;
            audit::record(&mut *tx, &event(AuditKind::LoginFailed)).await?;
            let locked_now = throttle::record_failure(&mut tx, &email).await?;
            if locked_now {
                audit::record(&mut *tx, &event(AuditKind::Lockout)).await?;
            }
            tx.commit().await?;
            return if locked_now {
                render_with_status(
                    StatusCode::TOO_MANY_REQUESTS,
                    &again(FieldErrors::default(), Some(LOCKED)),
                )
            } else {
                render_with_status(
                    StatusCode::UNAUTHORIZED,
                    &again(FieldErrors::default(), Some(WRONG_CREDENTIALS)),
                )
            };
        }
    };

    let mut tx = state.db.begin().await?;
    throttle::clear(&mut *tx, &email).await?;
    accounts::record_login(&mut *tx, account.id).await?;
    let (token, carried_form) = session::start_for_account(&mut tx, &session, account.id).await?;
    audit::record(&mut *tx, &event(AuditKind::Login)).await?;
    tx.commit().await?;

    let target = if account.must_change_password {
        "/account/password"
    } else if carried_form {
        "/resume"
    } else if next.is_empty() {
        "/"
    } else {
        &next
    };
    Ok(with_cookie(
        Redirect::to(target).into_response(),
        Some(token),
    ))
}

async fn view_logout_post(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    session: SessionState,
) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    if let Some(s) = session.active() {
        session::end(&mut *tx, &s.id_hash).await?;
    }
    audit::record(
        &mut *tx,
        &Event::on_account(AuditKind::Logout, &user, ip, user.id),
    )
    .await?;
    tx.commit().await?;
    Ok((
        [(header::SET_COOKIE, session::clear_cookie())],
        Redirect::to("/login?melding=logget-ut"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    page: Page,
    errors: FieldErrors,
    forced: bool,
}

async fn view_password_get(page: Page, user: CurrentUser) -> Result<Response, AppError> {
    render(&PasswordPage {
        page,
        errors: FieldErrors::default(),
        forced: user.must_change_password,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

async fn view_password_post(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    session: SessionState,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let stored = accounts::password_hash_of(&state.db, user.id).await?;
    if throttle::is_locked(&state.db, &user.email).await? {
        errors.add("current_password", LOCKED);
    } else if !password::verify(form.current_password.clone(), Some(stored)).await {
        let mut tx = state.db.begin().await?;
        throttle::record_failure(&mut tx, &user.email).await?;
        tx.commit().await?;
        errors.add(
            "current_password",
            "Passordet stemmer ikke. Skriv inn passordet du logget inn med.",
        );
    }
    if let Err(message) = password::check_new(&form.new_password, &user.email) {
        errors.add("new_password", message);
    } else if form.new_password == form.current_password {
        errors.add(
            "new_password",
            "Det nye passordet må være et annet enn det gamle.",
        );
    }
    if form.new_password != form.new_password_confirm {
        errors.add(
            "new_password_confirm",
            "Passordene er ikke like. Skriv det nye passordet to ganger.",
        );
    }
    if !errors.is_empty() {
        return render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                page,
                errors,
                forced: user.must_change_password,
            },
        );
    }

    let hash = password::hash(form.new_password).await?;
    let mut tx = state.db.begin().await?;
    accounts::set_password(&mut *tx, user.id, &hash, false).await?;
    // Someone who knew the old password is signed out everywhere.
    let keep = session.active().map(|s| s.id_hash.as_slice());
    session::end_all_for_account(&mut *tx, user.id, keep).await?;
    audit::record(
        &mut *tx,
        &Event::on_account(AuditKind::PasswordChanged, &user, ip, user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/?melding=passord-endret").into_response())
}

#[derive(Template)]
#[template(path = "resume.html")]
struct ResumePage {
    page: Page,
    path: String,
    fields: Vec<(String, String)>,
}

async fn view_resume_get(
    State(state): State<AppState>,
    page: Page,
    session: SessionState,
) -> Result<Response, AppError> {
    let pending = match session.active() {
        Some(s) => session::pending(&state.db, s).await?,
        None => None,
    };
    let Some(pending) = pending else {
        return Ok(Redirect::to("/").into_response());
    };
    render(&ResumePage {
        page,
        path: pending.path,
        fields: pending.fields,
    })
}

async fn view_resume_discard_post(
    State(state): State<AppState>,
    session: SessionState,
) -> Result<Response, AppError> {
    if let Some(s) = session.active() {
        session::clear_pending(&state.db, s, None).await?;
    }
    Ok(Redirect::to("/?melding=forkastet").into_response())
}
