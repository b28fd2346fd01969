//! Centres and the staff accounts that belong to them.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::forms::FieldErrors;

crate::code_enum! {
    /// What an account may do is `Role::permissions` (auth::permission).
    pub enum Role {
        Staff = "staff" "Ansatt",
        Coordinator = "coordinator" "Koordinator",
        Admin = "admin" "Administrator",
    }
}

/// An e-mail address, trimmed and in lower case; only `parse` makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Skriv inn e-postadressen.");
        }
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(EmailAddress(email))
        } else {
            Err("Skriv inn en gyldig e-postadresse, for eksempel navn@krisesenter.no.")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct Centre {
    pub id: Uuid,
    pub name: String,
    pub has_shielded_address: bool,
}

#[derive(Clone, Debug, FromRow)]
pub struct Account {
    pub id: Uuid,
    pub centre_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub must_change_password: bool,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub last_login_at: Option<OffsetDateTime>,
    pub last_login_ip: Option<String>,
    pub password_set_at: OffsetDateTime,
    /// Whether a TOTP app is enrolled.
    pub has_second_factor: bool,
    /// Wrong codes in a row (see `second_factor::MAX_FAILURES`).
    pub second_factor_failures: i32,
    /// Part of the MAC of this account's device cookies.
    pub device_epoch: i32,
}

/// A temporary password works for this long (ASVS 2.3.1).
pub const TEMPORARY_PASSWORD_HOURS: i64 = 72;

impl Account {
    pub fn temporary_password_expired(&self) -> bool {
        self.must_change_password
            && self.password_set_at
                < OffsetDateTime::now_utc() - time::Duration::hours(TEMPORARY_PASSWORD_HOURS)
    }

    /// The sign-in before this one, for «what happened while you were away».
    pub fn previous_login(&self) -> Option<(OffsetDateTime, Option<std::net::IpAddr>)> {
        let ip = self.last_login_ip.as_deref().and_then(|ip| ip.parse().ok());
        self.last_login_at.map(|at| (at, ip))
    }
}

const ACCOUNT_COLUMNS: &str = "id, centre_id, email, full_name, role, must_change_password, \
                               active, created_at, last_login_at, \
                               host(last_login_ip) AS last_login_ip, password_set_at, \
                               totp_secret IS NOT NULL AS has_second_factor, \
                               second_factor_failures, device_epoch";

/// What a new account needs; `password_hash` comes from `auth::password::hash`.
pub struct NewAccount<'a> {
    pub centre_id: Uuid,
    pub email: &'a EmailAddress,
    pub full_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// The account fields an administrator or the setup page fills in.
pub struct AccountFields {
    pub full_name: String,
    pub email: EmailAddress,
}

impl AccountFields {
    pub fn parse(full_name: &str, email: &str, errors: &mut FieldErrors) -> Option<Self> {
        let full_name =
            crate::forms::required_text(errors, "full_name", full_name, "fullt navn", 200);
        let email = EmailAddress::parse(email)
            .map_err(|message| errors.add("email", message))
            .ok();
        let email = email?;
        errors
            .is_empty()
            .then_some(AccountFields { full_name, email })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("the name or e-mail is taken")]
    Taken,
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for CreateError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => CreateError::Taken,
            _ => CreateError::Database(e),
        }
    }
}

pub async fn create_centre(
    db: impl PgExecutor<'_>,
    name: &str,
    has_shielded_address: bool,
) -> Result<Centre, CreateError> {
    Ok(sqlx::query_as(
        "INSERT INTO centres (id, name, has_shielded_address) VALUES ($1, $2, $3)
         RETURNING id, name, has_shielded_address",
    )
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(has_shielded_address)
    .fetch_one(db)
    .await?)
}

pub async fn centre_by_name(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<Option<Centre>> {
    sqlx::query_as(
        "SELECT id, name, has_shielded_address FROM centres WHERE lower(name) = lower($1)",
    )
    .bind(name.trim())
    .fetch_optional(db)
    .await
}

/// The user's own centre (whether it has a shielded address, say).
pub async fn centre(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Centre> {
    sqlx::query_as("SELECT id, name, has_shielded_address FROM centres WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

/// Where a centre lies: (municipality, region).
pub async fn centre_location(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<(String, String)> {
    sqlx::query_as("SELECT municipality, region FROM centres WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

/// The number the school's extract gives: the centre's own, unnamed.
pub async fn school_phone(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT school_phone FROM centres WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

pub async fn set_school_phone(db: impl PgExecutor<'_>, id: Uuid, phone: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE centres SET school_phone = $2 WHERE id = $1")
        .bind(id)
        .bind(phone)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_centre_location(
    db: impl PgExecutor<'_>,
    id: Uuid,
    municipality: &str,
    region: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE centres SET municipality = $2, region = $3 WHERE id = $1")
        .bind(id)
        .bind(municipality)
        .bind(region)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_shielded_address(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    shielded: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE centres SET has_shielded_address = $2 WHERE id = $1")
        .bind(centre_id)
        .bind(shielded)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn list_centres(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Centre>> {
    sqlx::query_as("SELECT id, name, has_shielded_address FROM centres ORDER BY name")
        .fetch_all(db)
        .await
}

pub async fn create_account(
    db: impl PgExecutor<'_>,
    new: NewAccount<'_>,
) -> Result<Account, CreateError> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO accounts (id, centre_id, email, full_name, role, password_hash, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ACCOUNT_COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(new.centre_id)
    .bind(new.email.as_str())
    .bind(new.full_name)
    .bind(new.role)
    .bind(new.password_hash)
    .bind(new.must_change_password)
    .fetch_one(db)
    .await?)
}

pub async fn count_accounts(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(db)
        .await
}

/// An account by id, for the steps of signing in after the password.
pub async fn account_by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Whether the centre requires a second factor of its staff too.
pub async fn staff_second_factor(db: impl PgExecutor<'_>, centre_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT staff_second_factor FROM centres WHERE id = $1")
        .bind(centre_id)
        .fetch_one(db)
        .await
}

pub async fn set_staff_second_factor(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    required: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE centres SET staff_second_factor = $2 WHERE id = $1")
        .bind(centre_id)
        .bind(required)
        .execute(db)
        .await?;
    Ok(())
}

/// The one way to load an account for an administrator: only within their centre.
pub async fn account_in_centre(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 AND centre_id = $2"
    ))
    .bind(id)
    .bind(centre_id)
    .fetch_optional(db)
    .await
}

pub async fn accounts_of_centre(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
) -> sqlx::Result<Vec<Account>> {
    sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE centre_id = $1 ORDER BY active DESC, full_name"
    ))
    .bind(centre_id)
    .fetch_all(db)
    .await
}

/// The account and its password hash, for login.
pub async fn account_for_login(
    db: impl PgExecutor<'_>,
    email: &str,
) -> sqlx::Result<Option<(Account, String)>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        account: Account,
        password_hash: String,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS}, password_hash FROM accounts WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.account, r.password_hash)))
}

pub async fn password_hash_of(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

pub async fn set_password(
    db: impl PgExecutor<'_>,
    id: Uuid,
    password_hash: &str,
    must_change_password: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET password_hash = $2, must_change_password = $3, password_set_at = now(),
                             device_epoch = device_epoch + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .bind(must_change_password)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends the sessions of the centre's staff who have no second factor (the
/// centre now requires one).
pub async fn end_sessions_without_second_factor(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM sessions WHERE account_id IN (
             SELECT id FROM accounts
             WHERE centre_id = $1 AND role = 'staff' AND totp_secret IS NULL)",
    )
    .bind(centre_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Every browser trusted for the account before is trusted no more (see
/// `auth::device`).
pub async fn forget_devices(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET device_epoch = device_epoch + 1 WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_role(db: impl PgExecutor<'_>, id: Uuid, role: Role) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET role = $2 WHERE id = $1")
        .bind(id)
        .bind(role)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_active(db: impl PgExecutor<'_>, id: Uuid, active: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn record_login(
    db: impl PgExecutor<'_>,
    id: Uuid,
    ip: Option<std::net::IpAddr>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET last_login_at = now(), last_login_ip = $2::inet,
                             second_factor_failures = 0
         WHERE id = $1",
    )
    .bind(id)
    .bind(ip.map(|ip| ip.to_string()))
    .execute(db)
    .await?;
    Ok(())
}
