//! `trygg backup` and `trygg restore`: PostgreSQL's own `pg_dump` (custom
//! format, one consistent snapshot) and `pg_restore`, from the same binaries
//! as the embedded cluster. The connection goes to them in their
//! environment (`PGHOST`, `PGPASSWORD`, …), never on their command line,
//! where anyone on the machine could read it. A backup holds everything
//! Trygg knows: its file is made anew, readable by its owner only, and
//! never replaces another. A restore goes only into a database without
//! tables, and signs everyone out.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use sqlx::Connection as _;

use super::Database;
use super::embedded::find_binaries;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn tool(name: &str) -> Result<PathBuf> {
    let path = find_binaries()?.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{name} is missing beside PostgreSQL's programs: install postgresql").into())
    }
}

/// `pg_dump` or `pg_restore`, connected through its environment.
fn command(db: &Database, name: &str) -> Result<tokio::process::Command> {
    let mut cmd = tokio::process::Command::new(tool(name)?);
    cmd.env_clear()
        .envs(db.libpq_env())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    Ok(cmd)
}

/// What a backup wrote.
pub struct Backup {
    pub bytes: u64,
    pub centres: i64,
    /// The audit log's last link, to note elsewhere.
    pub last_link: Option<String>,
}

/// Writes a consistent dump of the database to `file`, a new file of mode
/// 600. A failed dump leaves nothing behind; a database without a centre
/// is refused (a wrong setting, most likely).
pub async fn backup(db: &Database, file: &Path) -> Result<Backup> {
    let centres: i64 = sqlx::query_scalar("SELECT count(*) FROM centres")
        .fetch_one(&db.pool)
        .await
        .map_err(|e| {
            format!("this is no Trygg database ({e}): check DATABASE_URL or TRYGG_DATA_DIR")
        })?;
    if centres == 0 {
        return Err(
            "the database holds no centre: nothing to back up. Check DATABASE_URL or \
                    TRYGG_DATA_DIR: they must be the server's"
                .into(),
        );
    }
    if file.exists() {
        return Err(format!("{} exists already: choose a new name", file.display()).into());
    }
    let name = file
        .file_name()
        .ok_or("name a file to write")?
        .to_string_lossy()
        .into_owned();
    let partial = file.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    // The file we made is pg_dump's standard output: it never reopens the
    // path, which someone could have swapped meanwhile.
    let status = command(db, "pg_dump")?
        .arg("--format=custom")
        .stdout(out.try_clone()?)
        .status()
        .await;
    let written: Result<()> = match status {
        Ok(s) if s.success() => out.sync_all().map_err(Into::into),
        other => Err(format!("pg_dump failed ({other:?}); see above").into()),
    };
    // In place only if no file of that name appeared meanwhile: a link
    // fails where a rename would replace.
    let placed = written.and_then(|()| {
        fs::hard_link(&partial, file)
            .map_err(|e| format!("cannot write {}: {e}", file.display()).into())
    });
    let _ = fs::remove_file(&partial);
    placed?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
    let last_link = match crate::audit::verify_chain(&db.pool, None).await? {
        crate::audit::ChainCheck::Holds { last_link, .. } => last_link,
        _ => None,
    };
    Ok(Backup {
        bytes: fs::metadata(file)?.len(),
        centres,
        last_link,
    })
}

/// What a restored database holds.
pub struct Restored {
    pub centres: i64,
    pub accounts: i64,
    pub cases: i64,
}

/// Restores `file` into the database, which must have no tables yet (a new
/// `TRYGG_DATA_DIR`, or a new empty database): all of it or nothing. Then
/// migrates it to this version of Trygg, ends every session, and checks the
/// audit log's chain.
pub async fn restore(db: &Database, file: &Path) -> Result<Restored> {
    if !file.is_file() {
        return Err(format!("{} is no file", file.display()).into());
    }
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&db.pool)
            .await?;
    if tables > 0 {
        return Err(format!(
            "the database is not empty ({tables} table(s)): restore only into a new one (a new \\
             TRYGG_DATA_DIR, or a new empty database in DATABASE_URL)"
        )
        .into());
    }
    let status = command(db, "pg_restore")?
        .args([
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
        ])
        // A database name is no secret; the rest is in the environment.
        .arg(format!("--dbname={}", db.database_name()))
        .arg(file)
        .status()
        .await?;
    if !status.success() {
        return Err("pg_restore failed (see above); the database is as it was".into());
    }
    // As the owner, who restored the tables: the server's role has no
    // rights on them until `migrate` grants them.
    let mut owner = db.owner_connection().await?;
    let mut tx = owner.begin().await?;
    for statement in [
        // What --no-acl left out: the audit log stays append-only for us too.
        "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain FROM PUBLIC",
        "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain FROM CURRENT_USER",
        // Sessions and login windows of the moment of the backup are no
        // one's now: everyone signs in again.
        "DELETE FROM sessions",
        "DELETE FROM login_throttle",
    ] {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    owner.close().await?;
    db.migrate().await?;
    match crate::audit::verify_chain(&db.pool, None).await? {
        crate::audit::ChainCheck::Holds { .. } => {}
        broken => {
            return Err(
                format!("restored, but the audit log's chain is broken: {broken:?}").into(),
            );
        }
    }
    let (centres, accounts, cases): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM centres), (SELECT count(*) FROM accounts),
                (SELECT count(*) FROM cases)",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(Restored {
        centres,
        accounts,
        cases,
    })
}
