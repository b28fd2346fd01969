//! Accounts of the administrator's centre: list, create, change role,
//! deactivate and reactivate, and set a temporary password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::accounts::{self, Account, AccountFields, CreateError, NewAccount, Role};
use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::ManageAccounts};
use crate::auth::session::{self, CurrentUser};
use crate::auth::{password, second_factor, token};
use crate::cases::restriction;
use crate::error::AppError;
use crate::forms::{Choice, FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, RecordId};
use crate::locale;

/// An account as the pages show it.
struct AccountView {
    account: Account,
}

impl AccountView {
    fn last_login(&self) -> String {
        self.account
            .last_login_at
            .map_or_else(|| "Aldri".to_owned(), locale::date_time)
    }
    fn state_label(&self) -> &'static str {
        if self.account.active {
            "Aktiv"
        } else {
            "Deaktivert"
        }
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    page: Page,
    centre_name: String,
    accounts: Vec<AccountView>,
}

pub async fn view_users_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
) -> Result<Response, AppError> {
    let accounts = accounts::accounts_of_centre(&state.db, user.centre_id)
        .await?
        .into_iter()
        .map(|account| AccountView { account })
        .collect();
    render(&UsersPage {
        page,
        centre_name: user.centre_name.clone(),
        accounts,
    })
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    page: Page,
    form: NewUserForm,
    errors: FieldErrors,
    roles: Vec<Choice>,
}

/// The new-user form as typed.
#[derive(Default)]
pub struct NewUserForm {
    full_name: String,
    email: String,
    role: String,
}

/// A new account's fields and role, as the administrator chose them.
pub struct NewUser {
    pub fields: AccountFields,
    pub role: Role,
}

impl NewUserForm {
    pub fn read(f: &FormFields) -> Self {
        NewUserForm {
            full_name: f.get("full_name").to_owned(),
            email: f.get("email").to_owned(),
            role: f.get("role").to_owned(),
        }
    }

    pub fn parse(&self) -> Result<NewUser, FieldErrors> {
        let mut errors = FieldErrors::default();
        let fields = AccountFields::parse(&self.full_name, &self.email, &mut errors);
        let role = Role::parse(&self.role);
        if role.is_none() {
            errors.add("role", "Velg en rolle.");
        }
        let (Some(fields), Some(role), true) = (fields, role, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(NewUser { fields, role })
    }
}

/// Shown once, after an account is made or its password reset.
#[derive(Template)]
#[template(path = "admin/temporary_password.html")]
struct TemporaryPasswordPage {
    page: Page,
    account: Account,
    temporary_password: String,
    created: bool,
}

pub async fn view_user_new_get(page: Page, _: Can<ManageAccounts>) -> Result<Response, AppError> {
    render(&NewUserPage {
        page,
        roles: Choice::of(Role::ALL, &[Role::Staff.code().to_owned()]),
        form: NewUserForm {
            role: Role::Staff.code().to_owned(),
            ..NewUserForm::default()
        },
        errors: FieldErrors::default(),
    })
}

pub async fn view_user_new_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ClientIp(ip): ClientIp,
    posted: FormFields,
) -> Result<Response, AppError> {
    let form = NewUserForm::read(&posted);
    let again = |page, form: NewUserForm, errors| {
        render_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewUserPage {
                page,
                roles: Choice::of(Role::ALL, std::slice::from_ref(&form.role)),
                form,
                errors,
            },
        )
    };
    let NewUser { fields, role } = match form.parse() {
        Ok(new) => new,
        Err(errors) => return again(page, form, errors),
    };

    let temporary_password = token::temporary_password();
    let hash = password::hash(temporary_password.clone()).await?;
    let mut tx = state.db.begin().await?;
    let created = accounts::create_account(
        &mut *tx,
        NewAccount {
            centre_id: user.centre_id,
            email: &fields.email,
            full_name: &fields.full_name,
            role,
            password_hash: &hash,
            must_change_password: true,
        },
    )
    .await;
    let account = match created {
        Ok(account) => account,
        Err(CreateError::Taken) => {
            let mut errors = FieldErrors::default();
            errors.add(
                "email",
                "Det finnes allerede en konto med denne e-postadressen. Bruk en annen.",
            );
            return again(page, form, errors);
        }
        Err(CreateError::Database(e)) => return Err(e.into()),
    };
    let event = Event::on_account(AuditKind::AccountCreated, &user, ip, account.id);
    event.detail(role.code()).record(&mut *tx).await?;
    tx.commit().await?;

    let response = render_with_status(
        StatusCode::CREATED,
        &TemporaryPasswordPage {
            page,
            account,
            temporary_password,
            created: true,
        },
    )?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    page: Page,
    view: AccountView,
    is_self: bool,
    roles: Vec<Choice>,
    error: Option<String>,
    sessions: usize,
}

async fn load(state: &AppState, user: &CurrentUser, id: uuid::Uuid) -> Result<Account, AppError> {
    accounts::account_in_centre(&state.db, user.centre_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn user_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    account: Account,
    error: Option<&str>,
) -> Result<UserPage, AppError> {
    Ok(UserPage {
        page,
        is_self: account.id == user.id,
        roles: Choice::of(Role::ALL, &[account.role.code().to_owned()]),
        sessions: session::signed_in_sessions(&state.db, account.id)
            .await?
            .len(),
        view: AccountView { account },
        error: error.map(str::to_owned),
    })
}

/// The account page again, with `error` in its alert.
async fn refused(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    account: Account,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let template = user_page(state, page, user, account, error).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &template)
}

pub async fn view_user_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let account = load(&state, &user, id).await?;
    render(&user_page(&state, page, &user, account, None).await?)
}

/// Another account of the administrator's centre (404 for any other
/// centre's), or the account page refusing to act on one's own.
async fn other_account(
    state: &AppState,
    page: &Page,
    user: &CurrentUser,
    id: uuid::Uuid,
) -> Result<Result<Account, Response>, AppError> {
    let account = load(state, user, id).await?;
    if account.id == user.id {
        let refusal = refused(state, page.clone(), user, account, Some(NOT_YOURSELF)).await?;
        return Ok(Err(refusal));
    }
    Ok(Ok(account))
}

const NOT_YOURSELF: &str = "Du kan ikke endre rollen din, deaktivere deg selv, gi deg selv et \
                            midlertidig passord eller nullstille din egen totrinnsinnlogging. Be en \
                            annen administrator om å gjøre det, så senteret aldri står uten \
                            administrator. Eget passord bytter du under «Bytt passord», og egne \
                            økter avslutter du under «Mine økter».";

/// The role form as posted.
pub struct RoleForm {
    role: String,
}

impl RoleForm {
    pub fn read(f: &FormFields) -> Self {
        RoleForm {
            role: f.get("role").to_owned(),
        }
    }

    pub fn parse(&self) -> Result<Role, FieldErrors> {
        Role::parse(&self.role).ok_or_else(|| {
            let mut errors = FieldErrors::default();
            errors.add("role", "Velg en av rollene.");
            errors
        })
    }
}

pub async fn view_user_role_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let account = match other_account(&state, &page, &user, id).await? {
        Ok(account) => account,
        Err(refusal) => return Ok(refusal),
    };
    let role = match RoleForm::read(&posted).parse() {
        Ok(role) => role,
        // The page has one alert, no field errors: the message goes there.
        Err(errors) => return refused(&state, page, &user, account, errors.get("role")).await,
    };
    if role == account.role {
        // Nothing changes, so nothing is recorded.
        return Ok(Redirect::to(&format!("/admin/users/{}", account.id)).into_response());
    }
    let mut tx = state.db.begin().await?;
    // Not while a list is being checked against the roles on it.
    restriction::lock_lists(&mut tx, user.centre_id).await?;
    accounts::set_role(&mut *tx, account.id, role).await?;
    if role != Role::Staff && !account.has_second_factor {
        // Signed in with a password alone, which the new role does not allow:
        // signed out, to set up the second factor at the next login.
        session::end_all_for_account(&mut *tx, account.id, None).await?;
    }
    let detail = format!("{} → {}", account.role.code(), role.code());
    let event = Event::on_account(AuditKind::RoleChanged, &user, ip, account.id);
    event.detail(&detail).record(&mut *tx).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/users/{}?melding=rolle-endret", account.id)).into_response())
}

pub async fn view_user_deactivate_post(
    state: State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ip: ClientIp,
    id: RecordId,
) -> Result<Response, AppError> {
    set_active(state, page, user, ip, id, false).await
}

pub async fn view_user_reactivate_post(
    state: State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ip: ClientIp,
    id: RecordId,
) -> Result<Response, AppError> {
    set_active(state, page, user, ip, id, true).await
}

async fn set_active(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    active: bool,
) -> Result<Response, AppError> {
    let account = match other_account(&state, &page, &user, id).await? {
        Ok(account) => account,
        Err(refusal) => return Ok(refusal),
    };
    let notice = if active { "aktivert" } else { "deaktivert" };
    if account.active == active {
        // Already so: nothing changes, nothing is recorded.
        return Ok(
            Redirect::to(&format!("/admin/users/{}?melding={notice}", account.id)).into_response(),
        );
    }
    let mut tx = state.db.begin().await?;
    // First, as every change to lists or to the accounts on them: in one
    // order, so two never wait on each other.
    restriction::lock_lists(&mut tx, user.centre_id).await?;
    accounts::set_active(&mut *tx, account.id, active).await?;
    let kind = if active {
        AuditKind::AccountReactivated
    } else {
        // A deactivated account is signed out at once, everywhere, and
        // taken off the lists of restricted cases.
        session::end_all_for_account(&mut *tx, account.id, None).await?;
        accounts::forget_devices(&mut *tx, account.id).await?;
        restriction::remove_from_lists(&mut tx, &user, ip, account.id).await?;
        AuditKind::AccountDeactivated
    };
    Event::on_account(kind, &user, ip, account.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/users/{}?melding={notice}", account.id)).into_response())
}

pub async fn view_user_password_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let account = match other_account(&state, &page, &user, id).await? {
        Ok(account) => account,
        Err(refusal) => return Ok(refusal),
    };
    let temporary_password = token::temporary_password();
    let hash = password::hash(temporary_password.clone()).await?;
    let mut tx = state.db.begin().await?;
    accounts::set_password(&mut *tx, account.id, &hash, true).await?;
    session::end_all_for_account(&mut *tx, account.id, None).await?;
    Event::on_account(AuditKind::PasswordReset, &user, ip, account.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    render(&TemporaryPasswordPage {
        page,
        account,
        temporary_password,
        created: false,
    })
}

/// The account enrols its authenticator app again at its next login (a
/// lost phone): the old secret and recovery codes stop working, and its
/// sessions end.
pub async fn view_user_second_factor_reset_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let account = match other_account(&state, &page, &user, id).await? {
        Ok(account) => account,
        Err(refusal) => return Ok(refusal),
    };
    let mut tx = state.db.begin().await?;
    second_factor::reset(&mut tx, account.id).await?;
    session::end_all_for_account(&mut *tx, account.id, None).await?;
    Event::on_account(AuditKind::SecondFactorReset, &user, ip, account.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/admin/users/{}?melding=totrinn-nullstilt",
        account.id
    ))
    .into_response())
}

/// Signs the account out everywhere (a computer left signed in, a stolen phone).
pub async fn view_user_sessions_end_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<ManageAccounts>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let account = match other_account(&state, &page, &user, id).await? {
        Ok(account) => account,
        Err(refusal) => return Ok(refusal),
    };
    let mut tx = state.db.begin().await?;
    session::end_all_for_account(&mut *tx, account.id, None).await?;
    accounts::forget_devices(&mut *tx, account.id).await?;
    Event::on_account(AuditKind::SessionsEndedByAdmin, &user, ip, account.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/admin/users/{}?melding=okter-avsluttet",
        account.id
    ))
    .into_response())
}
