//! A private PostgreSQL cluster under `TRYGG_DATA_DIR`, so that a newcomer needs
//! no database set-up. It listens only on a Unix socket in a folder only its
//! owner can enter, runs as the `postgres` system user when Trygg runs as root
//! (PostgreSQL refuses root), and stops when Trygg stops.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, User};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

/// The fixed port only names the socket file; nothing listens on TCP.
const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";
/// The role Trygg works as: it owns the schema but is no superuser, so the
/// audit log's guards hold (see migrations).
pub const APP_ROLE: &str = "trygg";
pub const APP_DATABASE: &str = "trygg";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL's server programs (initdb, postgres) were not found on PATH or under \
         /usr/lib/postgresql/*/bin.\n  Install them with:  apt-get install postgresql\n  \
         or set DATABASE_URL to a PostgreSQL server you already have."
    )]
    BinariesMissing,
    #[error(
        "Trygg runs as root, and PostgreSQL refuses to run as root, but there is no `postgres` \
         system user to run it as.\n  Install PostgreSQL with:  apt-get install postgresql  \
         (it creates that user), or run Trygg as an ordinary user."
    )]
    NoPostgresUser,
    #[error(
        "The data folder {path} cannot be entered by the `postgres` system user, which runs the \
         database when Trygg runs as root (a folder above it, such as a home folder with mode 0700, \
         shuts it out).\n  Choose a folder it can reach, for example:  \
         TRYGG_DATA_DIR=/var/lib/trygg\n  or allow it in:  chmod o+x <each folder above it>"
    )]
    Unreachable { path: PathBuf },
    #[error("the path {path} is too long for a Unix socket; choose a shorter TRYGG_DATA_DIR")]
    SocketPathTooLong { path: PathBuf },
    #[error("could not prepare the data folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{command}` failed; its output is in {log}:\n{tail}")]
    CommandFailed {
        command: String,
        log: PathBuf,
        tail: String,
    },
    #[error(
        "PostgreSQL did not start; the end of its log {log}:\n{tail}\n  If another Trygg uses \
         this data folder, stop it or choose another TRYGG_DATA_DIR."
    )]
    StartFailed { log: PathBuf, tail: String },
    #[error("could not set up the database: {0}")]
    Bootstrap(#[from] sqlx::Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Durability {
    Full,
    Throwaway,
}

/// Who the server processes run as.
#[derive(Clone, Debug)]
struct RunAs {
    uid: u32,
    gid: u32,
}

/// The running postmaster that this process started.
#[derive(Debug)]
struct Postmaster {
    pid: Pid,
    exited: mpsc::Receiver<ExitStatus>,
}

#[derive(Debug)]
pub struct EmbeddedCluster {
    root: PathBuf,
    socket_dir: PathBuf,
    /// `None` when another Trygg process already runs this cluster and we only
    /// connect to it (the CLI while the server runs, say).
    postmaster: Option<Postmaster>,
}

impl EmbeddedCluster {
    /// Starts the cluster under `root`, creating it on first use, or attaches
    /// to it if another Trygg process already runs it.
    pub async fn start(root: &Path) -> Result<Self, ClusterError> {
        Self::start_with(root, Durability::Full).await
    }

    /// A cluster for tests: it does not wait for the disk, and is lost if the
    /// machine stops. Never for real data.
    pub async fn start_throwaway(root: &Path) -> Result<Self, ClusterError> {
        Self::start_with(root, Durability::Throwaway).await
    }

    async fn start_with(root: &Path, durability: Durability) -> Result<Self, ClusterError> {
        let bin = find_binaries()?;
        let run_as = run_as()?;
        let root = prepare_root(root, run_as.as_ref())?;
        let pgdata = root.join("postgres");
        let socket_dir = root.join("run");
        let log = root.join("postgres.log");

        let socket_file = socket_dir.join(format!(".s.PGSQL.{PORT}"));
        if socket_file.as_os_str().len() > 100 {
            return Err(ClusterError::SocketPathTooLong { path: socket_file });
        }
        make_private_dir(&socket_dir, run_as.as_ref())?;
        touch_log(&log, run_as.as_ref())?;

        let mut cluster = EmbeddedCluster {
            root: root.clone(),
            socket_dir,
            postmaster: None,
        };
        if socket_file.exists() && cluster.connect_superuser().await.is_ok() {
            tracing::info!("using the embedded PostgreSQL that is already running");
            return Ok(cluster);
        }

        if !pgdata.join("PG_VERSION").exists() {
            tracing::info!(dir = %pgdata.display(), "creating the embedded PostgreSQL cluster");
            make_private_dir(&pgdata, run_as.as_ref())?;
            initdb(&bin, &pgdata, &log, run_as.as_ref(), durability)?;
        }

        cluster.postmaster = Some(spawn_postmaster(
            &bin,
            &pgdata,
            &cluster.socket_dir,
            &log,
            run_as,
            durability,
        )?);
        cluster.wait_until_ready(&log).await?;
        cluster.bootstrap().await?;
        tracing::info!(dir = %root.display(), "embedded PostgreSQL started");
        Ok(cluster)
    }

    /// Trygg's own role and database as libpq's environment (for pg_dump).
    pub fn libpq_env(&self) -> Vec<(String, String)> {
        [
            ("PGHOST", self.socket_dir.display().to_string()),
            ("PGPORT", PORT.to_string()),
            ("PGUSER", APP_ROLE.to_owned()),
            ("PGDATABASE", APP_DATABASE.to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec()
    }

    /// Connection options for Trygg's own role and database.
    pub fn app_options(&self) -> PgConnectOptions {
        self.options(APP_ROLE, APP_DATABASE)
    }

    /// Connection options for any role and database of this cluster (tests
    /// make one database per test).
    pub fn options(&self, role: &str, database: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(role)
            .database(database)
            .log_statements(tracing::log::LevelFilter::Trace)
    }

    pub async fn connect_superuser(&self) -> Result<PgConnection, sqlx::Error> {
        PgConnection::connect_with(&self.options(SUPERUSER, "postgres")).await
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates Trygg's role and database if they are missing.
    async fn bootstrap(&self) -> Result<(), ClusterError> {
        let mut conn = self.connect_superuser().await?;
        let role_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                .bind(APP_ROLE)
                .fetch_one(&mut conn)
                .await?;
        if !role_exists {
            sqlx::query(&format!(
                "CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER CREATEDB"
            ))
            .execute(&mut conn)
            .await?;
        }
        let db_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(APP_DATABASE)
                .fetch_one(&mut conn)
                .await?;
        if !db_exists {
            sqlx::query(&format!(
                "CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .execute(&mut conn)
            .await?;
        }
        conn.close().await?;
        Ok(())
    }

    async fn wait_until_ready(&mut self, log: &Path) -> Result<(), ClusterError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(pm) = &self.postmaster {
                if pm.exited.try_recv().is_ok() {
                    self.postmaster = None;
                    return Err(ClusterError::StartFailed {
                        log: log.to_owned(),
                        tail: log_tail(log),
                    });
                }
            }
            if self.connect_superuser().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(ClusterError::StartFailed {
                    log: log.to_owned(),
                    tail: log_tail(log),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the cluster if this process started it: a fast shutdown, which
    /// rolls back what is unfinished and leaves the data consistent.
    pub async fn stop(mut self) {
        let Some(pm) = self.postmaster.take() else {
            return;
        };
        let _ = kill(pm.pid, Signal::SIGINT);
        let waited =
            tokio::task::spawn_blocking(move || pm.exited.recv_timeout(STOP_TIMEOUT)).await;
        match waited {
            Ok(Ok(_)) => tracing::info!("embedded PostgreSQL stopped"),
            _ => {
                tracing::warn!("embedded PostgreSQL did not stop in time; forcing it");
                let _ = kill(pm.pid, Signal::SIGQUIT);
            }
        }
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        // Not stopped through `stop()` (a panic, say): ask for a fast shutdown.
        if let Some(pm) = &self.postmaster {
            let _ = kill(pm.pid, Signal::SIGINT);
        }
    }
}

/// The folder holding `initdb` and `postgres`, of the same installation.
pub(crate) fn find_binaries() -> Result<PathBuf, ClusterError> {
    let usable = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            // /usr/local/bin/initdb may be a link into /usr/lib/postgresql/N/bin.
            if let Ok(real) = fs::canonicalize(dir.join("initdb")) {
                if let Some(real_dir) = real.parent() {
                    if usable(real_dir) {
                        return Ok(real_dir.to_owned());
                    }
                }
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            usable(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or(ClusterError::BinariesMissing)
}

fn run_as() -> Result<Option<RunAs>, ClusterError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let user = User::from_name("postgres")
        .ok()
        .flatten()
        .ok_or(ClusterError::NoPostgresUser)?;
    Ok(Some(RunAs {
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
    }))
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ClusterError + '_ {
    move |source| ClusterError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Creates the data folder and checks that the server's user can enter it.
fn prepare_root(root: &Path, run_as: Option<&RunAs>) -> Result<PathBuf, ClusterError> {
    fs::create_dir_all(root).map_err(io_err(root))?;
    let root = fs::canonicalize(root).map_err(io_err(root))?;
    if let Some(user) = run_as {
        let reachable = Command::new("/bin/sh")
            .args(["-c", "test -x \"$1\"", "sh"])
            .arg(&root)
            .uid(user.uid)
            .gid(user.gid)
            .status()
            .map_err(io_err(&root))?
            .success();
        if !reachable {
            return Err(ClusterError::Unreachable { path: root });
        }
    }
    Ok(root)
}

/// A folder only the server's user may enter.
fn make_private_dir(dir: &Path, run_as: Option<&RunAs>) -> Result<(), ClusterError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err(dir))?;
    if let Some(user) = run_as {
        chown(dir, Some(user.uid), Some(user.gid)).map_err(io_err(dir))?;
    }
    Ok(())
}

fn touch_log(log: &Path, run_as: Option<&RunAs>) -> Result<(), ClusterError> {
    let file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(io_err(log))?;
    drop(file);
    fs::set_permissions(log, fs::Permissions::from_mode(0o600)).map_err(io_err(log))?;
    if let Some(user) = run_as {
        chown(log, Some(user.uid), Some(user.gid)).map_err(io_err(log))?;
    }
    Ok(())
}

fn log_file(log: &Path) -> Result<fs::File, ClusterError> {
    fs::OpenOptions::new()
        .append(true)
        .open(log)
        .map_err(io_err(log))
}

fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn command_as(program: PathBuf, run_as: Option<&RunAs>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(user) = run_as {
        cmd.uid(user.uid).gid(user.gid);
    }
    cmd
}

fn initdb(
    bin: &Path,
    pgdata: &Path,
    log: &Path,
    run_as: Option<&RunAs>,
    durability: Durability,
) -> Result<(), ClusterError> {
    let mut out = log_file(log)?;
    let _ = writeln!(out, "--- initdb");
    let mut cmd = command_as(bin.join("initdb"), run_as);
    if durability == Durability::Throwaway {
        cmd.arg("--no-sync");
    }
    let status = cmd
        .arg("--pgdata")
        .arg(pgdata)
        .args([
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
        ])
        .args(["--locale", "C.UTF-8"])
        .stdin(Stdio::null())
        .stdout(log_file(log)?)
        .stderr(log_file(log)?)
        .status()
        .map_err(io_err(bin))?;
    if status.success() {
        Ok(())
    } else {
        Err(ClusterError::CommandFailed {
            command: "initdb".into(),
            log: log.to_owned(),
            tail: log_tail(log),
        })
    }
}

/// Starts `postgres` from a thread that lives exactly as long as the server
/// process: the kernel's parent-death signal then stops PostgreSQL even if
/// Trygg is killed outright, so no orphan keeps the data folder locked.
fn spawn_postmaster(
    bin: &Path,
    pgdata: &Path,
    socket_dir: &Path,
    log: &Path,
    run_as: Option<RunAs>,
    durability: Durability,
) -> Result<Postmaster, ClusterError> {
    let mut cmd = command_as(bin.join("postgres"), run_as.as_ref());
    if durability == Durability::Throwaway {
        cmd.args([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]);
    }
    cmd.arg("-D")
        .arg(pgdata)
        .arg("-k")
        .arg(socket_dir)
        .args(["-p", &PORT.to_string()])
        .args(["-c", "listen_addresses="])
        .args(["-c", "unix_socket_permissions=0700"])
        .args(["-c", "max_connections=200"])
        .stdin(Stdio::null())
        .stdout(log_file(log)?)
        .stderr(log_file(log)?)
        // Its own process group: Ctrl-C in a terminal reaches Trygg alone, which
        // finishes the requests in flight before it stops the database.
        .process_group(0);
    #[allow(unsafe_code)]
    // SAFETY: the closure runs between fork and exec and makes one
    // async-signal-safe system call (prctl). It runs after the uid change,
    // which would otherwise clear the setting.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(std::io::Error::from)
        });
    }

    let (started_tx, started_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("postgres".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = started_tx.send(Ok(child.id()));
                if let Ok(status) = child.wait() {
                    let _ = exited_tx.send(status);
                }
            }
            Err(e) => {
                let _ = started_tx.send(Err(e));
            }
        })
        .map_err(io_err(bin))?;
    let pid = started_rx
        .recv()
        .map_err(|_| ClusterError::StartFailed {
            log: log.to_owned(),
            tail: log_tail(log),
        })?
        .map_err(io_err(bin))?;
    Ok(Postmaster {
        pid: Pid::from_raw(pid as i32),
        exited: exited_rx,
    })
}
