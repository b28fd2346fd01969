//! Login throttling (ASVS 2.2.1). Every attempt — a password, a code from
//! the authenticator, a recovery code — first takes a slot for each of its
//! keys in one atomic statement, *before* anything is hashed; so of any
//! number of parallel guesses at most `ACCOUNT_LIMIT` are ever checked.
//!
//! The keys (OWASP's device-cookie scheme): an attempt from a trusted device
//! counts on that device alone, so failures from elsewhere never lock out a
//! browser the user has signed in from before. Any other attempt counts on
//! the e-mail typed (known account or not, so a lock reveals nothing) and on
//! the client's address, across all accounts.
//!
//! A window starts at a key's first attempt and lasts 15 minutes; a key that
//! has used its slots is refused until the window ends. A sign-in that
//! completes frees the account's and the device's slots, and gives back the
//! address's one.

use std::net::IpAddr;

use sqlx::{PgExecutor, PgPool};

use super::keys::{Keys, Purpose};

pub const ACCOUNT_LIMIT: i32 = 5;
/// Failures from one address across all accounts: a centre's staff often
/// share one address, so this is higher than an account's.
pub const ADDRESS_LIMIT: i32 = 30;
pub const DEVICE_LIMIT: i32 = 5;
pub const WINDOW_SECS: f64 = 15.0 * 60.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Account,
    Address,
    Device,
}

impl Kind {
    fn limit(self) -> i32 {
        match self {
            Kind::Account => ACCOUNT_LIMIT,
            Kind::Address => ADDRESS_LIMIT,
            Kind::Device => DEVICE_LIMIT,
        }
    }
}

/// The keys one attempt counts on, hashed with a server key: neither an
/// e-mail nor an address is stored as typed.
#[derive(Clone, Debug)]
pub struct Attempt {
    keys: Vec<(Vec<u8>, Kind)>,
}

/// Whether an attempt may be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check it. `last`: it is the account's (or device's) last slot, so a
    /// failure locks it.
    Allowed { last: bool },
    /// The account (or the trusted device) has used its slots.
    Locked,
    /// The client's address has.
    AddressLimited,
}

impl Attempt {
    /// An attempt for the account with `email` from a trusted device
    /// (`device`, its cookie's nonce), or from `ip`.
    pub fn new(keys: &Keys, email: &str, ip: Option<IpAddr>, device: Option<&str>) -> Attempt {
        let key =
            |kind, text: String| (keys.mac(Purpose::Throttle, text.as_bytes()).to_vec(), kind);
        let mut all = Vec::new();
        match device {
            Some(nonce) => all.push(key(Kind::Device, format!("device:{nonce}"))),
            None => {
                all.push(key(Kind::Account, format!("account:{email}")));
                if let Some(ip) = ip {
                    all.push(key(Kind::Address, format!("address:{}", address_block(ip))));
                }
            }
        }
        // Always in one order, so two attempts never wait on each other's rows.
        all.sort_by(|a, b| a.0.cmp(&b.0));
        Attempt { keys: all }
    }

    /// Takes one slot on every key, atomically, and says whether the
    /// attempt may be checked.
    pub async fn reserve(&self, db: &PgPool) -> sqlx::Result<Verdict> {
        let hashes: Vec<Vec<u8>> = self.keys.iter().map(|(k, _)| k.clone()).collect();
        let counts: Vec<(Vec<u8>, i32)> = sqlx::query_as(
            "INSERT INTO login_throttle AS t (key, attempts, window_start)
             SELECT k, 1, now() FROM unnest($1::bytea[]) AS k ORDER BY k
             ON CONFLICT (key) DO UPDATE SET
                 attempts = CASE WHEN t.window_start <= now() - make_interval(secs => $2)
                                 THEN 1 ELSE t.attempts + 1 END,
                 window_start = CASE WHEN t.window_start <= now() - make_interval(secs => $2)
                                     THEN now() ELSE t.window_start END
             RETURNING key, attempts",
        )
        .bind(&hashes)
        .bind(WINDOW_SECS)
        .fetch_all(db)
        .await?;
        let kind_of = |key: &[u8]| {
            self.keys
                .iter()
                .find(|(k, _)| k == key)
                .map_or(Kind::Account, |(_, kind)| *kind)
        };
        let mut last = false;
        let mut verdict = None;
        for (key, attempts) in &counts {
            let kind = kind_of(key);
            if *attempts > kind.limit() {
                verdict = Some(match kind {
                    Kind::Address => verdict.unwrap_or(Verdict::AddressLimited),
                    Kind::Account | Kind::Device => Verdict::Locked,
                });
            } else if *attempts == kind.limit() && kind != Kind::Address {
                last = true;
            }
        }
        Ok(verdict.unwrap_or(Verdict::Allowed { last }))
    }

    /// The sign-in completed: the account's and device's slots are free
    /// again, and the address gets its slot back.
    pub async fn succeeded(&self, db: impl PgExecutor<'_>) -> sqlx::Result<()> {
        let (address, others): (Vec<_>, Vec<_>) = self
            .keys
            .iter()
            .partition(|(_, kind)| *kind == Kind::Address);
        // Every row locked first, in key order, as `reserve` takes them.
        sqlx::query(
            "WITH locked AS (SELECT key FROM login_throttle
                             WHERE key = ANY($1::bytea[]) OR key = ANY($2::bytea[])
                             ORDER BY key FOR UPDATE),
                  freed AS (DELETE FROM login_throttle
                            WHERE key IN (SELECT key FROM locked) AND key = ANY($1::bytea[]))
             UPDATE login_throttle SET attempts = attempts - 1
             WHERE key IN (SELECT key FROM locked) AND key = ANY($2::bytea[]) AND attempts > 0",
        )
        .bind(others.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())
        .bind(address.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())
        .execute(db)
        .await?;
        Ok(())
    }

    /// The password was right and a second step follows: the address gets
    /// its slot back (that step takes its own); the account's stays taken.
    pub async fn password_confirmed(&self, db: impl PgExecutor<'_>) -> sqlx::Result<()> {
        let address: Vec<Vec<u8>> = self
            .keys
            .iter()
            .filter(|(_, kind)| *kind == Kind::Address)
            .map(|(k, _)| k.clone())
            .collect();
        give_back(db, &address).await
    }

    /// Gives the slot back without freeing anything: the attempt was never
    /// checked (the server was busy), or it only confirmed a password for a
    /// signed-in user.
    pub async fn give_back(&self, db: impl PgExecutor<'_>) -> sqlx::Result<()> {
        let all: Vec<Vec<u8>> = self.keys.iter().map(|(k, _)| k.clone()).collect();
        give_back(db, &all).await
    }
}

/// One slot back on each of `keys`, their rows locked in key order (as
/// `reserve` takes them), so two attempts never wait on each other.
async fn give_back(db: impl PgExecutor<'_>, keys: &[Vec<u8>]) -> sqlx::Result<()> {
    sqlx::query(
        "WITH locked AS (SELECT key FROM login_throttle WHERE key = ANY($1::bytea[])
                         ORDER BY key FOR UPDATE)
         UPDATE login_throttle SET attempts = attempts - 1
         WHERE key IN (SELECT key FROM locked) AND attempts > 0",
    )
    .bind(keys)
    .execute(db)
    .await?;
    Ok(())
}

/// An IPv6 client can use a whole /64: it counts as one address.
fn address_block(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Deletes windows that have ended.
pub async fn purge(db: impl PgExecutor<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM login_throttle WHERE window_start < now() - make_interval(secs => $1)",
    )
    .bind(WINDOW_SECS)
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_by_its_64_block() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_block(a), address_block(b));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(address_block(mapped), "10.0.0.1");
    }
}
