//! Password hashing (Argon2id at OWASP's parameters) and the rules for new passwords.

use std::collections::HashSet;
use std::sync::LazyLock;
use std::time::Duration;

use tokio::sync::Semaphore;

use argon2::password_hash::{SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::error::AppError;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

/// The hasher and the dummy hash, made once. Trygg checks at start-up that
/// they could be made (`ready`), rather than hashing with other parameters.
struct Hasher {
    argon2: Argon2<'static>,
    /// Verified against when the e-mail is unknown, so that an unknown
    /// e-mail takes as long as a wrong password.
    dummy_hash: String,
}

static HASHER: LazyLock<Result<Hasher, String>> = LazyLock::new(|| {
    // OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 lane.
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| format!("Argon2 parameters: {e}"))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let dummy_hash = hash_with(&argon2, &super::token::random_token())
        .map_err(|e| format!("the dummy password hash: {e}"))?;
    Ok(Hasher { argon2, dummy_hash })
});

/// Whether passwords can be hashed as configured; called at start-up, so a
/// broken invariant stops Trygg instead of weakening every login.
pub fn ready() -> Result<(), String> {
    HASHER.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// At most this many hashes at once (19 MiB each): a login storm waits
/// here instead of taking the server's memory and every core.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Semaphore::new(cores)
});
/// How long an attempt waits for a turn before it is told to try again.
const HASHING_WAIT: Duration = Duration::from_secs(3);

/// Runs `work` on a blocking thread when a hashing turn is free within
/// `HASHING_WAIT`; otherwise `AppError::Busy`.
async fn with_turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _turn = tokio::time::timeout(HASHING_WAIT, HASHING.acquire())
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub async fn hash(password: String) -> Result<String, AppError> {
    with_turn(move || {
        let hasher = HASHER.as_ref().map_err(AppError::internal)?;
        hash_with(&hasher.argon2, &password)
            .map_err(|e| AppError::Internal(format!("hashing: {e}")))
    })
    .await?
}

/// Checks `password` against `stored`, or against a dummy hash when there is
/// no account, so both take the same time. `AppError::Busy` when no
/// hashing turn came free in time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    with_turn(move || {
        let Ok(hasher) = HASHER.as_ref() else {
            return false;
        };
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| hasher.dummy_hash.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        hasher
            .argon2
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
}

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().collect());

/// The rules for a new password; the message says what to do instead.
pub fn check_new(password: &str, email: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err("Passordet må ha minst 12 tegn. En setning på flere ord er lett å huske.");
    }
    if chars > MAX_CHARS {
        return Err("Passordet kan ha høyst 256 tegn.");
    }
    let lower = password.to_lowercase();
    // A common password padded with digits or signs is no better.
    let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let repeated = lower.chars().all(|c| lower.starts_with(c));
    if COMMON.contains(lower.as_str()) || COMMON.contains(stem) || repeated {
        return Err("Dette passordet er for vanlig og lett å gjette. Velg et annet.");
    }
    let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
    if lower == email.to_lowercase() || (local_part.len() >= 4 && lower.contains(&local_part)) {
        return Err("Passordet kan ikke inneholde e-postadressen din.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_at_owasp_strength_and_verifies() {
        assert_eq!(ready(), Ok(()));
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let hash = runtime
            .block_on(super::hash("en lang og god setning".into()))
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let check = |password: &str, stored: Option<String>| {
            runtime.block_on(verify(password.into(), stored)).unwrap()
        };
        assert!(check("en lang og god setning", Some(hash.clone())));
        assert!(!check("en lang og dårlig setning", Some(hash)));
        // An unknown account never verifies, whatever is typed.
        assert!(!check("en lang og god setning", None));
    }

    #[test]
    fn rejects_short_common_padded_and_personal_passwords() {
        assert!(check_new("kort", "a@b.no").is_err());
        assert!(check_new("qwerty123456", "a@b.no").is_err());
        assert!(check_new("password123456!", "a@b.no").is_err());
        assert!(check_new("aaaaaaaaaaaaaa", "a@b.no").is_err());
        assert!(check_new("kari.nordmann-1234", "kari.nordmann@b.no").is_err());
        assert!(check_new("lilla hest spiser grøt", "kari@b.no").is_ok());
    }
}
