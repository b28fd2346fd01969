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
}

/// The database Trygg works on, and the embedded cluster behind it if any.
pub struct Database {
    pub pool: PgPool,
    cluster: Option<EmbeddedCluster>,
    /// The same database as libpq's tools take it: `DATABASE_URL`, or the
    /// embedded cluster's socket.
    conninfo: String,
}

impl Database {
    /// Connects (starting the embedded cluster if needed) and migrates.
    pub async fn open(config: &Config) -> Result<Self, DbError> {
        let (options, cluster, conninfo) = match &config.database_url {
            Some(url) => (
                PgConnectOptions::from_str(url).map_err(DbError::BadUrl)?,
                None,
                url.clone(),
            ),
            None => {
                let cluster = start_cluster(config).await?;
                let conninfo = cluster.conninfo();
                (cluster.app_options(), Some(cluster), conninfo)
            }
        };
        let pool = pool_options(config.db_max_connections)
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        MIGRATOR.run(&pool).await?;
        Ok(Database {
            pool,
            cluster,
            conninfo,
        })
    }

    /// The database as libpq's tools (pg_dump, pg_restore) take it.
    pub fn conninfo(&self) -> &str {
        &self.conninfo
    }

    /// Closes the pool, then stops the embedded cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            cluster.stop().await;
        }
    }
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
