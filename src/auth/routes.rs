//! Signed-in account pages: logging out, changing one's password, one's
//! sessions («Mine økter»), and getting back a form that was posted after
//! the session had expired. Signing in is `sign_in`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::session::{self, CurrentUser, SessionState};
use super::sign_in::LOCKED;
use super::throttle::{Attempt, Verdict};
use super::{kept_forms, password};
use crate::AppState;
use crate::accounts;
use crate::audit::{AuditKind, Event};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, RecordId};

pub fn public_routes() -> Router<AppState> {
    super::sign_in::routes()
}

pub fn signed_in_routes() -> Router<AppState> {
    Router::new()
        .route("/logout", post(view_logout_post))
        .route(
            "/account/password",
            get(view_password_get).post(view_password_post),
        )
        .route("/account/sessions", get(view_sessions_get))
        .route(
            "/account/sessions/end-others",
            post(view_sessions_end_others_post),
        )
        .route("/account/sessions/{id}/end", post(view_session_end_post))
        .route("/resume", get(view_resume_get))
        .route("/resume/discard", post(view_resume_discard_post))
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
    let current_password_error = check_current_password(&state, &user, ip, &form).await?;
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

/// Whether the current password typed is right; a wrong one is a failed
/// login like any other, throttled and counted the same way.
async fn check_current_password(
    state: &AppState,
    user: &CurrentUser,
    ip: Option<std::net::IpAddr>,
    form: &PasswordForm,
) -> Result<Option<&'static str>, AppError> {
    let attempt = Attempt::new(&state.keys, &user.email, ip, None);
    let known = Some((user.centre_id, user.id));
    let event = |kind| Event::login(kind, known, "", ip);
    let last = match attempt.reserve(&state.db).await? {
        Verdict::Allowed { last } => last,
        _ => {
            event(AuditKind::LoginRefusedLocked)
                .record(&state.db)
                .await?;
            return Ok(Some(LOCKED));
        }
    };
    let stored = accounts::password_hash_of(&state.db, user.id).await?;
    let right = match password::verify(form.current_password.clone(), Some(stored)).await {
        Ok(right) => right,
        Err(e) => {
            attempt.give_back(&state.db).await?;
            return Err(e);
        }
    };
    if right {
        // Confirming a password frees nothing: only a sign-in does.
        attempt.give_back(&state.db).await?;
        return Ok(None);
    }
    let mut tx = state.db.begin().await?;
    event(AuditKind::LoginFailed).record(&mut *tx).await?;
    if last {
        event(AuditKind::Lockout).record(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Some(
        "Passordet stemmer ikke. Skriv inn passordet du logget inn med.",
    ))
}

/// A session in «Mine økter».
struct SessionView {
    session: session::Listed,
    current: bool,
}

impl SessionView {
    fn browser(&self) -> String {
        crate::locale::browser_name(&self.session.user_agent)
    }
    fn address(&self) -> &str {
        self.session.ip.as_deref().unwrap_or("Ukjent")
    }
    fn started(&self) -> String {
        crate::locale::date_time(self.session.created_at)
    }
    fn last_seen(&self) -> String {
        crate::locale::date_time(self.session.last_seen_at)
    }
}

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    page: Page,
    sessions: Vec<SessionView>,
    has_second_factor: bool,
    unused_recovery_codes: i64,
}

async fn view_sessions_get(
    State(state): State<AppState>,
    page: Page,
    user: CurrentUser,
    session: SessionState,
) -> Result<Response, AppError> {
    let current = session.active().map(|s| s.public_id);
    let sessions = session::signed_in_sessions(&state.db, user.id)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: Some(s.public_id) == current,
            session: s,
        })
        .collect();
    let account = accounts::account_by_id(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&SessionsPage {
        page,
        sessions,
        has_second_factor: account.has_second_factor,
        unused_recovery_codes: super::second_factor::unused_recovery_codes(&state.db, user.id)
            .await?,
    })
}

async fn view_session_end_post(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    session: SessionState,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    // Another account's session is no session of this user's: 404.
    if !session::end_listed(&mut *tx, user.id, id).await? {
        return Err(AppError::NotFound);
    }
    Event::on_account(AuditKind::SessionEnded, &user, ip, user.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    if session.active().is_some_and(|s| s.public_id == id) {
        return Ok((
            [(header::SET_COOKIE, session::clear_cookie())],
            Redirect::to("/login?melding=logget-ut"),
        )
            .into_response());
    }
    Ok(Redirect::to("/account/sessions?melding=okt-avsluttet").into_response())
}

async fn view_sessions_end_others_post(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    session: SessionState,
) -> Result<Response, AppError> {
    let keep = session.active().map(|s| s.id_hash.as_slice());
    let mut tx = state.db.begin().await?;
    session::end_all_for_account(&mut *tx, user.id, keep).await?;
    Event::on_account(AuditKind::SessionEnded, &user, ip, user.id)
        .detail("alle andre nettlesere")
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/account/sessions?melding=andre-okter-avsluttet").into_response())
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
    let user = page.user.clone().ok_or(AppError::SignInRequired)?;
    if crate::cases::restriction::refuses_path(&state.db, &user, &pending.path).await? {
        if let Some(s) = session.active() {
            kept_forms::forget(&state.db, s, None).await?;
        }
        return Ok(Redirect::to("/?melding=skjema-skjermet").into_response());
    }
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
