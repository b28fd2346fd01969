//! Logging in and out, changing one's password, and getting back a form that
//! was posted after the session had expired.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::guard::safe_next;
use super::session::{self, CurrentUser, SessionState};
use super::{kept_forms, password, throttle};
use crate::AppState;
use crate::accounts;
use crate::audit::{AuditKind, Event};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
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

/// The login form as posted.
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// What a login attempt is made with.
struct Credentials {
    /// Trimmed, in lower case, and no longer than an address can be.
    email: String,
    password: String,
    /// A path on this site to go to afterwards, or "".
    next: String,
}

impl LoginForm {
    fn read(f: &FormFields) -> Self {
        LoginForm {
            email: f.get("email").to_owned(),
            password: f.get("password").to_owned(),
            next: f.get("next").to_owned(),
        }
    }

    /// `next` when it is safe to redirect to (the page keeps only that).
    fn safe_next(&self) -> String {
        safe_next(Some(&self.next)).unwrap_or_default().to_owned()
    }

    /// Only whether something was typed: a malformed address is simply
    /// not found, like any unknown one.
    fn parse(&self) -> Result<Credentials, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email: String = self.email.trim().to_lowercase().chars().take(254).collect();
        if email.is_empty() {
            errors.add("email", "Skriv inn e-postadressen din.");
        }
        if self.password.is_empty() {
            errors.add("password", "Skriv inn passordet ditt.");
        }
        errors.into_result(|| Credentials {
            email,
            password: self.password.clone(),
            next: self.safe_next(),
        })
    }
}

async fn view_login_post(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    session: SessionState,
    posted: FormFields,
) -> Result<Response, AppError> {
    let form = LoginForm::read(&posted);
    let again = |errors, alert| LoginPage {
        page: page.clone(),
        email: form.email.trim().to_owned(),
        next: form.safe_next(),
        errors,
        alert,
        pending: session.active().is_some_and(|s| s.has_pending),
    };
    let Credentials {
        email,
        password,
        next,
    } = match form.parse() {
        Ok(credentials) => credentials,
        Err(errors) => {
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &again(errors, None));
        }
    };

    // Every path below checks a password hash, so they all take the same time.
    let locked = throttle::is_locked(&state.db, &email).await?;
    let found = accounts::account_for_login(&state.db, &email).await?;
    let (account, hash) = found.map_or((None, None), |(a, h)| (Some(a), Some(h)));
    let password_ok = password::verify(password, hash).await;

    let known = account.as_ref().map(|a| (a.centre_id, a.id));
    let event = |kind| Event::login(kind, known, &email, ip);

    if locked {
        event(AuditKind::LoginRefusedLocked)
            .record(&state.db)
            .await?;
        return render_with_status(
            StatusCode::TOO_MANY_REQUESTS,
            &again(FieldErrors::default(), Some(LOCKED)),
        );
    }
    let account = match account {
        Some(a) if password_ok && a.active => a,
        _ => {
            let mut tx = state.db.begin().await?;
            event(AuditKind::LoginFailed).record(&mut *tx).await?;
            let locked_now = throttle::record_failure(&mut tx, &email).await?;
            if locked_now {
                event(AuditKind::Lockout).record(&mut *tx).await?;
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
    event(AuditKind::Login).record(&mut *tx).await?;
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
    Event::on_account(AuditKind::Logout, &user, ip, user.id)
        .record(&mut *tx)
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

/// The password form as posted.
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

impl PasswordForm {
    fn read(f: &FormFields) -> Self {
        PasswordForm {
            current_password: f.get("current_password").to_owned(),
            new_password: f.get("new_password").to_owned(),
            new_password_confirm: f.get("new_password_confirm").to_owned(),
        }
    }

    /// The new password for the account with `email`. Whether the current
    /// password is right needs the database: the handler finds out and
    /// passes its message in, so it comes first, as the field does.
    fn parse(
        &self,
        email: &str,
        current_password_error: Option<&'static str>,
    ) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Some(message) = current_password_error {
            errors.add("current_password", message);
        }
        if let Err(message) = password::check_new(&self.new_password, email) {
            errors.add("new_password", message);
        } else if self.new_password == self.current_password {
            errors.add(
                "new_password",
                "Det nye passordet må være et annet enn det gamle.",
            );
        }
        if self.new_password != self.new_password_confirm {
            errors.add(
                "new_password_confirm",
                "Passordene er ikke like. Skriv det nye passordet to ganger.",
            );
        }
        errors.into_result(|| self.new_password.clone())
    }
}

async fn view_password_post(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    session: SessionState,
    posted: FormFields,
) -> Result<Response, AppError> {
    let form = PasswordForm::read(&posted);
    let stored = accounts::password_hash_of(&state.db, user.id).await?;
    let current_password_error = if throttle::is_locked(&state.db, &user.email).await? {
        Some(LOCKED)
    } else if !password::verify(form.current_password.clone(), Some(stored)).await {
        // A wrong password here is a failed login like any other.
        let known = Some((user.centre_id, user.id));
        let event = |kind| Event::login(kind, known, &user.email, ip);
        let mut tx = state.db.begin().await?;
        event(AuditKind::LoginFailed).record(&mut *tx).await?;
        if throttle::record_failure(&mut tx, &user.email).await? {
            event(AuditKind::Lockout).record(&mut *tx).await?;
        }
        tx.commit().await?;
        Some("Passordet stemmer ikke. Skriv inn passordet du logget inn med.")
    } else {
        None
    };
    let new_password = match form.parse(&user.email, current_password_error) {
        Ok(new_password) => new_password,
        Err(errors) => {
            return render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage {
                    page,
                    errors,
                    forced: user.must_change_password,
                },
            );
        }
    };

    let hash = password::hash(new_password).await?;
    let mut tx = state.db.begin().await?;
    accounts::set_password(&mut *tx, user.id, &hash, false).await?;
    // Someone who knew the old password is signed out everywhere.
    let keep = session.active().map(|s| s.id_hash.as_slice());
    session::end_all_for_account(&mut *tx, user.id, keep).await?;
    Event::on_account(AuditKind::PasswordChanged, &user, ip, user.id)
        .record(&mut *tx)
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
        Some(s) => kept_forms::kept(&state.db, s).await?,
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
        kept_forms::forget(&state.db, s, None).await?;
    }
    Ok(Redirect::to("/?melding=forkastet").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_errors_follow_the_fields_order() {
        let form = PasswordForm {
            current_password: "gammelt".into(),
            new_password: "kort".into(),
            new_password_confirm: "annet".into(),
        };
        let errors = form
            .parse("a@b.no", Some("Passordet stemmer ikke."))
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_ref()).collect();
        assert_eq!(
            fields,
            ["current_password", "new_password", "new_password_confirm"]
        );
    }
}
