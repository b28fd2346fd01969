//! Trygg: threat mapping (§ 4 a), safety plans (§ 4 b) and relocations
//! (§ 4 c) for the staff of Norwegian crisis centres.
//!
//! `router` builds the whole web application from its state; `serve` runs it
//! with its database and scheduled jobs. `main.rs` only parses the command line.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod cli;
pub mod codes;
pub mod compliance;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod flags;
pub mod forms;
pub mod http;
pub mod incidents;
pub mod jobs;
pub mod locale;
pub mod mapping;
pub mod perpetrators;
pub mod plans;
pub mod privileges;
pub mod relocation;
pub mod seed;
pub mod setup;
pub mod versioned;

use std::net::Ipv4Addr;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request};
use axum::middleware::{from_fn, from_fn_with_state, map_request};
use axum::routing::get;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use auth::{Permission, csrf, guard, session};
use config::Config;
use db::Database;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    /// Where pages write their read events (in batches, see `ReadLog`).
    pub reads: audit::ReadLog,
    /// When the review scan flags what; a change to a case re-scans it.
    pub rules: flags::Rules,
    /// What Trygg signs and hashes with (see `auth::keys`).
    pub keys: auth::keys::Keys,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: http::client_ip::TrustedProxies,
    /// Whether responses carry HSTS (Trygg is reached over HTTPS).
    pub hsts: bool,
    /// Whether each response says how many SQL statements it took
    /// (`db::statements`; the tests and the benchmark, never production).
    pub count_statements: bool,
}

impl AppState {
    /// With the database's keys and default settings (the tests' state).
    pub async fn new(db: PgPool) -> sqlx::Result<Self> {
        let keys = auth::keys::Keys::load(&db).await?;
        Ok(AppState {
            reads: audit::ReadLog::start(&db),
            db,
            rules: flags::Rules::default(),
            keys,
            proxies: http::client_ip::TrustedProxies::default(),
            hsts: false,
            count_statements: false,
        })
    }

    /// With the settings of `config`.
    pub async fn from_config(db: PgPool, config: &Config) -> sqlx::Result<Self> {
        Ok(AppState {
            rules: config.rules,
            proxies: config.trusted_proxies.clone(),
            hsts: config.https(),
            ..AppState::new(db).await?
        })
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application. Routes are public, signed-in, or for one role; a
/// route added to the signed-in part cannot be reached without signing in.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .merge(auth::routes::public_routes())
        .merge(setup::routes());

    let signed_in = Router::new()
        .route("/", get(dashboard::view_dashboard_get))
        .merge(auth::routes::signed_in_routes())
        .merge(cases::routes::routes())
        .merge(mapping::routes::routes())
        .merge(plans::routes::routes())
        .merge(relocation::routes::routes())
        .merge(incidents::routes::routes())
        .merge(perpetrators::routes::routes())
        .merge(relocation::incoming::routes())
        .merge(
            plans::reviews::routes()
                .route_layer(from_fn_with_state(Permission::DecidePlans, guard::require)),
        )
        .merge(admin::routes())
        .merge(compliance::routes().route_layer(from_fn_with_state(
            Permission::ReadCompliance,
            guard::require,
        )))
        // Inside `require_signed_in`: it runs for a signed-in user.
        .route_layer(from_fn_with_state(state.clone(), cases::restriction::guard))
        .route_layer(from_fn(guard::require_signed_in));

    let pages = Router::new()
        .merge(public)
        .merge(signed_in)
        .fallback(|| async { error::AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), csrf::verify_csrf))
        .layer(from_fn_with_state(state.clone(), session::load_session))
        .layer(from_fn(http::form_body::buffer_form_body))
        .layer(from_fn(http::error_pages::render_error_pages));

    let pages = if state.count_statements {
        pages.layer(from_fn(db::statements::count_per_request))
    } else {
        pages
    };

    // Outside the session layer: no database work for files and health checks.
    Router::new()
        .route("/healthz", get(http::healthz))
        .route("/static/{name}", get(http::assets::serve_asset))
        .route("/favicon.ico", get(http::assets::favicon))
        .merge(pages)
        .layer(from_fn_with_state(
            state.hsts,
            http::headers::security_headers,
        ))
        // A body must arrive within this; headers have their own timeout
        // (`http::server`).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            Duration::from_secs(30),
        ))
        .layer(from_fn_with_state(
            state.proxies.clone(),
            http::client_ip::resolve,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Logs name the route, never the path or query: those can hold ids
        // and search words.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("(unmatched)", |p| p.as_str());
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), route, id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // Our own id for every request: one sent by the client would
        // otherwise be kept, and land in our logs and on error pages.
        .layer(map_request(
            |mut req: Request<axum::body::Body>| async move {
                req.headers_mut().remove(REQUEST_ID);
                req
            },
        ))
        .with_state(state)
}

/// Runs the server until Ctrl-C or SIGTERM; requests in flight finish, then
/// the jobs stop, then the database (the embedded cluster too).
///
/// Started as root, it prepares the database and the listening socket, then
/// becomes `TRYGG_RUN_AS` before it answers anyone.
pub async fn serve(mut config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let shutdown =
        shutdown_signal().map_err(|e| format!("could not listen for Ctrl-C and SIGTERM: {e}"))?;
    let server_user = privileges::server_user(&config)?;
    let mut db = Database::open(&config).await?;
    // Migrated: the web server keeps no password but its own role's.
    config.database_owner_url = None;
    let setup_token = setup::issue_token_if_needed(&db.pool).await?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("could not listen on TRYGG_ADDR={}: {e}", config.addr))?;
    db.forget_owner();
    match &server_user {
        Some(user) => {
            privileges::become_user(user)?;
            // A new connection, as the pool will make: can this user reach
            // the database (a Unix socket only root could enter, say)?
            use sqlx::Connection as _;
            sqlx::PgConnection::connect_with(&db.pool.connect_options())
                .await
                .map_err(|e| {
                    format!(
                        "as TRYGG_RUN_AS={}, Trygg cannot reach the database: {e}\n  Let that \
                         user reach DATABASE_URL (its socket folder, say), or name another user",
                        user.name
                    )
                })?
                .close()
                .await?;
            tracing::info!(user = %user.name, "the web server runs as an unprivileged user");
        }
        None if std::env::var_os("TRYGG_RUN_AS").is_some() => {
            tracing::info!("TRYGG_RUN_AS applies only when Trygg starts as root");
        }
        None => {}
    }
    let mut addr = listener.local_addr()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(Ipv4Addr::LOCALHOST.into());
    }
    println!("Trygg is running at http://{addr}/  (Ctrl-C stops it)");
    if let Some(token) = setup_token {
        println!(
            "\nNo account exists yet. Open this one-time link to create the first centre and its \
             administrator:\n\n    http://{addr}/setup?token={token}\n\n(It works once. Restart \
             Trygg for a new one.)"
        );
    }

    let (stop_jobs, jobs_stopped) = watch::channel(false);
    let jobs = jobs::spawn(db.pool.clone(), config.clone(), jobs_stopped);
    let app = router(AppState::from_config(db.pool.clone(), &config).await?);
    http::server::serve(listener, app, http::server::Limits::default(), shutdown).await;

    tracing::info!("stopping");
    let _ = stop_jobs.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), jobs).await;
    db.close().await;
    Ok(())
}

/// Ctrl-C or SIGTERM, listened for from the moment this is called: a signal
/// sent as soon as Trygg says it runs must not find the default action.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    })
}
