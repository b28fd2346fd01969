//! `trygg backup` and `trygg restore`: PostgreSQL's own `pg_dump` (custom
//! format, one consistent snapshot) and `pg_restore`, from the same binaries
//! as the embedded cluster. A backup holds everything Trygg knows, so its
//! file is made readable by its owner only. A restore goes only into a
//! database with no centre and no account: it never mixes two.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

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

/// What a restored database holds.
pub struct Restored {
    pub centres: i64,
    pub accounts: i64,
    pub cases: i64,
}

/// Writes a consistent dump of the database to `file` (made anew, mode
/// 600); returns its size. A failed dump leaves no file behind.
pub async fn backup(db: &Database, file: &Path) -> Result<u64> {
    if file.exists() {
        return Err(format!("{} exists already: choose a new name", file.display()).into());
    }
    let partial = file.with_extension("partial");
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let status = tokio::process::Command::new(tool("pg_dump")?)
        .args(["--format=custom", "--no-password", "--file"])
        .arg(&partial)
        .arg("--dbname")
        .arg(db.conninfo())
        .status()
        .await;
    match status {
        Ok(s) if s.success() => {}
        other => {
            let _ = fs::remove_file(&partial);
            return Err(format!("pg_dump failed ({other:?}); see above").into());
        }
    }
    fs::rename(&partial, file)?;
    Ok(fs::metadata(file)?.len())
}

/// Restores `file` into the database, which must hold no centre and no
/// account; all of it or nothing (one transaction).
pub async fn restore(db: &Database, file: &Path) -> Result<Restored> {
    if !file.is_file() {
        return Err(format!("{} is no file", file.display()).into());
    }
    let (centres, accounts): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM centres), (SELECT count(*) FROM accounts)")
            .fetch_one(&db.pool)
            .await?;
    if centres + accounts > 0 {
        return Err(format!(
            "the database is not empty ({centres} centre(s), {accounts} account(s)): restore only \
             into a new one (a new TRYGG_DATA_DIR, or an empty DATABASE_URL)"
        )
        .into());
    }
    // The pool's idle connections hold no locks; the restore replaces the
    // (empty) tables the migrations made with the backup's.
    let status = tokio::process::Command::new(tool("pg_restore")?)
        .args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "--dbname",
        ])
        .arg(db.conninfo())
        .arg(file)
        .status()
        .await?;
    if !status.success() {
        return Err("pg_restore failed (see above); the database is as it was".into());
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
