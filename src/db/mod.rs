//! The connection pool, the embedded cluster when no `DATABASE_URL` is set,
//! and the migrations that run at every start.
//!
//! Two roles: the schema's owner runs the migrations, then grants the web
//! server's role what it needs and no more (`grant_server_rights`): on the
//! audit log only `INSERT` and `SELECT`, so that not even Trygg can rewrite
//! it. The embedded cluster has both; with `DATABASE_URL`, the owner's is
//! `DATABASE_OWNER_URL` (see docs/deployment.md).

pub mod backup;
pub mod embedded;
pub mod statements;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

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
    #[error("could not connect as the schema's owner (DATABASE_OWNER_URL): {0}")]
    ConnectOwner(sqlx::Error),
    #[error("DATABASE_URL or DATABASE_OWNER_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(sqlx::Error),
    #[error("could not grant the web server's role its rights: {0}")]
    Grant(sqlx::Error),
    #[error(transparent)]
    Privileges(#[from] crate::privileges::PrivilegeError),
    #[error(
        "the database needs {0} migration(s) that DATABASE_URL's role may not run: run \
         `trygg migrate` with DATABASE_OWNER_URL set to the schema's owner first"
    )]
    MigrationsPending(usize),
    #[error(
        "DATABASE_URL's role {role} {what}, so it could rewrite the audit log. As the owner or \
         a superuser: {fix}"
    )]
    ServerRoleTooStrong {
        role: String,
        what: &'static str,
        fix: String,
    },
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
    /// The web server's role.
    pub pool: PgPool,
    /// The schema owner's role; the same as the pool's when only
    /// `DATABASE_URL` is set.
    owner: PgConnectOptions,
    cluster: Option<EmbeddedCluster>,
    /// The same database, as the owner, as libpq's tools take it, in their
    /// environment.
    libpq_env: Vec<(String, String)>,
}

impl Database {
    /// Connects (starting the embedded cluster if needed) and migrates.
    pub async fn open(config: &Config) -> Result<Self, DbError> {
        let db = Self::connect(config).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Runs the migrations as the schema's owner, then grants the web
    /// server's role its rights. Without the owner's credentials, when
    /// another role owns the schema, it only checks that nothing is pending
    /// (the owner ran `trygg migrate` in a unit of its own).
    pub async fn migrate(&self) -> Result<(), DbError> {
        let server_role = self.pool.connect_options().get_username().to_owned();
        if self.owner.get_username() == server_role {
            let (may_create, has_table): (bool, bool) = sqlx::query_as(
                "SELECT has_schema_privilege('public', 'CREATE'),
                        to_regclass('public._sqlx_migrations') IS NOT NULL",
            )
            .fetch_one(&self.pool)
            .await
            .map_err(DbError::Connect)?;
            if may_create {
                tracing::warn!(
                    "DATABASE_URL's role owns the schema and runs the migrations, so it could \
                     rewrite the audit log: give the web server a role of its own, and the owner's \
                     to DATABASE_OWNER_URL (docs/deployment.md)"
                );
            } else {
                let applied: Vec<i64> = if has_table {
                    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(DbError::Connect)?
                } else {
                    Vec::new()
                };
                let pending = MIGRATOR
                    .iter()
                    .filter(|m| !applied.contains(&m.version))
                    .count();
                return match pending {
                    0 => Ok(()),
                    n => Err(DbError::MigrationsPending(n)),
                };
            }
        }
        prepare(&self.owner, &server_role).await
    }

    /// One connection as the schema's owner.
    pub async fn owner_connection(&self) -> Result<PgConnection, DbError> {
        PgConnection::connect_with(&self.owner)
            .await
            .map_err(DbError::ConnectOwner)
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
        let (options, owner, cluster, libpq_env) = match &config.database_url {
            Some(url) => {
                let owner_url = config.database_owner_url.as_deref().unwrap_or(url);
                (
                    PgConnectOptions::from_str(url).map_err(DbError::BadUrl)?,
                    PgConnectOptions::from_str(owner_url).map_err(DbError::BadUrl)?,
                    None,
                    libpq_env_of(owner_url),
                )
            }
            None => {
                let cluster = start_cluster(config).await?;
                let env = cluster.libpq_env();
                (
                    cluster.app_options(),
                    cluster.owner_options(),
                    Some(cluster),
                    env,
                )
            }
        };
        let pool = connect_server_pool(options, config.db_max_connections)
            .await
            .map_err(DbError::Connect)?;
        Ok(Database {
            pool,
            owner,
            cluster,
            libpq_env,
        })
    }

    /// Forgets the owner's credentials: the web server needs only its own.
    pub fn forget_owner(&mut self) {
        self.owner = self.pool.connect_options().as_ref().clone();
        self.libpq_env.clear();
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

/// Migrates the database as its owner (`owner`), then grants `server_role`
/// its rights. Every start does it, so a restored database and the tables of
/// a new migration get them too.
pub async fn prepare(owner: &PgConnectOptions, server_role: &str) -> Result<(), DbError> {
    let mut conn = PgConnection::connect_with(owner)
        .await
        .map_err(DbError::ConnectOwner)?;
    let separate = owner.get_username() != server_role;
    if separate {
        // Before migrating: a server role that still owns the tables would
        // make the owner's migration fail with no word of the fix.
        check_server_role(&mut conn, server_role).await?;
    }
    MIGRATOR.run(&mut conn).await?;
    if separate {
        grant_server_rights(&mut conn, server_role)
            .await
            .map_err(DbError::Grant)?;
    }
    conn.close().await.map_err(DbError::ConnectOwner)?;
    Ok(())
}

/// What the web server's role may do: read and write the tables, add to the
/// audit log but never change or remove from it, and nothing else (no
/// owner's rights: no `ALTER`, no `GRANT`, no trigger switched off).
async fn grant_server_rights(conn: &mut PgConnection, role: &str) -> sqlx::Result<()> {
    let role = quote_identifier(role);
    let mut tx = conn.begin().await?;
    for statement in [
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain FROM {role}"),
        // Written once: an incident, and each saved version of a perpetrator.
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON incidents, perpetrator_versions FROM {role}"),
        // Links are the trigger's to write (as the owner), never the server's.
        format!("REVOKE INSERT ON audit_chain FROM {role}"),
        // The chain's last link moves only with a new link.
        format!("REVOKE ALL ON audit_chain_head FROM {role}"),
        // Again at every start: a restore leaves out what migrations revoked.
        "REVOKE EXECUTE ON FUNCTION audit_chain_link() FROM PUBLIC".to_owned(),
        // It may see which migrations ran, to refuse to start before one.
        format!("REVOKE ALL ON _sqlx_migrations FROM {role}"),
        format!("GRANT SELECT ON _sqlx_migrations TO {role}"),
    ] {
        sqlx::query(&statement).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// Refuses a server role that could do more than `grant_server_rights`
/// gave it: one that still owns tables (from a set-up with one role), may
/// create in the schema, or is a superuser or a member of the owner.
async fn check_server_role(conn: &mut PgConnection, role: &str) -> Result<(), DbError> {
    let (owned, owns_schema, may_create, privileged): (i64, bool, bool, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM pg_shdepend d JOIN pg_database db ON db.oid = d.dbid
                  WHERE db.datname = current_database() AND d.refobjid = r.oid
                    AND d.deptype = 'o'),
                (SELECT nspowner = r.oid FROM pg_namespace WHERE nspname = 'public')
                    OR (SELECT datdba = r.oid FROM pg_database WHERE datname = current_database()),
                has_schema_privilege(r.oid, 'public', 'CREATE'),
                EXISTS (SELECT 1 FROM pg_roles s
                         WHERE (s.rolsuper OR s.rolcreaterole OR s.rolbypassrls)
                           AND pg_has_role(r.oid, s.oid, 'MEMBER'))
                    OR pg_has_role(r.oid, current_user, 'MEMBER')
                    OR coalesce(pg_has_role(r.oid, to_regrole('pg_write_all_data'), 'MEMBER'), false)
           FROM pg_roles r WHERE r.rolname = $1",
    )
    .bind(role)
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::Grant)?;
    let owner = sqlx::query_scalar::<_, String>("SELECT current_user::text")
        .fetch_one(&mut *conn)
        .await
        .map_err(DbError::Grant)?;
    let refuse = |what, fix: String| DbError::ServerRoleTooStrong {
        role: role.to_owned(),
        what,
        fix,
    };
    let (role, owner) = (quote_identifier(role), quote_identifier(&owner));
    if owned > 0 {
        return Err(refuse(
            "still owns tables or functions",
            format!("REASSIGN OWNED BY {role} TO {owner};"),
        ));
    }
    if owns_schema {
        return Err(refuse(
            "owns the database or its schema",
            format!(
                "ALTER DATABASE <this database> OWNER TO {owner}; ALTER SCHEMA public OWNER TO {owner};"
            ),
        ));
    }
    if may_create {
        return Err(refuse(
            "may create tables in the schema",
            format!("REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role};"),
        ));
    }
    if privileged {
        return Err(refuse(
            "is (or is a member of) a superuser or a role that may create roles, or is a member \
             of the owner's role or of pg_write_all_data",
            format!(
                "ALTER ROLE {role} NOSUPERUSER NOCREATEROLE NOBYPASSRLS; REVOKE {owner}, \
                 pg_write_all_data FROM {role};"
            ),
        ));
    }
    Ok(())
}

/// A role name as an SQL identifier, quoted (it comes from a URL).
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The web server's pool: at most `max_connections`, each without JIT.
/// Trygg's queries are short, and a wrong estimate (billions of rows for
/// the compliance figures at 100 000 cases) once had PostgreSQL compile a
/// query for minutes and gigabytes; a startup option, so no statement.
pub async fn connect_server_pool(
    options: PgConnectOptions,
    max_connections: u32,
) -> sqlx::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.options([("jit", "off")]))
        .await
}

async fn start_cluster(config: &Config) -> Result<EmbeddedCluster, DbError> {
    // The web server's group (after it drops root) may reach the socket.
    let group = crate::privileges::server_user(config)?.map(|user| user.gid.as_raw());
    match EmbeddedCluster::start(&config.data_dir, group).await {
        // The default folder sits where Trygg was started, perhaps in a home folder
        // the `postgres` user cannot enter; choose a place that works and say so.
        Err(
            ClusterError::Unreachable { path }
            | ClusterError::NotRootsAlone { path }
            | ClusterError::SymbolicLink { path },
        ) if config.data_dir_is_default => {
            eprintln!(
                "note: {} will not do for the data of a Trygg started as root (the `postgres` \
                 system user must enter it, and only root change it); keeping the data in {} \
                 instead (set TRYGG_DATA_DIR to choose)",
                path.display(),
                FALLBACK_DATA_DIR
            );
            EmbeddedCluster::start(Path::new(FALLBACK_DATA_DIR), group).await
        }
        other => other,
    }
    .map_err(DbError::from)
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
