//! Every setting, read once from the environment. A bad value stops start-up
//! with a message that names the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `TRYGG_ADDR`: where the web server listens.
    pub addr: SocketAddr,
    /// `DATABASE_URL`: an existing PostgreSQL; `None` runs the embedded cluster.
    pub database_url: Option<String>,
    /// `TRYGG_DATA_DIR`: home of the embedded cluster.
    pub data_dir: PathBuf,
    /// Whether `TRYGG_DATA_DIR` was set, or is the default (see `db::embedded`).
    pub data_dir_is_default: bool,
    /// `TRYGG_DB_MAX_CONNECTIONS`: size of the connection pool.
    pub db_max_connections: u32,
    /// `TRYGG_LOG`: tracing filter, e.g. `info` or `trygg=debug`.
    pub log_filter: String,
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
        if let Some(url) = &database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError {
                    var: "DATABASE_URL",
                    value: "(hidden)".into(),
                    reason: "expected a URL starting with postgres:// or postgresql://".into(),
                });
            }
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

        Ok(Config {
            addr,
            database_url,
            data_dir,
            data_dir_is_default,
            db_max_connections,
            log_filter,
        })
    }
}
