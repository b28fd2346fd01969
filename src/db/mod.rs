//! The connection pool, the embedded cluster when no `DATABASE_URL` is set,
//! and the migrations that run at every start.

pub mod backup;
pub mod embedded;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;
use embedded::{ClusterError, EmbeddedCluster};

pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Where the data lives when the default `./var` is shut to the `postgres`
/// user (see `open`).
const FALLBACK_DATA_DIR: &str = "/var/lib/trygg";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("could not connect to the database in DATABASE_URL: {0}")]
    Connect(sqlx::Error),
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(sqlx::Error),
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "no Trygg database under TRYGG_DATA_DIR={}: set TRYGG_DATA_DIR (or DATABASE_URL) as the server has it",
        .0.display()
    )]
    NoDatabase(std::path::PathBuf),
}

/// The database Trygg works on, and the embedded cluster behind it if any.
pub struct Database {
    pub pool: PgPool,
    cluster: Option<EmbeddedCluster>,
    /// The same database as libpq's tools take it, in their environment.
    libpq_env: Vec<(String, String)>,
}

impl Database {
    /// Connects (starting the embedded cluster if needed) and migrates.
    pub async fn open(config: &Config) -> Result<Self, DbError> {
        let db = Self::connect(config).await?;
        MIGRATOR.run(&db.pool).await?;
        Ok(db)
    }

    /// Connects to a database that exists already, as it is: no cluster is
    /// made, no migration run (`backup`, `audit verify`: a wrong setting
    /// must not answer from a new, empty database).
    pub async fn open_existing(config: &Config) -> Result<Self, DbError> {
        if config.database_url.is_none()
            && !config.data_dir.join("postgres").join("PG_VERSION").exists()
            && !Path::new(FALLBACK_DATA_DIR)
                .join("postgres")
                .join("PG_VERSION")
                .exists()
        {
            return Err(DbError::NoDatabase(config.data_dir.clone()));
        }
        Self::connect(config).await
    }

    /// Connects, making the embedded cluster if there is none, but runs no
    /// migration (`restore`: the backup brings its own tables).
    pub async fn open_unmigrated(config: &Config) -> Result<Self, DbError> {
        Self::connect(config).await
    }

    async fn connect(config: &Config) -> Result<Self, DbError> {
        let (options, cluster, libpq_env) = match &config.database_url {
            Some(url) => (
                PgConnectOptions::from_str(url).map_err(DbError::BadUrl)?,
                None,
                libpq_env_of(url),
            ),
            None => {
                let cluster = start_cluster(config).await?;
                let env = cluster.libpq_env();
                (cluster.app_options(), Some(cluster), env)
            }
        };
        let pool = pool_options(config.db_max_connections)
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        Ok(Database {
            pool,
            cluster,
            libpq_env,
        })
    }

    /// The database as libpq's tools (pg_dump, pg_restore) take it: in
    /// their environment, so no password is on a command line.
    pub fn libpq_env(&self) -> Vec<(String, String)> {
        self.libpq_env.clone()
    }

    /// The database's name (no secret).
    pub fn database_name(&self) -> String {
        self.libpq_env
            .iter()
            .find(|(k, _)| k == "PGDATABASE")
            .map_or_else(String::new, |(_, v)| v.clone())
    }

    /// Closes the pool, then stops the embedded cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            cluster.stop().await;
        }
    }
}

/// `DATABASE_URL` as libpq's environment variables. Hand-written: a dozen
/// lines on `url`, for the parts libpq and sqlx read alike.
fn libpq_env_of(database_url: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let Ok(url) = url::Url::parse(database_url) else {
        return Vec::new();
    };
    let mut env = Vec::new();
    let mut set = |k: &str, v: String| {
        if !v.is_empty() {
            env.retain(|(name, _): &(String, String)| name != k);
            env.push((k.to_owned(), v));
        }
    };
    set("PGHOST", url.host_str().unwrap_or_default().to_owned());
    set(
        "PGPORT",
        url.port().map(|p| p.to_string()).unwrap_or_default(),
    );
    set("PGUSER", decode(url.username()));
    set("PGPASSWORD", url.password().map(decode).unwrap_or_default());
    set("PGDATABASE", decode(url.path().trim_start_matches('/')));
    for (name, value) in url.query_pairs() {
        let var = match name.as_ref() {
            "host" => "PGHOST",
            "port" => "PGPORT",
            "sslmode" | "ssl-mode" => "PGSSLMODE",
            "sslrootcert" | "ssl-root-cert" => "PGSSLROOTCERT",
            _ => continue,
        };
        set(var, value.into_owned());
    }
    env
}

pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
}

async fn start_cluster(config: &Config) -> Result<EmbeddedCluster, ClusterError> {
    match EmbeddedCluster::start(&config.data_dir).await {
        // The default folder sits where Trygg was started, perhaps in a home folder
        // the `postgres` user cannot enter; choose a place that works and say so.
        Err(ClusterError::Unreachable { path }) if config.data_dir_is_default => {
            eprintln!(
                "note: the `postgres` system user cannot enter {}; keeping the data in {} instead \
                 (set TRYGG_DATA_DIR to choose)",
                path.display(),
                FALLBACK_DATA_DIR
            );
            EmbeddedCluster::start(Path::new(FALLBACK_DATA_DIR)).await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_becomes_libpq_environment_with_the_password_decoded() {
        let env = libpq_env_of(
            "postgres://trygg:p%40ss%2Bw0rd@db.example.no:6543/trygg_prod?sslmode=verify-full&sslrootcert=/etc/ca.pem",
        );
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGHOST"), Some("db.example.no"));
        assert_eq!(get("PGPORT"), Some("6543"));
        assert_eq!(get("PGUSER"), Some("trygg"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss+w0rd"));
        assert_eq!(get("PGDATABASE"), Some("trygg_prod"));
        assert_eq!(get("PGSSLMODE"), Some("verify-full"));
        assert_eq!(get("PGSSLROOTCERT"), Some("/etc/ca.pem"));
        // A socket folder in ?host= wins over the URL's host.
        let socket = libpq_env_of("postgres://trygg@localhost:5432/t?host=/run/pg");
        assert!(socket.contains(&("PGHOST".to_owned(), "/run/pg".to_owned())));
    }
}
