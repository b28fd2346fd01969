//! The `trygg` binary: configuration errors, the operator commands, and the
//! server with its embedded PostgreSQL started and stopped.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{database_env, spawn_app};

/// The binary, run from an empty folder (no stray `.env`) with a clean
/// environment of Trygg settings.
pub fn trygg(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trygg"));
    cmd.current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("TRYGG_ADDR")
        .env_remove("TRYGG_DATA_DIR")
        .env_remove("TRYGG_DB_MAX_CONNECTIONS")
        .env("TRYGG_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

pub async fn run(mut cmd: Command, stdin: &str) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn trygg");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("trygg took too long")
        .expect("trygg output")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary folder the `postgres` system user can enter.
pub fn open_tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[tokio::test]
async fn help_explains_every_command() {
    let dir = open_tempdir();
    let mut cmd = trygg(dir.path());
    cmd.arg("--help");
    let out = run(cmd, "").await;
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in ["serve", "centre", "user", ".env.example", "TRYGG_DATA_DIR"] {
        assert!(help.contains(word), "{word} in {help}");
    }
}

#[tokio::test]
async fn a_bad_setting_stops_start_up_and_names_the_variable() {
    let dir = open_tempdir();
    for (var, value) in [
        ("TRYGG_ADDR", "not an address"),
        ("TRYGG_DB_MAX_CONNECTIONS", "0"),
        ("DATABASE_URL", "mysql://localhost/trygg"),
        ("TRYGG_LOG", "trygg=loud"),
        ("TRYGG_REVIEW_SCAN_INTERVAL", "5 minutes"),
        ("TRYGG_REVIEW_SCAN_INTERVAL", "1s"),
        ("TRYGG_DEPARTURE_REVIEW_DAYS", "0"),
        ("TRYGG_MAPPING_DUE_DAYS", "a week"),
        ("TRYGG_SMTP_URL", "http://user:secret@mail.example"),
        ("TRYGG_MAIL_FROM", "not an address"),
        ("TRYGG_PUBLIC_URL", "trygg.example.no"),
    ] {
        let mut cmd = trygg(dir.path());
        cmd.env(var, value).arg("serve");
        let out = run(cmd, "").await;
        assert!(!out.status.success(), "{var}={value} must stop start-up");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(var), "{var} named in: {stderr}");
        if var == "DATABASE_URL" || var == "TRYGG_SMTP_URL" {
            assert!(
                !stderr.contains(value),
                "a URL may hold a password: never printed"
            );
        }
    }
}

#[tokio::test]
async fn operator_adds_a_centre_and_a_user_who_can_then_log_in() {
    let app = spawn_app().await;
    let dir = open_tempdir();
    let url = database_env(&app.db_name);

    let mut add_centre = trygg(dir.path());
    add_centre.envs(url.clone()).args([
        "centre",
        "add",
        "--name",
        "Krisesenteret i Sør",
        "--shielded-address",
    ]);
    let out = run(add_centre, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let mut again = trygg(dir.path());
    again
        .envs(url.clone())
        .args(["centre", "add", "--name", "krisesenteret i sør"]);
    let out = run(again, "").await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("exists already"));

    let mut list = trygg(dir.path());
    list.envs(url.clone()).args(["centre", "list"]);
    let out = run(list, "").await;
    assert_eq!(
        text(&out.stdout).lines().next(),
        Some("Krisesenteret i Sør\tshielded address")
    );

    let add_user = |password: &'static str, centre: &'static str| {
        let mut cmd = trygg(dir.path());
        cmd.envs(url.clone()).args([
            "user",
            "add",
            "--centre",
            centre,
            "--email",
            "Siri@Test.Example",
            "--name",
            "Siri Sør",
            "--role",
            "coordinator",
        ]);
        (cmd, password)
    };
    let (cmd, password) = add_user("kort\n", "Krisesenteret i Sør");
    let out = run(cmd, password).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("minst 12 tegn"));

    let (cmd, password) = add_user("lilla hest spiser grøt\n", "Finnes Ikke");
    let out = run(cmd, password).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("trygg centre list"));

    let (cmd, password) = add_user("lilla hest spiser grøt\n", "Krisesenteret i Sør");
    let out = run(cmd, password).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("lilla"),
        "the password is never echoed"
    );

    assert!(
        text(&out.stdout).contains("two-step sign-in"),
        "the operator is told the user enrols at first login"
    );
    let mut browser = app.browser();
    let login = browser
        .login("siri@test.example", "lilla hest spiser grøt")
        .await;
    assert_eq!(login.location(), "/login/enrol");
    let (_, enrolled) = app.enrol(&mut browser, "/login/enrol").await;
    assert_eq!(enrolled.attr("a.ds-button", "href").as_deref(), Some("/"));
    let home = browser.get("/").await;
    assert!(home.body.contains("Siri Sør"));
    assert!(home.body.contains("Koordinator"));

    // A lost phone and no other administrator: the operator resets it.
    let mut reset = trygg(dir.path());
    reset.envs(url.clone()).args([
        "user",
        "reset-second-factor",
        "--email",
        "nobody@test.example",
    ]);
    let out = run(reset, "").await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no account"));
    let mut reset = trygg(dir.path());
    reset.envs(url.clone()).args([
        "user",
        "reset-second-factor",
        "--email",
        "siri@test.example",
    ]);
    let out = run(reset, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(browser.get("/").await.location(), "/login", "signed out");
    let login = app
        .browser()
        .login("siri@test.example", "lilla hest spiser grøt")
        .await;
    assert_eq!(login.location(), "/login/enrol", "enrols again");
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE kind = 'second_factor_reset'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(detail, "cli");
}

/// Starts `trygg serve` and returns it with the address it printed, and all
/// it printed until then.
async fn start_server(data_dir: &Path, cwd: &Path) -> (Child, String, String) {
    let mut cmd = trygg(cwd);
    cmd.env("TRYGG_DATA_DIR", data_dir)
        .env("TRYGG_ADDR", "127.0.0.1:0")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("spawn trygg serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let address = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push_str(&line);
            printed.push('\n');
            if let Some(rest) = line.strip_prefix("Trygg is running at ") {
                return rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
            }
        }
        panic!("trygg serve ended before it listened: {printed}");
    })
    .await
    .expect("trygg serve did not start");
    // Read the setup link, printed right after.
    if let Ok(Ok(Some(_))) = tokio::time::timeout(Duration::from_millis(500), async {
        let mut last = None;
        for _ in 0..4 {
            match lines.next_line().await {
                Ok(Some(line)) => {
                    printed.push_str(&line);
                    printed.push('\n');
                    last = Some(line);
                }
                other => return other,
            }
        }
        Ok(last)
    })
    .await
    {}
    (child, address, printed)
}

async fn stop_server(mut child: Child) {
    let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("trygg did not stop")
        .unwrap();
    assert!(status.success(), "trygg stops cleanly on SIGTERM: {status}");
}

#[tokio::test]
async fn server_runs_its_own_postgres_and_stops_it_on_sigterm() {
    let data = open_tempdir();
    let cwd = open_tempdir();
    let (child, address, printed) = start_server(data.path(), cwd.path()).await;
    assert!(
        printed.contains("/setup?token="),
        "first run prints the setup link: {printed}"
    );

    let health = reqwest::get(format!("{address}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let pgdata = data.path().join("postgres");
    assert!(pgdata.join("postmaster.pid").exists());
    let socket_dir = std::fs::metadata(data.path().join("run")).unwrap();
    if nix::unistd::geteuid().is_root() {
        // Started as root: PostgreSQL runs as `postgres`, the web server as
        // TRYGG_RUN_AS (here the default, `trygg`, made if missing), whose
        // group alone may reach the socket.
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(&pgdata).unwrap().uid();
        assert_ne!(owner, 0, "PostgreSQL runs as the postgres user, not root");
        let web = nix::unistd::User::from_name("trygg")
            .unwrap()
            .expect("the system user trygg was made");
        assert_ne!(web.uid.as_raw(), 0);
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", child.id().unwrap())).unwrap();
        let ids = |field: &str| -> Vec<u32> {
            let line = status.lines().find(|l| l.starts_with(field)).unwrap();
            line.split_whitespace()
                .skip(1)
                .map(|n| n.parse().unwrap())
                .collect()
        };
        assert_eq!(
            ids("Uid:"),
            vec![web.uid.as_raw(); 4],
            "real, effective, saved, fs"
        );
        assert_eq!(ids("Gid:"), vec![web.gid.as_raw(); 4]);
        assert_eq!(
            ids("Groups:"),
            vec![web.gid.as_raw()],
            "no supplementary group kept"
        );
        assert_eq!(socket_dir.mode() & 0o777, 0o750);
        assert_eq!(socket_dir.gid(), web.gid.as_raw());
        // Neither the web server nor PostgreSQL's user can read or change
        // the database's passwords: they are root's.
        let credentials = std::fs::metadata(data.path().join("credentials")).unwrap();
        assert_eq!(credentials.mode() & 0o777, 0o700);
        assert_eq!(credentials.uid(), 0);
        assert!(
            !data.path().join(".initdb-password").exists(),
            "initdb's copy is gone"
        );
    } else {
        assert_eq!(
            socket_dir.permissions().mode() & 0o777,
            0o700,
            "only the server's user may reach the socket"
        );
    }

    // The CLI, meanwhile, uses the running cluster.
    let mut add = trygg(cwd.path());
    add.env("TRYGG_DATA_DIR", data.path())
        .args(["centre", "add", "--name", "Senteret"]);
    let out = run(add, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    stop_server(child).await;
    assert!(
        !pgdata.join("postmaster.pid").exists(),
        "the cluster stopped with Trygg"
    );

    // A second start reuses the cluster; the migrations have nothing to do.
    let (child, address, _) = start_server(data.path(), cwd.path()).await;
    assert_eq!(
        reqwest::get(format!("{address}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    stop_server(child).await;
    let log = std::fs::read_to_string(data.path().join("postgres.log")).unwrap();
    assert_eq!(log.matches("--- initdb").count(), 1, "initdb ran once");

    let mut list = trygg(cwd.path());
    list.env("TRYGG_DATA_DIR", data.path())
        .args(["centre", "list"]);
    let out = run(list, "").await;
    assert_eq!(
        text(&out.stdout).trim(),
        "Senteret",
        "the data outlived both runs"
    );
}

/// Issue 15: a service whose web server never sees the owner's password
/// runs `trygg migrate` as the owner first; the server alone, with only its
/// own role, refuses a database that needs a migration and says what to run.
#[tokio::test]
async fn the_owner_migrates_and_the_servers_role_alone_refuses_a_pending_migration() {
    let cwd = open_tempdir();
    let options = crate::helpers::empty_database().await;
    let name = options.get_database().unwrap().to_owned();
    let [server_url, owner_url] = crate::helpers::database_env(&name);
    let list = || {
        let mut cmd = trygg(cwd.path());
        cmd.env(server_url.0, &server_url.1)
            .args(["centre", "list"]);
        cmd
    };

    let refused = run(list(), "").await;
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("run `trygg migrate`"), "{stderr}");

    let mut migrate = trygg(cwd.path());
    migrate.envs([server_url.clone(), owner_url]).arg("migrate");
    let out = run(migrate, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("The database is migrated"));

    let listed = run(list(), "").await;
    assert!(listed.status.success(), "{}", text(&listed.stderr));
}

/// Issue 15: a cluster made by an earlier Trygg, with `trust`, gets a
/// password for every role at its next start and asks for them from then
/// on; a cluster that lost its password file says so and starts nothing.
#[tokio::test]
async fn an_earlier_trust_cluster_gets_passwords_and_a_lost_password_file_is_named() {
    let data = open_tempdir();
    let cwd = open_tempdir();
    let cli = |args: &[&str]| {
        let mut cmd = trygg(cwd.path());
        cmd.env("TRYGG_DATA_DIR", data.path()).args(args);
        cmd
    };
    let out = run(cli(&["centre", "add", "--name", "Senteret"]), "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hba = data.path().join("postgres").join("pg_hba.conf");
    let credentials = data.path().join("credentials");
    assert!(
        std::fs::read_to_string(&hba)
            .unwrap()
            .contains("scram-sha-256")
    );

    // As an earlier Trygg left it.
    std::fs::write(&hba, "local all all trust\n").unwrap();
    std::fs::remove_dir_all(&credentials).unwrap();
    let out = run(cli(&["centre", "list"]), "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "Senteret", "the data is kept");
    let now = std::fs::read_to_string(&hba).unwrap();
    assert!(
        now.contains("scram-sha-256") && !now.contains("trust"),
        "{now}"
    );
    for role in ["postgres", "trygg_owner", "trygg"] {
        let password = std::fs::read_to_string(credentials.join(role)).unwrap();
        assert_eq!(password.trim().len(), 64, "{role}");
    }

    std::fs::remove_file(credentials.join("postgres")).unwrap();
    let out = run(cli(&["centre", "list"]), "").await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("password file"),
        "{}",
        text(&out.stderr)
    );
}

/// Issue 15: what would undo the separation is refused, each with the fix:
/// a server role that may create in the schema, a data folder another user
/// could rearrange, and TRYGG_RUN_AS naming PostgreSQL's user.
#[tokio::test]
async fn a_setup_that_would_undo_the_separation_is_refused_with_the_fix() {
    let cwd = open_tempdir();
    let options = crate::helpers::empty_database().await;
    let name = options.get_database().unwrap().to_owned();
    let mut superuser = crate::helpers::superuser_connection(&name).await;
    sqlx::query("GRANT CREATE ON SCHEMA public TO trygg")
        .execute(&mut superuser)
        .await
        .unwrap();
    let mut migrate = trygg(cwd.path());
    migrate
        .envs(crate::helpers::database_env(&name))
        .arg("migrate");
    let out = run(migrate, "").await;
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("may create tables in the schema")
            && stderr.contains("REVOKE CREATE ON SCHEMA public FROM PUBLIC, \"trygg\";"),
        "{stderr}"
    );

    if !nix::unistd::geteuid().is_root() {
        return; // The rest is about starting as root.
    }
    let data = open_tempdir();
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    std::os::unix::fs::chown(data.path(), Some(nobody.uid.as_raw()), None).unwrap();
    let mut list = trygg(cwd.path());
    list.env("TRYGG_DATA_DIR", data.path())
        .args(["centre", "list"]);
    let out = run(list, "").await;
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("must belong to root"), "{stderr}");
    assert!(stderr.contains("chown root:root"), "{stderr}");

    // Nor through a link, which could point anywhere, / included.
    let links = open_tempdir();
    std::os::unix::fs::symlink("/", links.path().join("var")).unwrap();
    let mut list = trygg(cwd.path());
    list.env("TRYGG_DATA_DIR", links.path().join("var"))
        .args(["centre", "list"]);
    let out = run(list, "").await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is a symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert!(!std::path::Path::new("/credentials").exists());

    let mut serve = trygg(cwd.path());
    serve
        .env("TRYGG_DATA_DIR", open_tempdir().path())
        .env("TRYGG_RUN_AS", "postgres")
        .arg("serve");
    let out = run(serve, "").await;
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("TRYGG_RUN_AS=postgres is PostgreSQL's"),
        "{stderr}"
    );
}

/// Issue 15: Trygg changes the owner of its own folders and files only,
/// never through a symbolic link put in their place.
#[tokio::test]
async fn ownership_changes_never_follow_a_symbolic_link() {
    use std::os::unix::fs::MetadataExt;
    let cwd = open_tempdir();
    for planted in ["run", "credentials", "postgres.log"] {
        let data = open_tempdir();
        let victim = open_tempdir();
        let target = victim.path().join("kept");
        if planted.ends_with(".log") {
            std::fs::write(&target, "mine").unwrap();
        } else {
            std::fs::create_dir(&target).unwrap();
        }
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        let before = std::fs::metadata(&target).unwrap();
        std::os::unix::fs::symlink(&target, data.path().join(planted)).unwrap();

        let mut cmd = trygg(cwd.path());
        cmd.env("TRYGG_DATA_DIR", data.path())
            .args(["centre", "list"]);
        let out = run(cmd, "").await;
        assert!(!out.status.success(), "{planted}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("is a symbolic link"), "{planted}: {stderr}");
        let after = std::fs::metadata(&target).unwrap();
        assert_eq!(
            (after.uid(), after.gid(), after.mode()),
            (before.uid(), before.gid(), before.mode()),
            "{planted}: the link's target is untouched"
        );
    }
}

#[tokio::test]
async fn a_data_folder_the_postgres_user_cannot_enter_is_explained() {
    // Like a home folder: mode 0700, owned by us.
    let locked = tempfile::tempdir().unwrap();
    std::fs::set_permissions(locked.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let data = locked.path().join("data");
    let cwd = open_tempdir();
    let mut cmd = trygg(cwd.path());
    cmd.env("TRYGG_DATA_DIR", &data).args(["centre", "list"]);
    let out = run(cmd, "").await;
    if nix::unistd::geteuid().is_root() {
        assert!(
            !out.status.success(),
            "{} {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("cannot be entered by the `postgres` system user"),
            "{stderr}"
        );
        assert!(
            stderr.contains("TRYGG_DATA_DIR="),
            "says how to fix it: {stderr}"
        );
    } else {
        // Run as an ordinary user, PostgreSQL runs as that user and can enter.
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

/// `trygg reviews scan` for cron and systemd users: it raises the flags the
/// seed's cases call for, says how many, and a second run finds nothing new.
#[tokio::test]
async fn reviews_scan_raises_flags_once_and_says_how_many() {
    let app = crate::helpers::spawn_app().await;
    let cwd = open_tempdir();
    let url = crate::helpers::database_env(&app.db_name);
    let mut seed = trygg(cwd.path());
    seed.envs(url.clone()).args(["seed", "--cases", "30"]);
    assert!(run(seed, "").await.status.success());
    let scan = || {
        let mut cmd = trygg(cwd.path());
        cmd.envs(url.clone()).args(["reviews", "scan"]);
        cmd
    };
    let first = run(scan(), "").await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM review_flags WHERE resolved_at IS NULL")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(open > 0);
    assert_eq!(
        text(&first.stdout).trim(),
        format!("Raised {open} flag(s), resolved 0.")
    );
    let second = run(scan(), "").await;
    assert_eq!(text(&second.stdout).trim(), "Raised 0 flag(s), resolved 0.");
    // Without TRYGG_SMTP_URL the digest sends nothing, and says so.
    let mut digest = trygg(cwd.path());
    digest.envs(url.clone()).args(["reviews", "digest"]);
    let out = run(digest, "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "Sent 0 digest(s).");
}
