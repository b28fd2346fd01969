//! Random tokens for cookies, CSRF and the setup link; only their hashes are stored.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// 256 random bits, hex-encoded.
pub fn random_token() -> String {
    super::keys::hex(&random_bytes::<32>())
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn tokens_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether `value` looks like one of our tokens (64 hex digits): anything
/// else in a cookie is ignored before it reaches a query.
pub fn is_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What people type from paper: `groups` groups of four characters from an
/// alphabet without look-alikes (31 letters and digits, about 5 bits each).
pub fn readable_code(groups: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    // Rejection sampling: every character equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut chars = Vec::with_capacity(groups * 4);
    while chars.len() < groups * 4 {
        for b in random_bytes::<32>() {
            if (b as usize) < limit && chars.len() < groups * 4 {
                chars.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A temporary password an administrator hands over: 16 characters, about 80 bits.
pub fn temporary_password() -> String {
    readable_code(4)
}
