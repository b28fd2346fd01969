//! What the benchmarks share: a throwaway database, Trygg served in the
//! benchmark's own process, reading cookies and CSRF tokens as a browser
//! would, and milliseconds.

// Each benchmark is its own crate and uses its part of this.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use trygg::db::embedded::EmbeddedCluster;
use uuid::Uuid;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A throwaway PostgreSQL in a new folder, migrated by the owner, and a pool
/// as the server's role, of a server's size. Keep the folder until the end.
pub async fn throwaway_database() -> Result<(tempfile::TempDir, EmbeddedCluster, PgPool), Error> {
    let dir = tempfile::tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    let cluster = EmbeddedCluster::start_throwaway(dir.path()).await?;
    trygg::db::prepare(&cluster.owner_options(), trygg::db::embedded::APP_ROLE).await?;
    let db = trygg::db::connect_server_pool(cluster.app_options(), 10).await?;
    Ok((dir, cluster, db))
}

/// Seeds, with `trygg seed`'s code, a centre of 100 cases and one of
/// 100 000, and analyses the tables (as their owner: the server's role may
/// not, and PostgreSQL then skips them with a mere warning): each centre's
/// size and id, small first.
pub async fn seed_small_and_big(
    cluster: &EmbeddedCluster,
    db: &PgPool,
) -> Result<Vec<(u32, Uuid)>, Error> {
    let mut centres = Vec::new();
    for cases in [100, 100_000] {
        let started = Instant::now();
        let options = trygg::seed::Options {
            centres: Some(1),
            centre: None,
            cases,
            force: false,
        };
        trygg::seed::run(db, options)
            .await
            .map_err(|e| e.to_string())?;
        let id: Uuid =
            sqlx::query_scalar("SELECT id FROM centres ORDER BY created_at DESC LIMIT 1")
                .fetch_one(db)
                .await?;
        println!(
            "seeded {cases:>7} cases in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        centres.push((cases, id));
    }
    use sqlx::ConnectOptions as _;
    let mut owner = cluster.owner_options().connect().await?;
    sqlx::query("ANALYZE").execute(&mut owner).await?;
    sqlx::Connection::close(owner).await?;
    Ok(centres)
}

/// The case after which page `page` (from 1) of the centre's case list
/// starts, newest first; nil when the list is shorter.
pub async fn case_before_page(db: &PgPool, centre: Uuid, page: i64) -> Result<Uuid, Error> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM cases WHERE centre_id = $1
         ORDER BY arrival_date DESC, id DESC OFFSET $2 LIMIT 1",
    )
    .bind(centre)
    .bind((page - 1) * trygg::cases::PAGE_SIZE - 1)
    .fetch_optional(db)
    .await?
    .unwrap_or_default())
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
