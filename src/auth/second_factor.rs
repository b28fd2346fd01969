//! The second factor (ASVS 2.8, 2.6): a TOTP authenticator app (RFC 6238,
//! by the `totp-rs` crate) and ten one-time recovery codes. A code is
//! accepted once: the account remembers the last time step it accepted, and
//! an atomic update refuses that step or an earlier one again.

use qrcode::QrCode;
use qrcode::render::svg;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use super::token::{random_bytes, readable_code};
use crate::accounts::Role;

pub const RECOVERY_CODES: usize = 10;
/// Wrong codes in a row before the code step stays shut until an
/// administrator resets the second factor: whoever types them has the
/// password, so no number of lock windows may add up to a guess.
pub const MAX_FAILURES: i32 = 10;
const STEP_SECS: u64 = 30;
const ISSUER: &str = "Trygg";

/// Whether an account with `role` must sign in with a second factor: always
/// for administrators and coordinators, for staff as their centre decides.
pub fn required(role: Role, centre_requires_for_staff: bool) -> bool {
    role != Role::Staff || centre_requires_for_staff
}

/// A new secret: 160 bits, as RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    random_bytes::<20>().to_vec()
}

fn totp(secret: &[u8], email: &str) -> Option<TOTP> {
    // The app names the entry «Trygg: kari.nordmann»: the e-mail's domain
    // would tell whoever sees the phone where its owner works, and a ':'
    // is not allowed in the name.
    let name: String = email
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| *c != ':' && !c.is_control())
        .collect();
    // One code a step, a step either side for clocks that drift.
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        name,
    )
    .ok()
}

/// What the enrolment page shows: the QR code and the secret as text.
pub struct Enrolment {
    /// An inline SVG drawn here: no outside service sees the secret.
    pub qr_svg: String,
    /// The secret in base32, in groups of four, for typing into an app.
    pub secret_text: String,
}

impl Enrolment {
    pub fn new(secret: &[u8], email: &str) -> Option<Enrolment> {
        let totp = totp(secret, email)?;
        let code = QrCode::new(totp.get_url().as_bytes()).ok()?;
        let image = code
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build();
        // Inline in the page: no XML declaration, and a name for screen readers.
        let qr_svg = image
            .trim_start_matches(r#"<?xml version="1.0" standalone="yes"?>"#)
            .replacen(
                "<svg ",
                r#"<svg role="img" aria-label="QR-kode for autentiseringsappen" class="qr" "#,
                1,
            );
        let secret_text = base32(secret)
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Some(Enrolment {
            qr_svg,
            secret_text,
        })
    }
}

/// The secret in base32, as authenticator apps take it typed.
pub fn base32(secret: &[u8]) -> String {
    totp(secret, "").map_or_else(String::new, |t| t.get_secret_base32())
}

/// The time step of now.
pub fn current_step() -> i64 {
    let secs = time::OffsetDateTime::now_utc().unix_timestamp();
    secs / STEP_SECS as i64
}

/// The step (now, or one either side) whose code `code` is.
pub fn matching_step(secret: &[u8], code: &str, now_step: i64) -> Option<i64> {
    let totp = totp(secret, "")?;
    (now_step - 1..=now_step + 1).find(|step| {
        let expected = totp.generate((*step as u64) * STEP_SECS);
        bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
    })
}

/// The code of `step`, for tests and the seed's demo.
pub fn code_at(secret: &[u8], step: i64) -> String {
    totp(secret, "").map_or_else(String::new, |t| t.generate((step as u64) * STEP_SECS))
}

/// What was typed in the code field.
#[derive(Debug, PartialEq, Eq)]
pub enum Typed {
    Empty,
    /// Six digits: a code from the app.
    AppCode(String),
    /// Anything else: tried as a recovery code.
    RecoveryCode(String),
}

impl Typed {
    pub fn read(raw: &str) -> Typed {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .take(64)
            .collect::<String>()
            .to_lowercase();
        if compact.is_empty() {
            Typed::Empty
        } else if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            Typed::AppCode(compact)
        } else {
            Typed::RecoveryCode(compact)
        }
    }
}

/// The account's secret, when it has enrolled.
pub async fn secret_of(db: impl PgExecutor<'_>, account_id: Uuid) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT totp_secret FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(db)
        .await
}

/// What became of a code from the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppCode {
    Accepted,
    Wrong,
    /// Right, but accepted before: seen or phished (ASVS 2.8.5).
    Replayed,
}

/// Accepts an app code for the account once: when it matches and its step
/// is later than any accepted before (atomic, so parallel replays of one
/// code are accepted at most once).
pub async fn accept_app_code(
    db: impl PgExecutor<'_>,
    account_id: Uuid,
    secret: &[u8],
    code: &str,
) -> sqlx::Result<AppCode> {
    let Some(step) = matching_step(secret, code, current_step()) else {
        return Ok(AppCode::Wrong);
    };
    let accepted = sqlx::query(
        "UPDATE accounts SET totp_last_step = $2
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(account_id)
    .bind(step)
    .execute(db)
    .await?
    .rows_affected();
    Ok(if accepted == 1 {
        AppCode::Accepted
    } else {
        AppCode::Replayed
    })
}

/// Counts a wrong code; returns the wrong codes in a row.
pub async fn count_failure(db: impl PgExecutor<'_>, account_id: Uuid) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "UPDATE accounts SET second_factor_failures = second_factor_failures + 1
         WHERE id = $1 RETURNING second_factor_failures",
    )
    .bind(account_id)
    .fetch_one(db)
    .await
}

fn recovery_hash(salt: &[u8], code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(code.as_bytes());
    hasher.finalize().to_vec()
}

/// Uses up one of the account's recovery codes: true when `code` (compact,
/// lower case) was one not used before.
pub async fn use_recovery_code(
    db: &mut PgConnection,
    account_id: Uuid,
    code: &str,
) -> sqlx::Result<bool> {
    let unused: Vec<(i64, Vec<u8>, Vec<u8>)> = sqlx::query_as(
        "SELECT id, salt, code_hash FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_all(&mut *db)
    .await?;
    let found = unused
        .iter()
        .find(|(_, salt, hash)| bool::from(recovery_hash(salt, code).ct_eq(hash)));
    let Some((id, _, _)) = found else {
        return Ok(false);
    };
    let used =
        sqlx::query("UPDATE recovery_codes SET used_at = now() WHERE id = $1 AND used_at IS NULL")
            .bind(id)
            .execute(&mut *db)
            .await?
            .rows_affected();
    Ok(used == 1)
}

pub async fn unused_recovery_codes(db: impl PgExecutor<'_>, account_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(db)
    .await
}

/// Enrols the account with `secret`, confirmed at `step`, and replaces its
/// recovery codes; returns the new codes, to be shown once. `None` when the
/// account has a second factor already: a password alone never replaces one.
pub async fn enrol(
    db: &mut PgConnection,
    account_id: Uuid,
    secret: &[u8],
    step: i64,
) -> sqlx::Result<Option<Vec<String>>> {
    let enrolled = sqlx::query(
        "UPDATE accounts SET totp_secret = $2, totp_last_step = $3
         WHERE id = $1 AND totp_secret IS NULL",
    )
    .bind(account_id)
    .bind(secret)
    .bind(step)
    .execute(&mut *db)
    .await?
    .rows_affected();
    if enrolled == 0 {
        return Ok(None);
    }
    new_recovery_codes(db, account_id).await.map(Some)
}

/// Ten new recovery codes in place of the old ones; shown once, stored hashed.
pub async fn new_recovery_codes(
    db: &mut PgConnection,
    account_id: Uuid,
) -> sqlx::Result<Vec<String>> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *db)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| readable_code(4)).collect();
    for code in &codes {
        let salt = random_bytes::<16>().to_vec();
        let compact = code.replace('-', "");
        sqlx::query("INSERT INTO recovery_codes (account_id, salt, code_hash) VALUES ($1, $2, $3)")
            .bind(account_id)
            .bind(&salt)
            .bind(recovery_hash(&salt, &compact))
            .execute(&mut *db)
            .await?;
    }
    Ok(codes)
}

/// Forgets the account's second factor: it enrols again at its next login.
pub async fn reset(db: &mut PgConnection, account_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL,
                             second_factor_failures = 0, device_epoch = device_epoch + 1
         WHERE id = $1",
    )
    .bind(account_id)
    .execute(&mut *db)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_steps_either_side_only() {
        let secret = new_secret();
        let now = current_step();
        let code = code_at(&secret, now);
        assert_eq!(code.len(), 6);
        assert_eq!(matching_step(&secret, &code, now), Some(now));
        assert_eq!(matching_step(&secret, &code, now + 1), Some(now));
        assert_eq!(matching_step(&secret, &code, now + 2), None);
        assert_eq!(matching_step(&new_secret(), &code, now), None);
    }

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238, appendix B: SHA-1, T = 59 s, eight digits 94287082.
        let secret = b"12345678901234567890".to_vec();
        assert_eq!(code_at(&secret, 59 / 30), "287082");
    }

    #[test]
    fn typed_codes_are_read_leniently() {
        assert_eq!(Typed::read("  "), Typed::Empty);
        assert_eq!(Typed::read("123 456"), Typed::AppCode("123456".into()));
        assert_eq!(
            Typed::read("ABCD-efgh-2345-6789"),
            Typed::RecoveryCode("abcdefgh23456789".into())
        );
    }

    #[test]
    fn the_enrolment_shows_an_svg_and_the_secret_in_groups() {
        let enrolment = Enrolment::new(&new_secret(), "kari@krisesenter.no").unwrap();
        assert!(enrolment.qr_svg.starts_with("<svg role=\"img\""));
        // An address with a ':' (valid) still enrols.
        assert!(Enrolment::new(&new_secret(), "a:b@krisesenter.no").is_some());
        assert!(!enrolment.qr_svg.contains("<?xml"));
        assert_eq!(enrolment.secret_text.split(' ').count(), 8);
    }
}
