//! Trusted devices (OWASP's device-cookie scheme): after a completed
//! sign-in the browser gets a signed cookie naming the account it signed in
//! to. Attempts from it count on the device alone (see `throttle`), so
//! failures from elsewhere cannot lock its user out. A shared computer keeps
//! the last few accounts signed in on it.

use axum::http::{HeaderMap, HeaderValue, header};

use super::keys::{Keys, Purpose, hex};
use super::token::random_bytes;

pub const COOKIE_NAME: &str = "__Host-trygg_device";
/// Accounts remembered per browser.
const MAX_ENTRIES: usize = 5;
const MAX_AGE_DAYS: u32 = 90;

/// One entry: a random nonce and a MAC binding it to an e-mail and the
/// account's device epoch (raised to forget every trusted browser), hex.
fn entry_mac(keys: &Keys, email: &str, epoch: i32, nonce: &str) -> String {
    let mac = keys.mac(
        Purpose::Device,
        format!("{email}\n{epoch}\n{nonce}").as_bytes(),
    );
    hex(&mac[..16])
}

fn entries(headers: &HeaderMap) -> Vec<(String, String)> {
    super::session::cookie(headers, COOKIE_NAME)
        .unwrap_or_default()
        .split('.')
        .filter(|e| e.len() == 64 && e.bytes().all(|b| b.is_ascii_hexdigit()))
        .take(MAX_ENTRIES)
        .map(|e| (e[..32].to_owned(), e[32..].to_owned()))
        .collect()
}

/// The nonce of the browser's device cookie for `email` at `epoch`, when it
/// has a valid one.
pub fn trusted_for(keys: &Keys, headers: &HeaderMap, email: &str, epoch: i32) -> Option<String> {
    entries(headers)
        .into_iter()
        .find(|(nonce, mac)| super::token::tokens_equal(mac, &entry_mac(keys, email, epoch, nonce)))
        .map(|(nonce, _)| nonce)
}

/// The cookie after a completed sign-in to `email`: a new entry for it
/// first, the other accounts' entries after.
pub fn cookie_after_sign_in(
    keys: &Keys,
    headers: &HeaderMap,
    email: &str,
    epoch: i32,
) -> HeaderValue {
    let nonce = hex(&random_bytes::<16>());
    let mut kept = vec![format!("{nonce}{}", entry_mac(keys, email, epoch, &nonce))];
    for (nonce, mac) in entries(headers) {
        let for_this_account =
            super::token::tokens_equal(&mac, &entry_mac(keys, email, epoch, &nonce));
        if !for_this_account && kept.len() < MAX_ENTRIES {
            kept.push(format!("{nonce}{mac}"));
        }
    }
    let value = format!(
        "{COOKIE_NAME}={}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        kept.join("."),
        MAX_AGE_DAYS * 24 * 60 * 60
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Adds the device cookie to a response's headers.
pub fn set(headers: &mut HeaderMap, value: HeaderValue) {
    headers.append(header::SET_COOKIE, value);
}
