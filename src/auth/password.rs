//! Password hashing (Argon2id at OWASP's parameters) and the rules for new passwords.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordVerifier, Version};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

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
        Params::new(19 * 1024, 2, 1, Some(32)).map_err(|e| format!("Argon2 parameters: {e}"))?;
    let mut memory = vec![Block::default(); params.block_count()];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let dummy_hash = hash_with(&argon2, &super::token::random_token(), &mut memory)
        .map_err(|e| format!("the dummy password hash: {e}"))?;
    Ok(Hasher { argon2, dummy_hash })
});

/// Whether passwords can be hashed as configured; called at start-up, so a
/// broken invariant stops Trygg instead of weakening every login.
pub fn ready() -> Result<(), String> {
    HASHER.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// At most this many hashes at once: a login storm waits here instead of
/// taking the server's memory and every core. One core is left for pages.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hashing_turns()));
/// How long an attempt waits for a turn before it is told to try again.
const HASHING_WAIT: Duration = Duration::from_secs(3);

fn hashing_turns() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_sub(1).max(1)
}

/// Argon2's 19 MiB of working memory, one per turn, made once and used
/// again: allocating it anew for every hash leaves the allocator holding
/// hundreds of MiB after a storm.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `work` with a hashing turn and its memory on a blocking thread, when
/// a turn is free within `HASHING_WAIT`; otherwise `AppError::Busy`.
async fn with_turn<T: Send + 'static>(
    work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
) -> Result<T, AppError> {
    let _turn = tokio::time::timeout(HASHING_WAIT, HASHING.acquire())
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let taken = MEMORY.lock().ok().and_then(|mut pool| pool.pop());
        let blocks = HASHER
            .as_ref()
            .map_or(0, |h| h.argon2.params().block_count());
        let mut memory = taken.unwrap_or_else(|| vec![Block::default(); blocks]);
        let result = work(&mut memory);
        if let Ok(mut pool) = MEMORY.lock() {
            if pool.len() < hashing_turns() {
                pool.push(memory);
            }
        }
        result
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

fn hash_with(
    argon2: &Argon2<'_>,
    password: &str,
    memory: &mut [Block],
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let output = Output::init_with(32, |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Password)
    })?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Checks `password` against the PHC string `stored`. Hashes made with
/// Trygg's parameters use the turn's memory; any other is checked the
/// usual way.
fn verify_with(password: &str, stored: &str, memory: &mut [Block]) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let (Ok(algorithm), Some(Ok(version))) = (
        Algorithm::try_from(parsed.algorithm),
        parsed.version.map(Version::try_from),
    ) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    if params.block_count() != memory.len() {
        return argon2.verify_password(password.as_bytes(), &parsed).is_ok();
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, memory)
        .is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

pub async fn hash(password: String) -> Result<String, AppError> {
    with_turn(move |memory| {
        let hasher = HASHER.as_ref().map_err(AppError::internal)?;
        hash_with(&hasher.argon2, &password, memory)
            .map_err(|e| AppError::Internal(format!("hashing: {e}")))
    })
    .await?
}

/// Checks `password` against `stored`, or against a dummy hash when there is
/// no account, so both take the same time. `AppError::Busy` when no
/// hashing turn came free in time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    with_turn(move |memory| {
        let Ok(hasher) = HASHER.as_ref() else {
            return false;
        };
        let known = stored.is_some();
        let stored = stored.as_deref().unwrap_or(&hasher.dummy_hash);
        verify_with(&password, stored, memory) && known
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

        // When every turn stays taken, an attempt waits HASHING_WAIT and is
        // told to try again (503), without hashing.
        runtime.block_on(async {
            let turns = u32::try_from(hashing_turns()).unwrap();
            let held = HASHING.acquire_many(turns).await.unwrap();
            let started = std::time::Instant::now();
            let answer = verify("x".into(), None).await;
            assert!(matches!(answer, Err(AppError::Busy)), "{answer:?}");
            assert!(started.elapsed() >= HASHING_WAIT);
            drop(held);
            assert!(matches!(verify("x".into(), None).await, Ok(false)));
        });
        let busy = axum::response::IntoResponse::into_response(AppError::Busy);
        assert_eq!(busy.status(), 503);
        assert_eq!(busy.headers()["retry-after"], "5");
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
