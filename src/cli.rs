//! The command line: the server, and the few operator tasks that come before
//! anyone can log in. Each uses the same settings and database as the server.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::accounts::{self, CreateError, EmailAddress, NewAccount, Role};
use crate::audit::{AuditKind, Event};
use crate::auth::password;
use crate::config::Config;
use crate::db::Database;

#[derive(Parser)]
#[command(
    name = "trygg",
    version,
    about = "Trygg: threat mapping, safety plans and relocations for crisis centres.",
    after_help = "Settings come from the environment or a .env file; see .env.example.\n\
                  Without DATABASE_URL, Trygg runs its own PostgreSQL under TRYGG_DATA_DIR.\n\
                  On first start with no accounts, the server prints a one-time setup link."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (also what `trygg` alone does).
    Serve,
    /// Run the migrations as the schema's owner (DATABASE_OWNER_URL) and
    /// grant DATABASE_URL's role its rights, then stop; for a service whose
    /// web server never sees the owner's password (docs/deployment.md).
    Migrate,
    /// Add or list crisis centres.
    Centre {
        #[command(subcommand)]
        action: CentreCommand,
    },
    /// Add user accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// The review flags (U4, P10), for cron or systemd users; the server
    /// also scans on its own.
    Reviews {
        #[command(subcommand)]
        action: ReviewsCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Write a consistent backup of the whole database to a new file
    /// (PostgreSQL's custom format; readable by its owner only).
    Backup {
        /// The file to write; it must not exist.
        file: std::path::PathBuf,
    },
    /// Restore a backup into an empty database (a new TRYGG_DATA_DIR, or an
    /// empty DATABASE_URL); refuses one that holds any centre or account.
    Restore { file: std::path::PathBuf },
    /// Fill the database with fictitious cases, for a demo or a benchmark.
    Seed {
        /// Make this many new centres, each with four accounts (the default: 1).
        #[arg(long, conflicts_with = "centre")]
        centres: Option<u32>,
        /// Fill this existing centre instead, with its accounts as contact persons.
        #[arg(long)]
        centre: Option<String>,
        /// Cases per centre.
        #[arg(long, default_value_t = 20)]
        cases: u32,
        /// Seed even though the database holds real cases.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the chain through the audit log; name the first event that
    /// was changed, added or removed afterwards (exit status 1).
    Verify {
        /// A link printed earlier (`seq:hash`), which must still be in the chain.
        #[arg(long)]
        expect: Option<String>,
    },
}

#[derive(Subcommand)]
enum ReviewsCommand {
    /// Raise and resolve the flags now; prints how many.
    Scan,
    /// Send today's digest to every coordinator now, if TRYGG_SMTP_URL is
    /// set and it has not gone out today.
    Digest,
}

#[derive(Subcommand)]
enum CentreCommand {
    /// Add a centre.
    Add {
        /// The centre's name, as staff know it.
        #[arg(long)]
        name: String,
        /// The centre has a shielded (secret) address.
        #[arg(long)]
        shielded_address: bool,
    },
    /// List the centres, one a line, name first.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. The password is read from standard input (one line).
    Add {
        /// The name of the centre the account belongs to.
        #[arg(long)]
        centre: String,
        #[arg(long)]
        email: String,
        /// The user's full name.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Reset an account's two-step sign-in (a lost phone, and no other
    /// administrator at the centre to do it): the user enrols again at the
    /// next login, and is signed out everywhere now.
    ResetSecondFactor {
        #[arg(long)]
        email: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Staff,
    Coordinator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Staff => Role::Staff,
            RoleArg::Coordinator => Role::Coordinator,
            RoleArg::Admin => Role::Admin,
        }
    }
}

pub fn main() -> ExitCode {
    // Not a command for people (see `db::embedded::run_guard`): taken before
    // anything starts a thread, since it changes its user first.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == crate::db::embedded::GUARD_COMMAND)
    {
        let id = |i: usize| args.get(i).and_then(|a| a.to_str()?.parse::<u32>().ok());
        return match (id(2), id(3), args.get(4)) {
            (Some(uid), Some(gid), Some(program)) => {
                crate::db::embedded::run_guard(uid, gid, program, &args[5..])
            }
            _ => {
                eprintln!(
                    "trygg guard-postgres UID GID PROGRAM ARGS… is Trygg's own, not for people"
                );
                ExitCode::FAILURE
            }
        };
    }
    let cli = Cli::parse();
    if let Err(e) = dotenv_if_present() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Read: the owner's password stays in `config` alone, which `serve`
    // clears once it has migrated.
    #[allow(unsafe_code)]
    // SAFETY: no other thread runs yet (the runtime starts below).
    unsafe {
        std::env::remove_var("DATABASE_OWNER_URL");
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log_filter))
        .with_writer(std::io::stderr)
        .init();
    // Every command may hash a password: a broken invariant stops us here.
    if let Err(e) = crate::auth::password::ready() {
        eprintln!("error: cannot hash passwords: {e}");
        return ExitCode::FAILURE;
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => crate::serve(config).await,
            Command::Migrate => {
                let db = Database::open(&config).await?;
                db.close().await;
                println!("The database is migrated.");
                Ok(())
            }
            Command::Centre { action } => with_database(&config, |db| centre(db, action)).await,
            Command::User { action } => with_database(&config, |db| user(db, action)).await,
            Command::Reviews { action } => {
                with_database(&config, |db| reviews(db, &config, action)).await
            }
            Command::Audit {
                action: AuditCommand::Verify { expect },
            } => {
                let db = Database::open_existing(&config).await?;
                let result = audit_verify(&db, expect.as_deref()).await;
                db.close().await;
                result
            }
            Command::Backup { file } => {
                let db = Database::open_existing(&config).await?;
                let result = crate::db::backup::backup(&db, &file).await;
                db.close().await;
                let backup = result?;
                println!(
                    "Wrote {} ({} KiB, {} centre(s)). The audit log's last link: {} (note it \
                     elsewhere; `trygg audit verify --expect` checks it later).",
                    file.display(),
                    backup.bytes / 1024,
                    backup.centres,
                    backup.last_link.as_deref().unwrap_or("(none)")
                );
                Ok(())
            }
            Command::Restore { file } => {
                let db = Database::open_unmigrated(&config).await?;
                let result = crate::db::backup::restore(&db, &file).await;
                db.close().await;
                let restored = result?;
                println!(
                    "Restored {} centre(s), {} account(s) and {} case(s); the audit log's chain \
                     holds. Everyone signs in again.",
                    restored.centres, restored.accounts, restored.cases
                );
                Ok(())
            }
            Command::Seed {
                centres,
                centre,
                cases,
                force,
            } => {
                let options = crate::seed::Options {
                    centres,
                    centre,
                    cases,
                    force,
                };
                let db = Database::open(&config).await?;
                let result = async {
                    print!("{}", crate::seed::run(&db.pool, options).await?);
                    // The planner's statistics at once, not when autovacuum
                    // comes by; only the tables' owner may gather them.
                    let mut owner = db.owner_connection().await?;
                    sqlx::query("ANALYZE").execute(&mut owner).await?;
                    sqlx::Connection::close(owner).await?;
                    Ok(())
                }
                .await;
                db.close().await;
                result
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

async fn audit_verify(db: &Database, expect: Option<&str>) -> CliResult {
    use crate::audit::ChainCheck;
    match crate::audit::verify_chain(&db.pool, expect).await? {
        ChainCheck::Holds { rows, last_link } => {
            println!(
                "The audit log's chain holds: {rows} event(s); the last link is {}.",
                last_link.as_deref().unwrap_or("(none yet)")
            );
            Ok(())
        }
        ChainCheck::BrokenAt { id, seq } => Err(format!(
            "the audit log's chain is broken at event id {id}{}: it was changed, added or \
             removed afterwards, or the one before it was",
            seq.map(|s| format!(" (link {s})")).unwrap_or_default()
        )
        .into()),
        ChainCheck::LinkMissing { expected } => Err(format!(
            "the link {expected} is no longer in the audit log's chain: it was rewritten"
        )
        .into()),
    }
}

/// Loads `.env` from the working folder, if there is one; the environment wins.
fn dotenv_if_present() -> Result<(), String> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(format!("could not read .env: {e}")),
    }
}

async fn with_database<F, Fut>(config: &Config, task: F) -> CliResult
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = CliResult>,
{
    let db = Database::open(config).await?;
    let result = task(db.pool.clone()).await;
    db.close().await;
    result
}

async fn reviews(db: sqlx::PgPool, config: &Config, action: ReviewsCommand) -> CliResult {
    let today = crate::locale::today();
    match action {
        ReviewsCommand::Scan => {
            let scanned = crate::flags::scan(&db, &config.rules, today, None).await?;
            println!(
                "Raised {} flag(s), resolved {}.",
                scanned.raised, scanned.resolved
            );
        }
        ReviewsCommand::Digest => {
            let sent = crate::jobs::digest::send_digests(&db, config, today).await?;
            println!("Sent {sent} digest(s).");
        }
    }
    Ok(())
}

async fn centre(db: sqlx::PgPool, action: CentreCommand) -> CliResult {
    match action {
        CentreCommand::Add {
            name,
            shielded_address,
        } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err("--name must be 1 to 200 characters".into());
            }
            let mut tx = db.begin().await?;
            let centre = match accounts::create_centre(&mut *tx, name, shielded_address).await {
                Ok(c) => c,
                Err(CreateError::Taken) => {
                    return Err(format!("a centre named \"{name}\" exists already").into());
                }
                Err(CreateError::Database(e)) => return Err(e.into()),
            };
            Event::from_cli(AuditKind::CentreCreated, centre.id, None)
                .record(&mut *tx)
                .await?;
            tx.commit().await?;
            println!("Added centre \"{}\".", centre.name);
        }
        CentreCommand::List => {
            for centre in accounts::list_centres(&db).await? {
                let shielded = if centre.has_shielded_address {
                    "\tshielded address"
                } else {
                    ""
                };
                println!("{}{shielded}", centre.name);
            }
        }
    }
    Ok(())
}

async fn user(db: sqlx::PgPool, action: UserCommand) -> CliResult {
    let (centre, email, name, role) = match action {
        UserCommand::Add {
            centre,
            email,
            name,
            role,
        } => (centre, email, name, role),
        UserCommand::ResetSecondFactor { email } => return reset_second_factor(db, &email).await,
    };
    let Some(centre) = accounts::centre_by_name(&db, &centre).await? else {
        return Err(format!(
            "no centre is named \"{centre}\"; `trygg centre list` shows the centres"
        )
        .into());
    };
    let email = EmailAddress::parse(&email).map_err(|_| "--email is not a valid e-mail address")?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err("--name must be 1 to 200 characters".into());
    }
    let password = read_password(&email)?;
    password::check_new(&password, email.as_str())
        .map_err(|message| format!("the password was refused: {message}"))?;
    let hash = password::hash(password).await?;
    let role = Role::from(role);
    let mut tx = db.begin().await?;
    let account = match accounts::create_account(
        &mut *tx,
        NewAccount {
            centre_id: centre.id,
            email: &email,
            full_name: name,
            role,
            password_hash: &hash,
            must_change_password: false,
        },
    )
    .await
    {
        Ok(a) => a,
        Err(CreateError::Taken) => {
            return Err(format!(
                "an account with the e-mail {} exists already",
                email.as_str()
            )
            .into());
        }
        Err(CreateError::Database(e)) => return Err(e.into()),
    };
    let event = Event::from_cli(AuditKind::AccountCreated, centre.id, Some(account.id));
    event.detail(role.code()).record(&mut *tx).await?;
    tx.commit().await?;
    println!(
        "Added {} ({}) to \"{}\" as {}.",
        account.full_name,
        account.email,
        centre.name,
        role.code()
    );
    let staff_too = accounts::staff_second_factor(&db, centre.id).await?;
    if crate::auth::second_factor::required(role, staff_too) {
        println!("They set up two-step sign-in with an authenticator app at their first login.");
    }
    Ok(())
}

async fn reset_second_factor(db: sqlx::PgPool, email: &str) -> CliResult {
    let email = EmailAddress::parse(email).map_err(|_| "--email is not a valid e-mail address")?;
    let Some((account, _)) = accounts::account_for_login(&db, email.as_str()).await? else {
        return Err(format!("no account has the e-mail {}", email.as_str()).into());
    };
    let mut tx = db.begin().await?;
    crate::auth::second_factor::reset(&mut tx, account.id).await?;
    crate::auth::session::end_all_for_account(&mut *tx, account.id, None).await?;
    Event::from_cli(
        AuditKind::SecondFactorReset,
        account.centre_id,
        Some(account.id),
    )
    .record(&mut *tx)
    .await?;
    tx.commit().await?;
    println!(
        "Reset two-step sign-in for {} ({}); they set it up again at their next login.",
        account.full_name, account.email
    );
    Ok(())
}

/// One line from standard input; typed without echo at a terminal.
fn read_password(email: &EmailAddress) -> Result<String, Box<dyn std::error::Error>> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let saved = if terminal {
        eprint!("Password for {} (at least 12 characters): ", email.as_str());
        std::io::stderr().flush()?;
        let saved = nix::sys::termios::tcgetattr(&stdin).ok();
        if let Some(saved) = &saved {
            let mut quiet = saved.clone();
            quiet
                .local_flags
                .remove(nix::sys::termios::LocalFlags::ECHO);
            let _ =
                nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, &quiet);
        }
        saved
    } else {
        None
    };
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(saved) = saved {
        let _ = nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, &saved);
        eprintln!();
    }
    read?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(password)
}
