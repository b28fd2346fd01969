//! Signing in, in steps: the password (`/login`), then a code from the
//! authenticator app or a recovery code (`/login/code`), or, the first time
//! for an account that needs one, enrolling the app (`/login/enrol`). Until
//! the last step the session opens nothing else (see `session::Stage`).
//!
//! Every password and every code first takes a throttle slot (`throttle`),
//! before anything is hashed or compared.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::guard::safe_next;
use super::second_factor::{self, AppCode, Enrolment, Typed};
use super::session::{self, Origin, PartialSignIn, SessionState, Stage};
use super::throttle::{Attempt, Verdict};
use super::{csrf, device, password};
use crate::AppState;
use crate::accounts::{self, Account};
use crate::audit::{self, AuditKind, Event};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::ClientIp;
use crate::http::page::{Page, render, render_with_status};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(view_login_get).post(view_login_post))
        .route("/login/code", get(view_code_get).post(view_code_post))
        .route("/login/enrol", get(view_enrol_get).post(view_enrol_post))
}

const WRONG_CREDENTIALS: &str = "Feil e-post eller passord.";
pub const LOCKED: &str = "For mange feil forsøk. Av sikkerhetshensyn er innloggingen sperret i inntil \
                          15 minutter. Ingen kan oppheve sperren før tiden er ute. Vent, og begynn \
                          da på nytt med e-post og passord. Har du glemt passordet, kan en \
                          administrator gi deg et midlertidig passord.";
const ADDRESS_LIMITED: &str = "For mange feil forsøk fra dette nettverket (for eksempel senterets). \
                               Vent 15 minutter og prøv igjen. I en nettleser der du har logget inn \
                               før, kan du fortsatt logge inn.";
const TEMPORARY_EXPIRED: &str = "Det midlertidige passordet har gått ut. Et midlertidig passord \
                                 virker bare i 72 timer (tre døgn). Be en administrator ved senteret \
                                 om et nytt.";
const WRONG_CODE: &str = "Koden stemmer ikke. Skriv inn koden appen viser nå, eller en \
                          gjenopprettingskode du ikke har brukt før.";
const NO_CODE: &str = "Skriv inn den sekssifrede koden fra autentiseringsappen.";
const REPLAYED_CODE: &str = "Denne koden er allerede brukt. Vent til appen viser en ny kode, og skriv \
                             inn den.";
const BLOCKED: &str = "For mange feil engangskoder på rad. Innloggingen for kontoen er stengt til en \
                       administrator nullstiller totrinnsinnloggingen din. Passordet ditt kan være \
                       kjent for andre: be også om et nytt passord.";

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

/// Adds a cookie to a response.
fn with_set_cookie(mut response: Response, cookie: Option<header::HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Adds the cookie of a session the handler just started.
pub fn with_cookie(response: Response, token: Option<String>) -> Response {
    with_set_cookie(response, token.map(|t| session::set_cookie(&t)))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

impl NextQuery {
    fn next(&self) -> String {
        safe_next(self.next.as_deref())
            .unwrap_or_default()
            .to_owned()
    }
}

/// The `next` a step's form posted, when it is safe to go to.
fn posted_next(posted: &FormFields) -> String {
    safe_next(Some(posted.get("next")))
        .unwrap_or_default()
        .to_owned()
}

/// `?next=` for the following step, when there is somewhere to go back to.
fn next_query(next: &str) -> String {
    if next.is_empty() {
        String::new()
    } else {
        format!(
            "?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        )
    }
}

async fn view_login_get(
    State(state): State<AppState>,
    mut page: Page,
    session: SessionState,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    if session.user().is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    // Without a session (the usual case), a signed double submit: nothing
    // is written for a visitor who has not signed in.
    let mut cookie = None;
    if session.active().is_none() {
        let (token, set) = csrf::form_token(&state.keys, &headers);
        page.csrf_token = token;
        cookie = set;
    }
    let template = LoginPage {
        page,
        email: String::new(),
        next: query.next(),
        errors: FieldErrors::default(),
        alert: None,
        pending: session.active().is_some_and(|s| s.has_pending),
    };
    Ok(with_set_cookie(render(&template)?, cookie))
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
    mut page: Page,
    ClientIp(ip): ClientIp,
    session: SessionState,
    headers: HeaderMap,
    posted: FormFields,
) -> Result<Response, AppError> {
    if session.active().is_none() {
        page.csrf_token = csrf::form_token(&state.keys, &headers).0;
    }
    let form = LoginForm::read(&posted);
    let again = |status, errors, alert| {
        render_with_status(
            status,
            &LoginPage {
                page: page.clone(),
                email: form.email.trim().to_owned(),
                next: form.safe_next(),
                errors,
                alert,
                pending: session.active().is_some_and(|s| s.has_pending),
            },
        )
    };
    let Credentials {
        email,
        password,
        next,
    } = match form.parse() {
        Ok(credentials) => credentials,
        Err(errors) => return again(StatusCode::UNPROCESSABLE_ENTITY, errors, None),
    };

    let found = accounts::account_for_login(&state.db, &email).await?;
    let (account, hash) = found.map_or((None, None), |(a, h)| (Some(a), Some(h)));
    let epoch = account.as_ref().map_or(0, |a| a.device_epoch);
    let trusted_device = device::trusted_for(&state.keys, &headers, &email, epoch);
    let attempt = Attempt::new(&state.keys, &email, ip, trusted_device.as_deref());
    let verdict = attempt.reserve(&state.db).await?;
    let login_key = audit::login_key(&state.keys, &email);
    let known = account.as_ref().map(|a| (a.centre_id, a.id));
    let event = |kind| Event::login(kind, known, &login_key, ip);

    let last = match verdict {
        Verdict::Allowed { last } => last,
        Verdict::Locked => {
            event(AuditKind::LoginRefusedLocked)
                .record(&state.db)
                .await?;
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::default(),
                Some(LOCKED),
            );
        }
        Verdict::AddressLimited => {
            event(AuditKind::LoginRefusedAddress)
                .record(&state.db)
                .await?;
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::default(),
                Some(ADDRESS_LIMITED),
            );
        }
    };
    // Every attempt allowed this far is checked against a hash (a dummy
    // one for an unknown e-mail), so they all take the same time.
    let password_ok = match password::verify(password, hash).await {
        Ok(ok) => ok,
        Err(e) => {
            // Never checked: the attempt does not count.
            attempt.give_back(&state.db).await?;
            return Err(e);
        }
    };
    let account = match account {
        Some(a) if password_ok && a.active => a,
        _ => {
            let locked = record_failure(&state, &event, AuditKind::LoginFailed, last).await?;
            return match locked {
                true => again(
                    StatusCode::TOO_MANY_REQUESTS,
                    FieldErrors::default(),
                    Some(LOCKED),
                ),
                false => again(
                    StatusCode::UNAUTHORIZED,
                    FieldErrors::default(),
                    Some(WRONG_CREDENTIALS),
                ),
            };
        }
    };
    if account.temporary_password_expired() {
        event(AuditKind::LoginRefusedExpired)
            .record(&state.db)
            .await?;
        return again(
            StatusCode::UNAUTHORIZED,
            FieldErrors::default(),
            Some(TEMPORARY_EXPIRED),
        );
    }

    let staff_too = accounts::staff_second_factor(&state.db, account.centre_id).await?;
    let stage = if account.has_second_factor {
        Stage::SecondFactor
    } else if second_factor::required(account.role, staff_too) {
        Stage::Enrol
    } else {
        Stage::SignedIn
    };
    let origin = Origin {
        trusted_device,
        ..Origin::new(ip, &headers)
    };
    let mut tx = state.db.begin().await?;
    if stage == Stage::SignedIn {
        let done = finish(&mut tx, &session, &account, origin, &attempt).await?;
        tx.commit().await?;
        return Ok(done.response(&state, &headers, &account, &next));
    }
    // The password was right; the second factor decides. The account's
    // slot stays taken until the whole sign-in completes; the address's
    // comes back now, as the next step takes one of its own.
    attempt.password_confirmed(&mut *tx).await?;
    let (token, _) =
        session::start_for_account(&mut tx, &session, account.id, stage, &origin).await?;
    event(AuditKind::PasswordAccepted).record(&mut *tx).await?;
    tx.commit().await?;
    let step = match stage {
        Stage::Enrol => "/login/enrol",
        _ => "/login/code",
    };
    Ok(with_cookie(
        Redirect::to(&format!("{step}{}", next_query(&next))).into_response(),
        Some(token),
    ))
}

/// Records a failed password or code; true when it locked the account.
async fn record_failure<'a>(
    state: &AppState,
    event: &impl Fn(AuditKind) -> Event<'a>,
    kind: AuditKind,
    last: bool,
) -> Result<bool, AppError> {
    let mut tx = state.db.begin().await?;
    event(kind).record(&mut *tx).await?;
    if last {
        event(AuditKind::Lockout).record(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(last)
}

/// A completed sign-in, ready to answer.
struct SignedIn {
    token: String,
    carried_form: bool,
}

impl SignedIn {
    /// To the page the user was going to, with the session cookie and the
    /// device cookie that makes this browser a trusted device.
    fn response(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        account: &Account,
        next: &str,
    ) -> Response {
        let target = if account.must_change_password {
            "/account/password"
        } else if self.carried_form {
            "/resume"
        } else if next.is_empty() {
            "/"
        } else {
            next
        };
        let response = with_cookie(
            Redirect::to(target).into_response(),
            Some(self.token.clone()),
        );
        with_set_cookie(
            response,
            Some(device::cookie_after_sign_in(
                &state.keys,
                headers,
                &account.email,
                account.device_epoch,
            )),
        )
    }
}

/// The last step of every sign-in: frees the throttle, starts the signed-in
/// session (carrying a kept form along), and records the login.
async fn finish(
    tx: &mut sqlx::PgConnection,
    session: &SessionState,
    account: &Account,
    mut origin: Origin,
    attempt: &Attempt,
) -> Result<SignedIn, AppError> {
    attempt.succeeded(&mut *tx).await?;
    origin.previous_login = account.previous_login();
    accounts::record_login(&mut *tx, account.id, origin.ip).await?;
    let (token, carried_form) =
        session::start_for_account(tx, session, account.id, Stage::SignedIn, &origin).await?;
    Event::login(
        AuditKind::Login,
        Some((account.centre_id, account.id)),
        "",
        origin.ip,
    )
    .record(&mut *tx)
    .await?;
    Ok(SignedIn {
        token,
        carried_form,
    })
}

/// The session's sign-in at `stage`, and its account while it may still
/// sign in; `None` sends the browser back to the password.
async fn partial_at(
    state: &AppState,
    session: &SessionState,
    stage: Stage,
) -> Result<Option<(PartialSignIn, Account)>, AppError> {
    let Some(partial) = session
        .active()
        .and_then(|s| s.partial.clone())
        .filter(|p| p.stage == stage)
    else {
        return Ok(None);
    };
    let account = accounts::account_by_id(&state.db, partial.account_id)
        .await?
        .filter(|a| a.active);
    Ok(account.map(|a| (partial, a)))
}

/// After a lock at the code or enrolment step: that step's session ends,
/// and the password page comes back with the lock's message (its form
/// starts again from the e-mail once the lock is over).
async fn locked_at_step(
    state: &AppState,
    session: &SessionState,
    mut page: Page,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    if let Some(s) = session.active() {
        session::end(&state.db, &s.id_hash).await?;
    }
    let (token, cookie) = csrf::form_token(&state.keys, headers);
    page.csrf_token = token;
    page.user = None;
    let response = render_with_status(
        StatusCode::TOO_MANY_REQUESTS,
        &LoginPage {
            page,
            email: String::new(),
            next: String::new(),
            errors: FieldErrors::default(),
            alert: Some(LOCKED),
            pending: false,
        },
    )?;
    let response = with_set_cookie(response, cookie);
    Ok(with_set_cookie(response, Some(session::clear_cookie())))
}

/// The throttle slot for a code typed at the code or enrolment step, and
/// whether it is the last; `Err` holds the answer when the account (or the
/// address) has used its slots.
async fn reserve_for_code(
    state: &AppState,
    session: &SessionState,
    page: &Page,
    headers: &HeaderMap,
    account: &Account,
    partial: &PartialSignIn,
    ip: Option<std::net::IpAddr>,
) -> Result<Result<(Attempt, bool), Response>, AppError> {
    let device = partial.trusted_device.as_deref();
    let attempt = Attempt::new(&state.keys, &account.email, ip, device);
    match attempt.reserve(&state.db).await? {
        Verdict::Allowed { last } => Ok(Ok((attempt, last))),
        refused => {
            let kind = match refused {
                Verdict::AddressLimited => AuditKind::LoginRefusedAddress,
                _ => AuditKind::LoginRefusedLocked,
            };
            let known = Some((account.centre_id, account.id));
            Event::login(kind, known, "", ip).record(&state.db).await?;
            Ok(Err(
                locked_at_step(state, session, page.clone(), headers).await?
            ))
        }
    }
}

fn back_to_password() -> Response {
    Redirect::to("/login?melding=innlogging-utlopt").into_response()
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    page: Page,
    next: String,
    errors: FieldErrors,
    alert: Option<&'static str>,
}

async fn view_code_get(
    State(state): State<AppState>,
    page: Page,
    session: SessionState,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    if partial_at(&state, &session, Stage::SecondFactor)
        .await?
        .is_none()
    {
        return Ok(back_to_password());
    }
    render(&CodePage {
        page,
        next: query.next(),
        errors: FieldErrors::default(),
        alert: None,
    })
}

async fn view_code_post(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    session: SessionState,
    headers: HeaderMap,
    posted: FormFields,
) -> Result<Response, AppError> {
    let Some((partial, account)) = partial_at(&state, &session, Stage::SecondFactor).await? else {
        return Ok(back_to_password());
    };
    let next = posted_next(&posted);
    let again = |status, errors, alert| {
        render_with_status(
            status,
            &CodePage {
                page: page.clone(),
                next: next.clone(),
                errors,
                alert,
            },
        )
    };
    let code_error = |message: &'static str| {
        let mut errors = FieldErrors::default();
        errors.add("code", message);
        errors
    };
    let typed = Typed::read(posted.get("code"));
    if typed == Typed::Empty {
        return again(StatusCode::UNPROCESSABLE_ENTITY, code_error(NO_CODE), None);
    }
    let known = Some((account.centre_id, account.id));
    let event = |kind| Event::login(kind, known, "", ip);
    let (attempt, last) =
        match reserve_for_code(&state, &session, &page, &headers, &account, &partial, ip).await? {
            Ok(slot) => slot,
            Err(locked) => return Ok(locked),
        };

    if account.second_factor_failures >= second_factor::MAX_FAILURES {
        // Shut until an administrator resets it: nothing is compared.
        attempt.give_back(&state.db).await?;
        event(AuditKind::SecondFactorBlocked)
            .record(&state.db)
            .await?;
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            FieldErrors::default(),
            Some(BLOCKED),
        );
    }

    let secret = second_factor::secret_of(&state.db, account.id).await?;
    let mut tx = state.db.begin().await?;
    let outcome = match (&typed, &secret) {
        (Typed::AppCode(code), Some(secret)) => {
            second_factor::accept_app_code(&mut *tx, account.id, secret, code).await?
        }
        (Typed::RecoveryCode(code), Some(_)) => {
            match second_factor::use_recovery_code(&mut tx, account.id, code).await? {
                true => {
                    event(AuditKind::RecoveryCodeUsed).record(&mut *tx).await?;
                    AppCode::Accepted
                }
                false => AppCode::Wrong,
            }
        }
        _ => AppCode::Wrong,
    };
    if outcome != AppCode::Accepted {
        tx.rollback().await?;
        let kind = match outcome {
            AppCode::Replayed => AuditKind::SecondFactorReplayed,
            _ => AuditKind::SecondFactorFailed,
        };
        let in_a_row = second_factor::count_failure(&state.db, account.id).await?;
        let locked = record_failure(&state, &event, kind, last).await?;
        if locked {
            // The password alone opens nothing more: start again after the lock.
            return locked_at_step(&state, &session, page, &headers).await;
        }
        if in_a_row >= second_factor::MAX_FAILURES {
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::default(),
                Some(BLOCKED),
            );
        }
        let message = match outcome {
            AppCode::Replayed => REPLAYED_CODE,
            _ => WRONG_CODE,
        };
        return again(StatusCode::UNAUTHORIZED, code_error(message), None);
    }
    let origin = Origin {
        trusted_device: partial.trusted_device.clone(),
        ..Origin::new(ip, &headers)
    };
    let done = finish(&mut tx, &session, &account, origin, &attempt).await?;
    tx.commit().await?;
    Ok(done.response(&state, &headers, &account, &next))
}

#[derive(Template)]
#[template(path = "login_enrol.html")]
struct EnrolPage {
    page: Page,
    enrolment: Enrolment,
    next: String,
    errors: FieldErrors,
    alert: Option<&'static str>,
}

/// The secret this enrolment shows: made once per session, so a reload
/// shows the same QR code.
async fn enrol_secret(
    state: &AppState,
    session: &SessionState,
    partial: &PartialSignIn,
) -> Result<Vec<u8>, AppError> {
    if let Some(secret) = &partial.enrol_secret {
        return Ok(secret.clone());
    }
    let secret = second_factor::new_secret();
    if let Some(s) = session.active() {
        session::set_enrol_secret(&state.db, &s.id_hash, &secret).await?;
    }
    Ok(secret)
}

async fn view_enrol_get(
    State(state): State<AppState>,
    page: Page,
    session: SessionState,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let Some((partial, account)) = partial_at(&state, &session, Stage::Enrol).await? else {
        return Ok(back_to_password());
    };
    if account.has_second_factor {
        return Ok(back_to_password());
    }
    let secret = enrol_secret(&state, &session, &partial).await?;
    let enrolment = Enrolment::new(&secret, &account.email)
        .ok_or_else(|| AppError::internal("could not draw the enrolment QR code"))?;
    render(&EnrolPage {
        page,
        enrolment,
        next: query.next(),
        errors: FieldErrors::default(),
        alert: None,
    })
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    page: Page,
    codes: Vec<String>,
    continue_to: String,
}

async fn view_enrol_post(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    session: SessionState,
    headers: HeaderMap,
    posted: FormFields,
) -> Result<Response, AppError> {
    let Some((partial, account)) = partial_at(&state, &session, Stage::Enrol).await? else {
        return Ok(back_to_password());
    };
    let next = posted_next(&posted);
    let Some(secret) = partial.enrol_secret.clone() else {
        return Ok(Redirect::to(&format!("/login/enrol{}", next_query(&next))).into_response());
    };
    let again = |status, message: Option<&'static str>, alert| {
        let mut errors = FieldErrors::default();
        if let Some(message) = message {
            errors.add("code", message);
        }
        let enrolment = Enrolment::new(&secret, &account.email)
            .ok_or_else(|| AppError::internal("could not draw the enrolment QR code"))?;
        render_with_status(
            status,
            &EnrolPage {
                page: page.clone(),
                enrolment,
                next: next.clone(),
                errors,
                alert,
            },
        )
    };
    let code = match Typed::read(posted.get("code")) {
        Typed::AppCode(code) => code,
        Typed::Empty => return again(StatusCode::UNPROCESSABLE_ENTITY, Some(NO_CODE), None),
        Typed::RecoveryCode(_) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("Koden har seks sifre. Skriv inn koden appen viser nå."),
                None,
            );
        }
    };
    let known = Some((account.centre_id, account.id));
    let event = |kind| Event::login(kind, known, "", ip);
    let (attempt, last) =
        match reserve_for_code(&state, &session, &page, &headers, &account, &partial, ip).await? {
            Ok(slot) => slot,
            Err(locked) => return Ok(locked),
        };
    let Some(step) = second_factor::matching_step(&secret, &code, second_factor::current_step())
    else {
        let locked = record_failure(&state, &event, AuditKind::SecondFactorFailed, last).await?;
        return match locked {
            true => locked_at_step(&state, &session, page, &headers).await,
            false => again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(
                    "Koden stemmer ikke. Skriv inn koden appen viser nå. Har du lagt til Trygg i \
                     appen før, slett den gamle oppføringen og skann QR-koden over på nytt. Sjekk \
                     også at klokka på mobilen er riktig.",
                ),
                None,
            ),
        };
    };
    let mut tx = state.db.begin().await?;
    let Some(codes) = second_factor::enrol(&mut tx, account.id, &secret, step).await? else {
        // Enrolled meanwhile, elsewhere: this session's password alone opens
        // nothing, and someone else has the password.
        tx.rollback().await?;
        event(AuditKind::SecondFactorFailed)
            .detail("satt opp i en annen nettleser")
            .record(&state.db)
            .await?;
        if let Some(s) = session.active() {
            session::end(&state.db, &s.id_hash).await?;
        }
        return Ok(back_to_password());
    };
    event(AuditKind::SecondFactorEnrolled)
        .record(&mut *tx)
        .await?;
    let origin = Origin {
        trusted_device: partial.trusted_device.clone(),
        ..Origin::new(ip, &headers)
    };
    let done = finish(&mut tx, &session, &account, origin, &attempt).await?;
    tx.commit().await?;

    // Shown once: where the user goes next is the same as after any sign-in.
    let onward = done.response(&state, &headers, &account, &next);
    let continue_to = onward
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("/")
        .to_owned();
    let mut response = render(&RecoveryCodesPage {
        page,
        codes,
        continue_to,
    })?;
    for cookie in onward.headers().get_all(header::SET_COOKIE) {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    Ok(response)
}
