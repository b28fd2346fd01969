//! Every setting, read once from the environment. A bad value stops start-up
//! with a message that names the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Its `Debug` hides `DATABASE_URL` and `TRYGG_SMTP_URL`: they may hold passwords.
#[derive(Clone)]
pub struct Config {
    /// `TRYGG_ADDR`: where the web server listens.
    pub addr: SocketAddr,
    /// `DATABASE_URL`: an existing PostgreSQL, as the web server's role;
    /// `None` runs the embedded cluster.
    pub database_url: Option<String>,
    /// `DATABASE_OWNER_URL`: the same database as the schema's owner, who
    /// runs the migrations; unset, `DATABASE_URL`'s role does both.
    pub database_owner_url: Option<String>,
    /// `TRYGG_RUN_AS`: the system user the web server becomes when started
    /// as root.
    pub run_as: String,
    /// `TRYGG_DATA_DIR`: home of the embedded cluster.
    pub data_dir: PathBuf,
    /// Whether `TRYGG_DATA_DIR` was set, or is the default (see `db::embedded`).
    pub data_dir_is_default: bool,
    /// `TRYGG_DB_MAX_CONNECTIONS`: size of the connection pool.
    pub db_max_connections: u32,
    /// `TRYGG_LOG`: tracing filter, e.g. `info` or `trygg=debug`.
    pub log_filter: String,
    /// `TRYGG_REVIEW_SCAN_INTERVAL`, `TRYGG_DEPARTURE_REVIEW_DAYS`,
    /// `TRYGG_MAPPING_DUE_DAYS`: when the review scan flags what.
    pub rules: crate::flags::Rules,
    /// `TRYGG_SMTP_URL`: where the daily digest is sent from; none, no mail.
    pub smtp_url: Option<String>,
    /// `TRYGG_MAIL_FROM`: the digest's sender.
    pub mail_from: String,
    /// `TRYGG_PUBLIC_URL`: Trygg's address as users reach it, for links in
    /// mail; when it is `https`, responses carry HSTS.
    pub public_url: String,
    /// `TRYGG_TRUSTED_PROXIES`: the proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: crate::http::client_ip::TrustedProxies,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |set: bool| if set { "(hidden)" } else { "(unset)" };
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &hidden(self.database_url.is_some()))
            .field(
                "database_owner_url",
                &hidden(self.database_owner_url.is_some()),
            )
            .field("run_as", &self.run_as)
            .field("data_dir", &self.data_dir)
            .field("db_max_connections", &self.db_max_connections)
            .field("log_filter", &self.log_filter)
            .field("rules", &self.rules)
            .field("smtp_url", &hidden(self.smtp_url.is_some()))
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {var}={value:?}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub reason: String,
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./var";
/// PostgreSQL's notices ("relation … already exists, skipping") are noise.
pub const DEFAULT_LOG: &str = "info,sqlx::postgres::notice=warn";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Whether Trygg is reached over HTTPS (and so sends HSTS).
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let addr_raw = get("TRYGG_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr = addr_raw.trim().parse().map_err(|_| ConfigError {
            var: "TRYGG_ADDR",
            value: addr_raw.clone(),
            reason: "expected an address and port such as 127.0.0.1:8080".into(),
        })?;

        let database_url = get("DATABASE_URL");
        let database_owner_url = get("DATABASE_OWNER_URL");
        for (var, value) in [
            ("DATABASE_URL", &database_url),
            ("DATABASE_OWNER_URL", &database_owner_url),
        ] {
            if let Some(url) = value {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(ConfigError {
                        var,
                        value: "(hidden)".into(),
                        reason: "expected a URL starting with postgres:// or postgresql://".into(),
                    });
                }
            }
        }
        if database_owner_url.is_some() && database_url.is_none() {
            return Err(ConfigError {
                var: "DATABASE_OWNER_URL",
                value: "(hidden)".into(),
                reason: "set DATABASE_URL too: the web server's role, beside the owner's".into(),
            });
        }

        let run_as = get("TRYGG_RUN_AS").unwrap_or_else(|| "trygg".into());
        let name_ok = run_as.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_lowercase() || b == b'_' || (i > 0 && (b.is_ascii_digit() || b == b'-'))
        });
        if !name_ok || run_as.len() > 32 || run_as == "root" {
            return Err(ConfigError {
                var: "TRYGG_RUN_AS",
                value: run_as,
                reason: "expected the name of an unprivileged system user, such as trygg".into(),
            });
        }

        let data_dir_raw = get("TRYGG_DATA_DIR");
        let data_dir_is_default = data_dir_raw.is_none();
        let data_dir = PathBuf::from(data_dir_raw.unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()));

        let max_raw = get("TRYGG_DB_MAX_CONNECTIONS").unwrap_or_else(|| "10".into());
        let db_max_connections = match max_raw.trim().parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ConfigError {
                    var: "TRYGG_DB_MAX_CONNECTIONS",
                    value: max_raw,
                    reason: "expected a whole number from 1 to 1000".into(),
                });
            }
        };

        let log_filter = get("TRYGG_LOG").unwrap_or_else(|| DEFAULT_LOG.into());
        if tracing_subscriber::EnvFilter::try_new(&log_filter).is_err() {
            return Err(ConfigError {
                var: "TRYGG_LOG",
                value: log_filter,
                reason: "expected a tracing filter such as info or trygg=debug".into(),
            });
        }

        let number = |var: &'static str, default: i32, range: std::ops::RangeInclusive<i32>| {
            let raw = get(var).unwrap_or_else(|| default.to_string());
            match raw.trim().parse::<i32>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => Err(ConfigError {
                    var,
                    value: raw,
                    reason: format!(
                        "expected a whole number of days from {} to {}",
                        range.start(),
                        range.end()
                    ),
                }),
            }
        };
        let interval_raw = get("TRYGG_REVIEW_SCAN_INTERVAL").unwrap_or_else(|| "15m".into());
        let scan_interval = parse_interval(&interval_raw).ok_or_else(|| ConfigError {
            var: "TRYGG_REVIEW_SCAN_INTERVAL",
            value: interval_raw.clone(),
            reason: "expected a duration from 10s to 24h, such as 15m, 900s or 1h".into(),
        })?;
        let rules = crate::flags::Rules {
            departure_review_days: number("TRYGG_DEPARTURE_REVIEW_DAYS", 14, 1..=90)?,
            mapping_due_days: number("TRYGG_MAPPING_DUE_DAYS", 7, 1..=60)?,
            plan_due_days: crate::flags::Rules::default().plan_due_days,
            scan_interval,
        };

        let smtp_url = get("TRYGG_SMTP_URL");
        if let Some(url) = &smtp_url {
            if let Err(reason) = check_smtp_url(url) {
                return Err(ConfigError {
                    var: "TRYGG_SMTP_URL",
                    value: "(hidden)".into(),
                    reason: reason.into(),
                });
            }
        }
        let mail_from = get("TRYGG_MAIL_FROM").unwrap_or_else(|| "trygg@localhost".into());
        if mail_from.parse::<lettre::Address>().is_err() {
            return Err(ConfigError {
                var: "TRYGG_MAIL_FROM",
                value: mail_from,
                reason: "expected an e-mail address".into(),
            });
        }
        let public_url = get("TRYGG_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                var: "TRYGG_PUBLIC_URL",
                value: public_url,
                reason: "expected a URL such as https://trygg.example.no".into(),
            });
        }

        let proxies_raw = get("TRYGG_TRUSTED_PROXIES").unwrap_or_default();
        let trusted_proxies = crate::http::client_ip::TrustedProxies::parse(&proxies_raw).map_err(
            |reason| ConfigError {
                var: "TRYGG_TRUSTED_PROXIES",
                value: proxies_raw.clone(),
                reason: format!(
                    "{reason}; expected the proxies' own addresses, such as 127.0.0.1 or 10.0.0.2"
                ),
            },
        )?;

        // Over HTTPS Trygg sits behind a proxy (see README): without it named,
        // every client would look like the proxy, and one shared per-address
        // login limit would let anyone lock everyone out.
        if public_url.starts_with("https://") && trusted_proxies.is_empty() {
            return Err(ConfigError {
                var: "TRYGG_TRUSTED_PROXIES",
                value: String::new(),
                reason: "TRYGG_PUBLIC_URL is https://, so Trygg sits behind an HTTPS proxy: name \
                         that proxy's address here (such as 127.0.0.1 when it runs on this machine)"
                    .into(),
            });
        }

        Ok(Config {
            addr,
            database_url,
            database_owner_url,
            run_as,
            data_dir,
            data_dir_is_default,
            db_max_connections,
            log_filter,
            rules,
            smtp_url,
            mail_from,
            public_url,
            trusted_proxies,
        })
    }
}

/// An SMTP URL that never sends a password or a digest in clear text to
/// another machine: `smtps://`, or `smtp://` with `?tls=required`, or plain
/// `smtp://` to this machine only.
fn check_smtp_url(url: &str) -> Result<(), &'static str> {
    let parsed = url::Url::parse(url).map_err(
        |_| "expected smtps://user:password@host, smtp://host?tls=required, or smtp://localhost:25",
    )?;
    let local = match parsed.host() {
        // smtp:// is no special scheme: its host comes as text.
        Some(url::Host::Domain(name)) => {
            name == "localhost"
                || name
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let tls_required = parsed
        .query_pairs()
        .any(|(name, value)| name == "tls" && value == "required");
    match parsed.scheme() {
        "smtps" => Ok(()),
        "smtp" if local || tls_required => Ok(()),
        "smtp" => {
            Err("a mail server on another machine needs TLS: smtps://, or smtp://…?tls=required")
        }
        _ => Err(
            "expected smtps://user:password@host, smtp://host?tls=required, or smtp://localhost:25",
        ),
    }
}

/// `15m`, `900s`, `1h` or a number of seconds; from 10 seconds to a day.
fn parse_interval(raw: &str) -> Option<std::time::Duration> {
    let raw = raw.trim();
    let (number, unit) = match raw.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => raw.split_at(at),
        None => (raw, "s"),
    };
    let seconds = number.parse::<u64>().ok()?.checked_mul(match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    })?;
    (10..=86_400)
        .contains(&seconds)
        .then(|| std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_smtp_urls_are_read_strictly() {
        let secs = std::time::Duration::from_secs;
        assert_eq!(parse_interval("15m"), Some(secs(900)));
        assert_eq!(parse_interval("900"), Some(secs(900)));
        for bad in ["1s", "2d", "15 m", "", "m", "25h"] {
            assert_eq!(parse_interval(bad), None, "{bad}");
        }
        assert!(check_smtp_url("smtps://u:p@mail.example.no").is_ok());
        assert!(check_smtp_url("smtp://mail.example.no?tls=required").is_ok());
        assert!(check_smtp_url("smtp://127.0.0.1:2525").is_ok());
        assert!(check_smtp_url("smtp://u:p@mail.example.no").is_err());
        assert!(check_smtp_url("http://mail.example.no").is_err());
        // The host is the URL's, not whatever follows the last @.
        assert!(check_smtp_url("smtp://u:pw@mail.example.no:587/@localhost").is_err());
        assert!(check_smtp_url("smtp://mail.example.no/?x=tls=required").is_err());
        let config = Config::from_lookup(|name| {
            (name == "TRYGG_SMTP_URL").then(|| "smtps://u:secret@mail.example.no".to_owned())
        })
        .unwrap();
        assert!(!format!("{config:?}").contains("secret"));

        // Behind HTTPS, the proxy must be named (or every client is the proxy).
        let https = |proxies: Option<&str>| {
            Config::from_lookup(|name| match name {
                "TRYGG_PUBLIC_URL" => Some("https://trygg.example.no".to_owned()),
                "TRYGG_TRUSTED_PROXIES" => proxies.map(str::to_owned),
                _ => None,
            })
        };
        let refused = https(None).expect_err("no proxy named");
        assert_eq!(refused.var, "TRYGG_TRUSTED_PROXIES");
        assert!(https(Some("127.0.0.1")).unwrap().https());
    }
}
