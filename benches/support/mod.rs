//! What the benchmarks share: a throwaway database, Trygg served in the
//! benchmark's own process, reading cookies and CSRF tokens as a browser
//! would, and milliseconds.

// Each benchmark is its own crate and uses its part of this.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use sqlx::PgPool;
use trygg::db::embedded::EmbeddedCluster;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A throwaway PostgreSQL in a new folder, migrated by the owner, and a pool
/// as the server's role, of a server's size. Keep the folder until the end.
pub async fn throwaway_database() -> Result<(tempfile::TempDir, EmbeddedCluster, PgPool), Error> {
    let dir = tempfile::tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    let cluster = EmbeddedCluster::start_throwaway(dir.path()).await?;
    trygg::db::prepare(&cluster.owner_options(), trygg::db::embedded::APP_ROLE).await?;
    let db = trygg::db::pool_options(10)
        .connect_with(cluster.app_options())
        .await?;
    Ok((dir, cluster, db))
}

/// Trygg on `db`, served in this process as in production; its address.
pub async fn serve_trygg(db: &PgPool) -> Result<String, Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = trygg::router(trygg::AppState::new(db.clone()).await?);
    tokio::spawn(trygg::http::server::serve(
        listener,
        app,
        trygg::http::server::Limits::default(),
        std::future::pending(),
    ));
    Ok(base)
}

/// The value of cookie `name` in a response's `Set-Cookie` headers.
pub fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// The first CSRF token in a page's forms.
pub fn csrf_of(page: &str) -> Option<String> {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
