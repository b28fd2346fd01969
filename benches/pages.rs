//! Every page beside a bare axum page, in the same run (issue 16):
//! `cargo bench --bench pages`.
//!
//! Starts its own throwaway PostgreSQL, seeds a centre of 100 cases and one
//! of 100 000 with `trygg seed`'s code, and serves, in this process, Trygg as
//! in production and a bare axum + sqlx + askama handler that reads and
//! renders the same 50 case rows (no session, no audit). One load generator
//! drives each page for a few seconds over 32 connections and prints
//! requests per second and p50/p99 beside the bare page's, and each page's
//! cost at 100 cases beside its cost at 100 000.
//!
//! The load generator is written here, on reqwest (forty lines): oha and
//! goose take minutes to build and wrk is not on a fresh machine, and the
//! same client driving both servers is what keeps their ratio honest. On a
//! shared machine compare ratios, not absolute figures.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use sqlx::PgPool;
use support::{
    Error, case_before_page, csrf_of, ms, seed_small_and_big, serve_trygg, throwaway_database,
};
use trygg::auth::session::{Origin, SessionState, Stage};
use uuid::Uuid;

const CONNECTIONS: usize = 32;
const SECONDS_PER_PAGE: f64 = 3.0;

/// A centre as the benchmark uses it.
struct Centre {
    staff_cookie: String,
    coordinator_cookie: String,
    csrf: String,
    case: Uuid,
    child: Uuid,
    search: String,
    /// The case after which page 20 of the list starts.
    page_20_after: Uuid,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (_dir, cluster, db) = throwaway_database().await?;

    let centres = seed_small_and_big(&cluster, &db).await?;
    // As the server's scheduled work does at its start.
    trygg::compliance::refresh_all(&db, trygg::locale::today(), || true).await?;

    let trygg_base = serve_trygg(&db).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_base = format!("http://{}", listener.local_addr()?);
    let big_centre = centres[1].1;
    let bare = axum::Router::new()
        .route("/cases", axum::routing::get(bare_case_list))
        .with_state((db.clone(), big_centre));
    tokio::spawn(async move { axum::serve(listener, bare).await });

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CONNECTIONS)
        .build()?;
    let mut prepared = Vec::new();
    for (_, id) in centres {
        prepared.push(prepare_centre(&db, &client, &trygg_base, id).await?);
    }
    let rss_start = rss_kib()?;

    let bare_load = drive(&client, &Request::get(&bare_base, "/cases", "")).await?;
    println!(
        "\nbare axum: the same 50 case rows, read and rendered: {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms\n",
        bare_load.rps,
        ms(bare_load.p50),
        ms(bare_load.p99)
    );
    println!(
        "{:<28}{:>22}{:>26}{:>14}{:>12}{:>12}",
        "page", "100 cases", "100 000 cases", "rps vs bare", "p99 vs bare", "100k/100"
    );
    println!(
        "{:<28}{:>22}{:>26}",
        "", "rps    p50    p99", "rps    p50    p99"
    );
    let mut misses = Vec::new();
    for page in pages(&prepared[0]).iter().map(|(name, _)| *name) {
        let mut loads = Vec::new();
        for centre in &prepared {
            let request = pages(centre)
                .into_iter()
                .find(|(name, _)| *name == page)
                .map(|(_, request)| request.at(&trygg_base))
                .ok_or("no such page")?;
            loads.push(drive(&client, &request).await?);
        }
        let (small, big) = (&loads[0], &loads[1]);
        let rps_ratio = big.rps / bare_load.rps;
        let p99_ratio = big.p99.as_secs_f64() / bare_load.p99.as_secs_f64();
        let growth = big.p50.as_secs_f64() / small.p50.as_secs_f64();
        println!(
            "{page:<28}{:>7.0} {:>6.1} {:>6.1}{:>11.0} {:>6.1} {:>6.1}{:>13.2}×{:>11.2}×{:>11.2}×",
            small.rps,
            ms(small.p50),
            ms(small.p99),
            big.rps,
            ms(big.p50),
            ms(big.p99),
            rps_ratio,
            p99_ratio,
            growth
        );
        if small.failed + big.failed > 0 {
            println!(
                "{:<28}not 200: {} at 100 cases, {} at 100 000",
                "", small.failed, big.failed
            );
        }
        if rps_ratio < 0.6 || p99_ratio > 2.0 || growth > 1.5 {
            misses.push(page);
        }
    }
    println!(
        "\ngoals: ≥ 0.6× the bare page's requests/s, p99 ≤ 2× its p99, 100 000 cases ≤ 1.5× 100 cases"
    );
    println!(
        "met by {} of {} pages; missed by: {}",
        pages(&prepared[0]).len() - misses.len(),
        pages(&prepared[0]).len(),
        if misses.is_empty() {
            "none".to_owned()
        } else {
            misses.join(", ")
        }
    );
    let rss_first = rss_kib()?;
    // The same load again: memory that grows from one run to the next
    // would be a leak (a cache without bounds, say).
    for (_, request) in pages(&prepared[1]) {
        drive(&client, &request.at(&trygg_base)).await?;
    }
    println!(
        "this process's RSS (servers and load generator): {} MiB after start, {} MiB after the \
         run, {} MiB after running every page at 100 000 cases once more",
        rss_start / 1024,
        rss_first / 1024,
        rss_kib()? / 1024
    );
    cluster.stop().await;
    Ok(())
}

/// Sessions for a staff member and a coordinator (signing in is not what is
/// measured), a CSRF token, and a case with a child who has a mapping and a
/// plan.
async fn prepare_centre(
    db: &PgPool,
    client: &reqwest::Client,
    base: &str,
    id: Uuid,
) -> Result<Centre, Error> {
    let cookie_of = async |role: &str| -> Result<String, Error> {
        let account: Uuid = sqlx::query_scalar(
            "SELECT id FROM accounts WHERE centre_id = $1 AND role = $2 ORDER BY email LIMIT 1",
        )
        .bind(id)
        .bind(role)
        .fetch_one(db)
        .await?;
        let mut conn = db.acquire().await?;
        let (token, _) = trygg::auth::session::start_for_account(
            &mut conn,
            &SessionState::Missing,
            account,
            Stage::SignedIn,
            &Origin::default(),
        )
        .await?;
        Ok(format!("{}={token}", trygg::auth::session::COOKIE_NAME))
    };
    let staff_cookie = cookie_of("staff").await?;
    let coordinator_cookie = cookie_of("coordinator").await?;
    let home = client
        .get(format!("{base}/"))
        .header("cookie", &staff_cookie)
        .send()
        .await?
        .text()
        .await?;
    let csrf = csrf_of(&home).ok_or("no CSRF token on the dashboard")?;
    let (case, child, search): (Uuid, Uuid, String) = sqlx::query_as(trygg::seed::SAMPLE_CHILD)
        .bind(id)
        .fetch_one(db)
        .await?;
    let page_20_after = case_before_page(db, id, 20).await?;
    Ok(Centre {
        page_20_after,
        staff_cookie,
        coordinator_cookie,
        csrf,
        case,
        child,
        search,
    })
}

/// The measured pages of a centre, each as its user asks for it.
fn pages(c: &Centre) -> Vec<(&'static str, Request)> {
    let staff = |path: String| Request::get("", &path, &c.staff_cookie);
    let person = format!("/cases/{}/people/{}", c.case, c.child);
    vec![
        ("dashboard", staff("/".into())),
        ("case list", staff("/cases".into())),
        ("case list, open", staff("/cases?state=open".into())),
        (
            "case list, page 20",
            list_form(c, &format!("after={}&page=20", c.page_20_after)),
        ),
        (
            "case list, name search",
            list_form(c, &format!("name={}", urlencode(&c.search))),
        ),
        ("case page", staff(format!("/cases/{}", c.case))),
        ("mapping", staff(format!("{person}/mapping"))),
        ("plan", staff(format!("{person}/plan"))),
        (
            "/reviews",
            Request::get("", "/reviews", &c.coordinator_cookie),
        ),
        (
            "/compliance",
            Request::get("", "/compliance", &c.coordinator_cookie),
        ),
    ]
}

/// The list's form, posted with `fields` (a name search, a page turned).
fn list_form(c: &Centre, fields: &str) -> Request {
    Request {
        base: String::new(),
        path: "/cases".into(),
        cookie: c.staff_cookie.clone(),
        body: Some(format!("csrf_token={}&{fields}", c.csrf)),
    }
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .unwrap_or_default()
        .trim_start_matches('=')
        .to_owned()
}

#[derive(Clone)]
struct Request {
    base: String,
    path: String,
    cookie: String,
    /// A form to post, or a GET.
    body: Option<String>,
}

impl Request {
    fn get(base: &str, path: &str, cookie: &str) -> Self {
        Request {
            base: base.to_owned(),
            path: path.to_owned(),
            cookie: cookie.to_owned(),
            body: None,
        }
    }

    fn at(mut self, base: &str) -> Self {
        self.base = base.to_owned();
        self
    }
}

struct Load {
    rps: f64,
    p50: Duration,
    p99: Duration,
    /// Answers other than 200 (a 503 when the pool was exhausted, say).
    failed: usize,
}

/// `CONNECTIONS` clients asking as fast as answered for `SECONDS_PER_PAGE`.
/// Only 200s count as served; other answers are counted apart.
async fn drive(client: &reqwest::Client, request: &Request) -> Result<Load, Error> {
    let request = Arc::new(request.clone());
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(SECONDS_PER_PAGE);
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, request) = (client.clone(), request.clone());
        workers.push(tokio::spawn(async move {
            let (mut times, mut failed) = (Vec::new(), 0);
            while Instant::now() < until {
                let asked = Instant::now();
                let url = format!("{}{}", request.base, request.path);
                let builder = match &request.body {
                    Some(body) => client
                        .post(url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body.clone()),
                    None => client.get(url),
                };
                let answer = builder.header("cookie", &request.cookie).send().await?;
                let status = answer.status();
                answer.bytes().await?;
                if status == 200 {
                    times.push(asked.elapsed());
                } else {
                    failed += 1;
                }
            }
            Ok::<_, Error>((times, failed))
        }));
    }
    let (mut times, mut failed) = (Vec::new(), 0);
    for worker in workers {
        let (served, refused) = worker.await??;
        times.extend(served);
        failed += refused;
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or(Duration::MAX)
    };
    Ok(Load {
        rps: times.len() as f64 / elapsed,
        p50: at(0.5),
        p99: at(0.99),
        failed,
    })
}

#[derive(Template)]
#[template(
    source = "<table>{% for (id, arrival, contact) in rows %}<tr><td>{{ id }}</td><td>{{ arrival }}</td><td>{{ contact }}</td></tr>{% endfor %}</table>",
    ext = "html"
)]
struct BareList {
    rows: Vec<(Uuid, time::Date, String)>,
}

/// The baseline: the case list's first page of the big centre, read and
/// rendered, nothing else.
async fn bare_case_list(
    State((db, centre)): State<(PgPool, Uuid)>,
) -> Result<Html<String>, String> {
    let rows: Vec<(Uuid, time::Date, Option<String>)> = sqlx::query_as(
        "SELECT c.id, c.arrival_date, a.full_name
         FROM cases c LEFT JOIN accounts a ON a.id = c.contact_person_id
         WHERE c.centre_id = $1 ORDER BY c.arrival_date DESC, c.id DESC LIMIT 50",
    )
    .bind(centre)
    .fetch_all(&db)
    .await
    .map_err(|e| e.to_string())?;
    let page = BareList {
        rows: rows
            .into_iter()
            .map(|(id, arrival, contact)| (id, arrival, contact.unwrap_or_default()))
            .collect(),
    };
    page.render().map(Html).map_err(|e| e.to_string())
}

fn rss_kib() -> Result<u64, Error> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("no number")?.parse()?)
}
