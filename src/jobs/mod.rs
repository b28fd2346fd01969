//! Scheduled work, run in the server process. Every task is safe to run in
//! several Trygg processes at once.

pub mod digest;

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;

const PURGE_EVERY: Duration = Duration::from_secs(5 * 60);
/// The compliance figures take a few seconds for a large centre: kept, and
/// computed again this often.
const COMPLIANCE_FIGURES_EVERY: Duration = Duration::from_secs(15 * 60);

/// The purge, the review scan (at start, then every
/// `TRYGG_REVIEW_SCAN_INTERVAL`), the compliance figures and the daily
/// digest, until `shutdown`.
pub fn spawn(db: PgPool, config: Config, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut purge = tokio::time::interval(PURGE_EVERY);
        let mut scan = tokio::time::interval(config.rules.scan_interval);
        // A scan that overran its interval is not run again at once.
        scan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut digest = tokio::time::interval(digest::CHECK_EVERY);
        let mut figures = tokio::time::interval(COMPLIANCE_FIGURES_EVERY);
        figures.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = purge.tick() => {
                    if let Err(e) = purge_expired(&db).await {
                        tracing::warn!(error = %e, "purging expired sessions failed");
                    }
                }
                _ = scan.tick() => {
                    let today = crate::locale::today();
                    match crate::flags::scan(&db, &config.rules, today, None).await {
                        Ok(s) => tracing::info!(raised = s.raised, resolved = s.resolved, "review scan"),
                        Err(e) => tracing::warn!(error = %e, "the review scan failed"),
                    }
                }
                _ = figures.tick() => {
                    let today = crate::locale::today();
                    // Centre by centre, and not past a shutdown.
                    let go_on = || !*shutdown.borrow();
                    if let Err(e) = crate::compliance::refresh_all(&db, today, go_on).await {
                        tracing::warn!(error = %e, "refreshing the compliance figures failed");
                    }
                }
                _ = digest.tick() => {
                    if let Err(e) = digest::send_if_due(&db, &config).await {
                        tracing::warn!(error = %e, "the daily digest failed");
                    }
                }
                _ = shutdown.changed() => break,
            }
        }
    })
}

/// Deletes what has run out: sessions a day after they expired (until then a
/// form posted from one can still be kept), and throttle windows that have ended.
pub async fn purge_expired(db: &PgPool) -> sqlx::Result<u64> {
    use crate::auth::session::{ABSOLUTE_TIMEOUT_SECS, IDLE_TIMEOUT_SECS};
    const GRACE_SECS: f64 = 24.0 * 60.0 * 60.0;
    let sessions = sqlx::query(
        "DELETE FROM sessions
         WHERE last_seen_at < now() - make_interval(secs => $1)
            OR created_at < now() - make_interval(secs => $2)",
    )
    .bind(IDLE_TIMEOUT_SECS + GRACE_SECS)
    .bind(ABSOLUTE_TIMEOUT_SECS + GRACE_SECS)
    .execute(db)
    .await?
    .rows_affected();
    crate::auth::throttle::purge(db).await?;
    Ok(sessions)
}
