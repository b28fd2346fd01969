//! Password hashing (Argon2id at OWASP's parameters) and the rules for new passwords.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::{SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::error::AppError;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

/// OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the e-mail is unknown, so that an unknown e-mail
/// takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking(&super::token::random_token()).unwrap_or_default());

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
        .map_err(|e| AppError::Internal(format!("hashing: {e}")))
}

/// Checks `password` against `stored`, or against a dummy hash when there is
/// no account, so both take the same time.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .unwrap_or(false)
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
    fn rejects_short_common_padded_and_personal_passwords() {
        assert!(check_new("kort", "a@b.no").is_err());
        assert!(check_new("qwerty123456", "a@b.no").is_err());
        assert!(check_new("password123456!", "a@b.no").is_err());
        assert!(check_new("aaaaaaaaaaaaaa", "a@b.no").is_err());
        assert!(check_new("kari.nordmann-1234", "kari.nordmann@b.no").is_err());
        assert!(check_new("lilla hest spiser grøt", "kari@b.no").is_ok());
    }
}
