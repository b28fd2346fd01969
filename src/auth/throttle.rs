//! After 5 failed logins for one e-mail within 15 minutes, logins for it are
//! refused for 15 minutes, the right password too. Counted by the e-mail
//! tried, so unknown e-mails lock the same way and reveal nothing.

use sqlx::{PgConnection, PgExecutor, PgPool};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_SECS: f64 = 15.0 * 60.0;
pub const LOCK_SECS: f64 = 15.0 * 60.0;

pub async fn is_locked(db: &PgPool, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM login_lockouts WHERE email = $1 AND until > now())",
    )
    .bind(email)
    .fetch_one(db)
    .await
}

/// Counts a failure; returns true when it locked the e-mail.
pub async fn record_failure(tx: &mut PgConnection, email: &str) -> sqlx::Result<bool> {
    sqlx::query("INSERT INTO login_failures (email) VALUES ($1)")
        .bind(email)
        .execute(&mut *tx)
        .await?;
    let recent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM login_failures
         WHERE email = $1 AND at > now() - make_interval(secs => $2)",
    )
    .bind(email)
    .bind(WINDOW_SECS)
    .fetch_one(&mut *tx)
    .await?;
    let locked = recent >= MAX_FAILURES;
    if locked {
        sqlx::query(
            "INSERT INTO login_lockouts (email, until) VALUES ($1, now() + make_interval(secs => $2))
             ON CONFLICT (email) DO UPDATE SET until = EXCLUDED.until",
        )
        .bind(email)
        .bind(LOCK_SECS)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM login_failures WHERE email = $1")
            .bind(email)
            .execute(&mut *tx)
            .await?;
    }
    Ok(locked)
}

pub async fn clear(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}
