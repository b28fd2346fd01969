//! The keys Trygg signs and hashes with, derived from one random key kept in
//! the database (`server_keys`), so every process on it agrees and nothing
//! has to be configured. A copy of the database holds the key: it protects
//! against outsiders guessing, not against whoever has the database.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

use super::token::random_bytes;

/// One purpose each, so a value made for one can never pass for another.
#[derive(Clone)]
pub struct Keys {
    master: [u8; 32],
}

#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    /// The login form's CSRF token, before there is a session.
    FormToken,
    /// A trusted device's cookie.
    Device,
    /// Throttle keys: an e-mail, an address or a device, hashed.
    Throttle,
    /// The audit row of a login tried with an unknown e-mail.
    AuditLogin,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::FormToken => b"trygg form token",
            Purpose::Device => b"trygg device cookie",
            Purpose::Throttle => b"trygg login throttle",
            Purpose::AuditLogin => b"trygg audit login",
        }
    }
}

impl Keys {
    /// The database's key, made by whichever process asks first.
    pub async fn load(db: &PgPool) -> sqlx::Result<Keys> {
        sqlx::query(
            "INSERT INTO server_keys (name, key) VALUES ('master', $1) ON CONFLICT DO NOTHING",
        )
        .bind(random_bytes::<32>().to_vec())
        .execute(db)
        .await?;
        let key: Vec<u8> = sqlx::query_scalar("SELECT key FROM server_keys WHERE name = 'master'")
            .fetch_one(db)
            .await?;
        let mut master = [0u8; 32];
        master.copy_from_slice(&key);
        Ok(Keys { master })
    }

    /// HMAC-SHA-256 of `message` under the key for `purpose`.
    pub fn mac(&self, purpose: Purpose, message: &[u8]) -> [u8; 32] {
        let subkey = hmac(&self.master, purpose.label());
        hmac(&subkey, message)
    }

    /// `mac` in lower-case hex.
    pub fn mac_hex(&self, purpose: Purpose, message: &[u8]) -> String {
        hex(&self.mac(purpose, message))
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_give_different_macs() {
        let keys = Keys { master: [7; 32] };
        let a = keys.mac(Purpose::Device, b"x");
        assert_ne!(a, keys.mac(Purpose::FormToken, b"x"));
        assert_eq!(a, keys.mac(Purpose::Device, b"x"));
        assert_eq!(keys.mac_hex(Purpose::Device, b"x").len(), 64);
    }
}
