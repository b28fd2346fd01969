//! A private PostgreSQL cluster under `TRYGG_DATA_DIR`, so that a newcomer needs
//! no database set-up. It listens only on a Unix socket in a folder only its
//! owner (and the web server's group) can enter, asks every role for its
//! password (SCRAM, never `trust`), runs as the `postgres` system user when
//! Trygg runs as root (PostgreSQL refuses root), and stops when Trygg stops.
//!
//! Three roles: PostgreSQL's superuser; `trygg_owner`, which owns the schema
//! and runs the migrations; and `trygg`, the web server's, with only the
//! rights it needs (see `db::grant_server_rights`). Their passwords live in
//! `credentials/`, readable by the cluster's system user alone: a web server
//! that dropped root (`TRYGG_RUN_AS`) keeps only its own, in memory.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt, fchown};
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
/// The web server's role: it reads and writes, and may only add to the
/// audit log.
pub const APP_ROLE: &str = "trygg";
/// Owns the database and its schema; runs the migrations.
pub const OWNER_ROLE: &str = "trygg_owner";
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
    #[error(
        "{path} is a symbolic link; Trygg changes the owner of its own folders and files only, \
         never through a link. Remove the link, or choose another TRYGG_DATA_DIR."
    )]
    SymbolicLink { path: PathBuf },
    #[error(
        "the database's password file {path} is missing or not one Trygg wrote, but the cluster \
         exists: restore the file from a backup of the data folder"
    )]
    PasswordMissing { path: PathBuf },
    #[error(
        "Trygg runs as root, so the data folder and every folder above it must belong to root and \
         be writable by no one else, but {path} is not.\n  Choose a TRYGG_DATA_DIR that is, such \
         as /var/lib/trygg (Trygg makes it), or, if {path} is the data folder itself:  chown \
         root:root {path} && chmod go-w {path}"
    )]
    NotRootsAlone { path: PathBuf },
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
    /// How to ask for a fast shutdown.
    stop: StopBy,
}

#[derive(Debug)]
enum StopBy {
    /// SIGINT to `pid`, PostgreSQL itself.
    Signal,
    /// Closing the guard's input: `pid` is the guard (`run_guard`), which
    /// signals PostgreSQL as the same system user. A web server that dropped
    /// root may signal neither, and the kernel's parent-death signal then
    /// does not pass either.
    CloseGuardInput(std::process::ChildStdin),
}

impl Postmaster {
    fn ask_to_stop(&mut self) {
        match std::mem::replace(&mut self.stop, StopBy::Signal) {
            StopBy::Signal => {
                let _ = kill(self.pid, Signal::SIGINT);
            }
            StopBy::CloseGuardInput(input) => drop(input),
        }
    }
}

#[derive(Debug)]
pub struct EmbeddedCluster {
    root: PathBuf,
    socket_dir: PathBuf,
    credentials: PathBuf,
    /// `None` when another Trygg process already runs this cluster and we only
    /// connect to it (the CLI while the server runs, say).
    postmaster: Option<Postmaster>,
}

impl EmbeddedCluster {
    /// Starts the cluster under `root`, creating it on first use, or attaches
    /// to it if another Trygg process already runs it.
    ///
    /// `server_group`: the group of the system user the web server will run
    /// as after dropping root (`TRYGG_RUN_AS`); it may enter the socket's folder.
    pub async fn start(root: &Path, server_group: Option<u32>) -> Result<Self, ClusterError> {
        Self::start_with(root, Durability::Full, server_group).await
    }

    /// A cluster for tests: it does not wait for the disk, and is lost if the
    /// machine stops. Never for real data.
    pub async fn start_throwaway(root: &Path) -> Result<Self, ClusterError> {
        Self::start_with(root, Durability::Throwaway, None).await
    }

    async fn start_with(
        root: &Path,
        durability: Durability,
        server_group: Option<u32>,
    ) -> Result<Self, ClusterError> {
        let bin = find_binaries()?;
        let run_as = run_as()?;
        let root = prepare_root(root, run_as.as_ref())?;
        let pgdata = root.join("postgres");
        let socket_dir = root.join("run");
        let credentials = root.join("credentials");
        let log = root.join("postgres.log");

        let socket_file = socket_dir.join(format!(".s.PGSQL.{PORT}"));
        if socket_file.as_os_str().len() > 100 {
            return Err(ClusterError::SocketPathTooLong { path: socket_file });
        }
        let owner = run_as.as_ref().map(|user| (user.uid, user.gid));
        match (server_group, run_as.as_ref()) {
            // The web server's group may reach the socket, nobody else.
            (Some(group), Some(user)) => {
                own_dir(&socket_dir, 0o750, Some((user.uid, group)))?;
            }
            _ => own_dir(&socket_dir, 0o700, owner)?,
        }
        // Trygg's own (root's, when started as root): not PostgreSQL's user,
        // whose files a database superuser could change. An earlier Trygg
        // gave them to that user: they are taken back.
        let me = run_as.as_ref().map(|_| (0, 0));
        own_dir(&credentials, 0o700, me)?;
        for role in [SUPERUSER, OWNER_ROLE, APP_ROLE] {
            let path = credentials.join(role);
            if fs::symlink_metadata(&path).is_ok() {
                own_file(&path, me)?;
            }
        }
        own_file(&log, owner)?;

        let mut cluster = EmbeddedCluster {
            root: root.clone(),
            socket_dir,
            credentials,
            postmaster: None,
        };
        let exists = pgdata.join("PG_VERSION").exists();
        let superuser_password = cluster.credential_path(SUPERUSER);
        if exists && !superuser_password.exists() {
            // A cluster made by an earlier Trygg, with `trust`, gets its
            // passwords at this start (see `secure_authentication`); any
            // other has lost its password file.
            let hba = read_plain(&pgdata.join("pg_hba.conf")).unwrap_or_default();
            if !hba.lines().any(|line| line.trim_end().ends_with("trust")) {
                return Err(ClusterError::PasswordMissing {
                    path: superuser_password,
                });
            }
            cluster.write_credential(SUPERUSER)?;
        }
        if socket_file.exists() && cluster.connect_superuser().await.is_ok() {
            tracing::info!("using the embedded PostgreSQL that is already running");
            return Ok(cluster);
        }

        if !exists {
            tracing::info!(dir = %pgdata.display(), "creating the embedded PostgreSQL cluster");
            own_dir(&pgdata, 0o700, owner)?;
            cluster.write_credential(SUPERUSER)?;
            let password = cluster
                .password(SUPERUSER)
                .ok_or(ClusterError::PasswordMissing {
                    path: superuser_password,
                })?;
            initdb(&bin, &pgdata, &log, &password, run_as.as_ref(), durability)?;
        }

        cluster.postmaster = Some(spawn_postmaster(
            &bin,
            &pgdata,
            &cluster.socket_dir,
            &log,
            run_as,
            durability,
            server_group.is_some(),
        )?);
        cluster.wait_until_ready(&log).await?;
        cluster.bootstrap().await?;
        cluster.secure_authentication(&pgdata).await?;
        tracing::info!(dir = %root.display(), "embedded PostgreSQL started");
        Ok(cluster)
    }

    /// The owner's role and Trygg's database as libpq's environment (for
    /// pg_dump and pg_restore).
    pub fn libpq_env(&self) -> Vec<(String, String)> {
        [
            ("PGHOST", self.socket_dir.display().to_string()),
            ("PGPORT", PORT.to_string()),
            ("PGUSER", OWNER_ROLE.to_owned()),
            ("PGPASSWORD", self.password(OWNER_ROLE).unwrap_or_default()),
            ("PGDATABASE", APP_DATABASE.to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec()
    }

    /// Connection options for the web server's role on Trygg's database.
    pub fn app_options(&self) -> PgConnectOptions {
        self.options(APP_ROLE, APP_DATABASE)
    }

    /// Connection options for the schema owner on Trygg's database.
    pub fn owner_options(&self) -> PgConnectOptions {
        self.options(OWNER_ROLE, APP_DATABASE)
    }

    /// Connection options for any role and database of this cluster (tests
    /// make one database per test), with the role's password.
    pub fn options(&self, role: &str, database: &str) -> PgConnectOptions {
        let options = PgConnectOptions::new_without_pgpass()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(role)
            .database(database)
            .log_statements(tracing::log::LevelFilter::Trace);
        // Their statements set passwords: never in a log, not even a slow one.
        let options = if role == APP_ROLE {
            options
        } else {
            options.disable_statement_logging()
        };
        match self.password(role) {
            Some(password) => options.password(&password),
            None => options,
        }
    }

    /// A `DATABASE_URL` for `role` on `database` (tests, benchmarks).
    pub fn url(&self, role: &str, database: &str) -> String {
        format!(
            "postgres://{role}:{}@localhost:{PORT}/{database}?host={}",
            self.password(role).unwrap_or_default(),
            self.socket_dir.display()
        )
    }

    fn credential_path(&self, role: &str) -> PathBuf {
        self.credentials.join(role)
    }

    /// The password in `role`'s file, if it is one Trygg wrote: 64 hex
    /// digits, read without following a link (it goes into SQL).
    fn password(&self, role: &str) -> Option<String> {
        let path = self.credential_path(role);
        let mut file = open_plain(&path, fs::OpenOptions::new().read(true)).ok()?;
        let owner = std::os::unix::fs::MetadataExt::uid(&file.metadata().ok()?);
        if owner != nix::unistd::geteuid().as_raw() {
            return None;
        }
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text).ok()?;
        let password = text.trim();
        (password.len() == 64 && password.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| password.to_owned())
    }

    /// A new random password for `role`, in a file only this user reads;
    /// one already there is kept.
    fn write_credential(&self, role: &str) -> Result<(), ClusterError> {
        let path = self.credential_path(role);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(&path);
        let mut file = match file {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => return Err(io_err(&path)(e)),
        };
        writeln!(file, "{}", crate::auth::token::random_token()).map_err(io_err(&path))?;
        file.sync_all().map_err(io_err(&path))
    }

    pub async fn connect_superuser(&self) -> Result<PgConnection, sqlx::Error> {
        PgConnection::connect_with(&self.options(SUPERUSER, "postgres")).await
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates the owner's and the web server's roles and Trygg's database
    /// if they are missing, and gives every role its password. A database
    /// made by an earlier Trygg, owned by the web server's role, passes to
    /// the owner.
    async fn bootstrap(&self) -> Result<(), ClusterError> {
        let mut conn = self.connect_superuser().await?;
        for role in [OWNER_ROLE, APP_ROLE] {
            self.write_credential(role)?;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                    .bind(role)
                    .fetch_one(&mut conn)
                    .await?;
            if !exists {
                sqlx::query(&format!("CREATE ROLE {role}"))
                    .execute(&mut conn)
                    .await?;
            }
        }
        for role in [SUPERUSER, OWNER_ROLE, APP_ROLE] {
            let password = self
                .password(role)
                .ok_or_else(|| ClusterError::PasswordMissing {
                    path: self.credential_path(role),
                })?;
            let rights = if role == SUPERUSER {
                ""
            } else {
                "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            };
            // The password is 64 hex digits: nothing in it needs quoting.
            sqlx::query(&format!(
                "ALTER ROLE {role} LOGIN {rights} PASSWORD '{password}'"
            ))
            .execute(&mut conn)
            .await?;
        }
        let db_owner: Option<String> = sqlx::query_scalar(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1",
        )
        .bind(APP_DATABASE)
        .fetch_optional(&mut conn)
        .await?;
        match db_owner.as_deref() {
            None => {
                sqlx::query(&format!(
                    "CREATE DATABASE {APP_DATABASE} OWNER {OWNER_ROLE} ENCODING 'UTF8' \
                     TEMPLATE template0"
                ))
                .execute(&mut conn)
                .await?;
            }
            Some(OWNER_ROLE) => {}
            Some(_) => {
                sqlx::query(&format!(
                    "ALTER DATABASE {APP_DATABASE} OWNER TO {OWNER_ROLE}"
                ))
                .execute(&mut conn)
                .await?;
            }
        }
        conn.close().await?;

        // Inside the database: the schema and everything in it is the
        // owner's, and nobody else may create there.
        let mut conn = PgConnection::connect_with(&self.options(SUPERUSER, APP_DATABASE)).await?;
        for statement in [
            format!("REASSIGN OWNED BY {APP_ROLE} TO {OWNER_ROLE}"),
            format!("ALTER SCHEMA public OWNER TO {OWNER_ROLE}"),
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC".to_owned(),
        ] {
            sqlx::query(&statement).execute(&mut conn).await?;
        }
        conn.close().await?;
        Ok(())
    }

    /// Only the local socket, and only with a password: written at every
    /// start, so a cluster made by an earlier Trygg with `trust` loses it
    /// once its roles have their passwords (`bootstrap`).
    async fn secure_authentication(&self, pgdata: &Path) -> Result<(), ClusterError> {
        const HBA: &str = "# Written by Trygg at every start: the local socket only, with a password.\n\
                           local all all scram-sha-256\n";
        let hba = pgdata.join("pg_hba.conf");
        if read_plain(&hba).ok().as_deref() == Some(HBA) {
            return Ok(());
        }
        // PostgreSQL's user owns the folder: a FIFO or a hard link in the
        // file's place is refused before anything is truncated.
        let mut file = open_plain(&hba, fs::OpenOptions::new().write(true))?;
        file.set_len(0).map_err(io_err(&hba))?;
        file.write_all(HBA.as_bytes()).map_err(io_err(&hba))?;
        file.sync_all().map_err(io_err(&hba))?;
        let mut conn = self.connect_superuser().await?;
        sqlx::query("SELECT pg_reload_conf()")
            .execute(&mut conn)
            .await?;
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
        let Some(mut pm) = self.postmaster.take() else {
            return;
        };
        pm.ask_to_stop();
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
        if let Some(pm) = &mut self.postmaster {
            pm.ask_to_stop();
        }
    }
}

/// The hidden subcommand that runs `run_guard`.
pub const GUARD_COMMAND: &str = "guard-postgres";

/// `trygg guard-postgres UID GID PROGRAM ARGS…`, for a web server that will
/// drop root: becomes PostgreSQL's system user, starts PostgreSQL, and asks
/// it for a fast shutdown when its input closes (Trygg stops, or dies).
pub fn run_guard(
    uid: u32,
    gid: u32,
    program: &std::ffi::OsStr,
    args: &[std::ffi::OsString],
) -> std::process::ExitCode {
    if uid == 0 || gid == 0 {
        eprintln!("trygg guard-postgres: PostgreSQL never runs as root");
        return std::process::ExitCode::FAILURE;
    }
    let (uid, gid) = (
        nix::unistd::Uid::from_raw(uid),
        nix::unistd::Gid::from_raw(gid),
    );
    // Only Trygg stops it, by closing its input, once its requests are done:
    // a SIGTERM to the whole service (systemd) must not end it first.
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        #[allow(unsafe_code)]
        // SAFETY: ignoring a signal installs no handler; nothing else runs yet.
        unsafe {
            let _ = nix::sys::signal::signal(signal, nix::sys::signal::SigHandler::SigIgn);
        }
    }
    if let Err(e) = nix::unistd::setgroups(&[gid])
        .and_then(|()| nix::unistd::setgid(gid))
        .and_then(|()| nix::unistd::setuid(uid))
    {
        eprintln!("could not become PostgreSQL's system user: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    stop_with_parent(&mut cmd);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("could not start {}: {e}", program.to_string_lossy());
            return std::process::ExitCode::FAILURE;
        }
    };
    let pid = Pid::from_raw(child.id() as i32);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = kill(pid, Signal::SIGINT);
    });
    match child.wait() {
        Ok(status) if status.success() => std::process::ExitCode::SUCCESS,
        _ => std::process::ExitCode::FAILURE,
    }
}

/// The kernel's parent-death signal asks for a fast shutdown should Trygg be
/// killed outright, so no orphan keeps the data folder locked.
fn stop_with_parent(cmd: &mut Command) {
    #[allow(unsafe_code)]
    // SAFETY: the closure runs between fork and exec and makes only
    // async-signal-safe system calls (sigaction, prctl). It runs after the
    // uid change, which would otherwise clear the setting.
    unsafe {
        cmd.pre_exec(|| {
            // What the guard ignores, PostgreSQL must not inherit ignored.
            for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
                nix::sys::signal::signal(signal, nix::sys::signal::SigHandler::SigDfl)
                    .map_err(std::io::Error::from)?;
            }
            nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(std::io::Error::from)
        });
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
/// Started as root, the folder and every folder above it must be root's and
/// writable by no one else (as sshd's StrictModes): whoever could rename
/// what lies in it could put their own socket, passwords or cluster there.
fn prepare_root(root: &Path, run_as: Option<&RunAs>) -> Result<PathBuf, ClusterError> {
    use std::os::unix::fs::MetadataExt;
    let absolute = std::path::absolute(root).map_err(io_err(root))?;
    // Each folder as it is, never through a link (checked before anything
    // is made, and again after): the path named must be the path used.
    let check = |path: &Path| -> Result<(), ClusterError> {
        for folder in path.ancestors() {
            let Ok(meta) = fs::symlink_metadata(folder) else {
                continue; // not made yet
            };
            if meta.file_type().is_symlink() {
                return Err(ClusterError::SymbolicLink {
                    path: folder.to_owned(),
                });
            }
            let sticky = meta.mode() & 0o1000 != 0;
            let writable_by_others = meta.mode() & 0o022 != 0;
            if meta.uid() != 0 || (writable_by_others && !(sticky && folder != path)) {
                return Err(ClusterError::NotRootsAlone {
                    path: folder.to_owned(),
                });
            }
        }
        Ok(())
    };
    if run_as.is_some() {
        check(&absolute)?;
    }
    fs::create_dir_all(&absolute).map_err(io_err(root))?;
    let root = fs::canonicalize(&absolute).map_err(io_err(root))?;
    if run_as.is_some() {
        if root != absolute {
            return Err(ClusterError::SymbolicLink { path: absolute });
        }
        check(&root)?;
    }
    if let Some(user) = run_as {
        let reachable = command_as("/bin/sh", Some(user))
            .args(["-c", "test -x \"$1\"", "sh"])
            .arg(&root)
            .status()
            .map_err(io_err(&root))?
            .success();
        if !reachable {
            return Err(ClusterError::Unreachable { path: root });
        }
    }
    Ok(root)
}

/// Opens `path` without following a symbolic link in its last part, so that
/// its mode and owner are changed through the descriptor: a link put in its
/// place (even between a check and the change) is refused, never followed.
fn open_no_follow(
    path: &Path,
    options: &mut fs::OpenOptions,
    extra: i32,
) -> Result<fs::File, ClusterError> {
    options
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits() | extra)
        .open(path)
        .map_err(|source| {
            if source.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32)
                || fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
            {
                ClusterError::SymbolicLink {
                    path: path.to_owned(),
                }
            } else {
                io_err(path)(source)
            }
        })
}

/// A plain file (no link, FIFO or second name), opened without waiting.
fn open_plain(path: &Path, options: &mut fs::OpenOptions) -> Result<fs::File, ClusterError> {
    let file = open_no_follow(path, options, nix::fcntl::OFlag::O_NONBLOCK.bits())?;
    let meta = file.metadata().map_err(io_err(path))?;
    if !meta.is_file() || std::os::unix::fs::MetadataExt::nlink(&meta) != 1 {
        return Err(io_err(path)(std::io::Error::other(
            "not a plain file with one name",
        )));
    }
    Ok(file)
}

fn read_plain(path: &Path) -> Result<String, ClusterError> {
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut open_plain(path, fs::OpenOptions::new().read(true))?,
        &mut text,
    )
    .map_err(io_err(path))?;
    Ok(text)
}

/// A folder of `mode`, made if missing, owned by `owner` when given.
fn own_dir(dir: &Path, mode: u32, owner: Option<(u32, u32)>) -> Result<(), ClusterError> {
    match fs::create_dir(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(io_err(dir)(e)),
        _ => {}
    }
    let folder = open_no_follow(
        dir,
        fs::OpenOptions::new().read(true),
        nix::fcntl::OFlag::O_DIRECTORY.bits(),
    )?;
    folder
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io_err(dir))?;
    if let Some((uid, gid)) = owner {
        fchown(&folder, Some(uid), Some(gid)).map_err(io_err(dir))?;
    }
    Ok(())
}

/// A file only `owner` (or this user) reads, made if missing.
fn own_file(path: &Path, owner: Option<(u32, u32)>) -> Result<(), ClusterError> {
    let file = open_no_follow(
        path,
        fs::OpenOptions::new().create(true).append(true).mode(0o600),
        0,
    )?;
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(io_err(path))?;
    if let Some((uid, gid)) = owner {
        fchown(&file, Some(uid), Some(gid)).map_err(io_err(path))?;
    }
    Ok(())
}

fn log_file(log: &Path) -> Result<fs::File, ClusterError> {
    open_no_follow(log, fs::OpenOptions::new().append(true), 0)
}

fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// A command as PostgreSQL's user, with none of Trygg's environment (its
/// mail password, say): only what PostgreSQL's programs read.
fn command_as(program: impl AsRef<std::ffi::OsStr>, run_as: Option<&RunAs>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(user) = run_as {
        cmd.uid(user.uid).gid(user.gid);
    }
    cmd.env_clear();
    for name in ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ"] {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd
}

fn initdb(
    bin: &Path,
    pgdata: &Path,
    log: &Path,
    superuser_password: &str,
    run_as: Option<&RunAs>,
    durability: Durability,
) -> Result<(), ClusterError> {
    let mut out = log_file(log)?;
    let _ = writeln!(out, "--- initdb");
    // The password in a file of its own for initdb's user, beside the data
    // folder (which must be empty), removed again whatever happens: the
    // passwords' folder is not that user's to read.
    let pwfile = pgdata.with_file_name(".initdb-password");
    let _ = fs::remove_file(&pwfile);
    {
        let mut file = open_no_follow(
            &pwfile,
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600),
            0,
        )?;
        if let Some(user) = run_as {
            fchown(&file, Some(user.uid), Some(user.gid)).map_err(io_err(&pwfile))?;
        }
        writeln!(file, "{superuser_password}").map_err(io_err(&pwfile))?;
    }
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
            "scram-sha-256",
            "--encoding",
            "UTF8",
        ])
        .args(["--locale", "C.UTF-8"])
        .arg("--pwfile")
        .arg(&pwfile)
        .stdin(Stdio::null())
        .stdout(log_file(log)?)
        .stderr(log_file(log)?)
        .status();
    let _ = fs::remove_file(&pwfile);
    let status = status.map_err(io_err(bin))?;
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
/// process, whose parent-death signal then reaches it (`stop_with_parent`).
/// When the web server will drop root, through a guard (`run_guard`) that
/// runs as PostgreSQL's own user: only it may still signal PostgreSQL then.
fn spawn_postmaster(
    bin: &Path,
    pgdata: &Path,
    socket_dir: &Path,
    log: &Path,
    run_as: Option<RunAs>,
    durability: Durability,
    guarded: bool,
) -> Result<Postmaster, ClusterError> {
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    if durability == Durability::Throwaway {
        for setting in [
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
        ] {
            args.extend(["-c".into(), setting.into()]);
        }
    }
    args.extend(["-D".into(), pgdata.into(), "-k".into(), socket_dir.into()]);
    for (flag, value) in [
        ("-p", PORT.to_string()),
        ("-c", "listen_addresses=".into()),
        // The socket's folder decides who may connect (see `start_with`).
        ("-c", "unix_socket_permissions=0777".into()),
        ("-c", "max_connections=200".into()),
    ] {
        args.extend([flag.into(), value.into()]);
    }
    let postgres = bin.join("postgres");
    let mut cmd = match (&run_as, guarded) {
        (Some(user), true) => {
            // The guard starts as root (so it may run a binary in a folder
            // only root enters) and becomes PostgreSQL's user at once.
            let exe = std::env::current_exe().map_err(io_err(bin))?;
            let mut cmd = command_as(exe, None);
            cmd.arg(GUARD_COMMAND)
                .arg(user.uid.to_string())
                .arg(user.gid.to_string())
                .arg(&postgres)
                .args(&args)
                .stdin(Stdio::piped());
            cmd
        }
        _ => {
            let mut cmd = command_as(postgres, run_as.as_ref());
            cmd.args(&args).stdin(Stdio::null());
            cmd
        }
    };
    cmd.stdout(log_file(log)?)
        .stderr(log_file(log)?)
        // Its own process group: Ctrl-C in a terminal reaches Trygg alone, which
        // finishes the requests in flight before it stops the database.
        .process_group(0);
    stop_with_parent(&mut cmd);

    let (started_tx, started_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("postgres".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = started_tx.send(Ok((child.id(), child.stdin.take())));
                if let Ok(status) = child.wait() {
                    let _ = exited_tx.send(status);
                }
            }
            Err(e) => {
                let _ = started_tx.send(Err(e));
            }
        })
        .map_err(io_err(bin))?;
    let (pid, guard_input) = started_rx
        .recv()
        .map_err(|_| ClusterError::StartFailed {
            log: log.to_owned(),
            tail: log_tail(log),
        })?
        .map_err(io_err(bin))?;
    Ok(Postmaster {
        pid: Pid::from_raw(pid as i32),
        exited: exited_rx,
        stop: match guard_input {
            Some(input) => StopBy::CloseGuardInput(input),
            None => StopBy::Signal,
        },
    })
}
