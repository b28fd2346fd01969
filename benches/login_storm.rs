//! A login storm against the real server: `cargo bench --bench login_storm`.
//!
//! Starts its own throwaway PostgreSQL and `trygg serve`, then, in waves,
//! sends 200 concurrent logins (each from its own address, through a trusted
//! proxy, so the per-address limit does not simply refuse them) while one
//! signed-in user keeps loading the case list. It reports the server's peak
//! memory (VmHWM) and the page's p99 during the storm against its idle p99
//! in the same run: ratios hold on a shared machine, absolute times do not.
//! Goals (issue 14): peak RSS under 200 MiB, storm p99 at most 3× idle p99.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};
use trygg::accounts::{self, EmailAddress, NewAccount, Role};
use trygg::db::embedded::{APP_DATABASE, APP_ROLE};

mod support;

use support::{Error, cookie, csrf_of, ms, throwaway_database};

const LOGINS: usize = 200;
const WAVES: usize = 3;
const IDLE_REQUESTS: usize = 300;
const PASSWORD: &str = "en lang og trygg setning for storm";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (_dir, cluster, db) = throwaway_database().await?;
    // Run as root, the server becomes `trygg` (TRYGG_RUN_AS), which must
    // reach this throwaway cluster's socket too.
    std::fs::set_permissions(
        cluster.root().join("run"),
        std::fs::Permissions::from_mode(0o755),
    )?;
    let accounts = seed(&db).await?;
    let url = cluster.url(APP_ROLE, APP_DATABASE);

    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_trygg"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env(
            "DATABASE_OWNER_URL",
            cluster.url(trygg::db::embedded::OWNER_ROLE, APP_DATABASE),
        )
        .env("TRYGG_ADDR", "127.0.0.1:0")
        .env("TRYGG_TRUSTED_PROXIES", "127.0.0.1")
        .env("TRYGG_LOG", "error")
        .env(
            "MALLOC_ARENA_MAX",
            std::env::var("MALLOC_ARENA_MAX").unwrap_or_default(),
        )
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = server.id().ok_or("the server has no pid")?;
    let mut lines = BufReader::new(server.stdout.take().ok_or("no stdout")?).lines();
    let base = loop {
        let line = lines.next_line().await?.ok_or("the server stopped")?;
        if let Some(rest) = line.split("running at ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()?;

    let reader = sign_in(&client, &base, &accounts[0], "198.51.100.1").await?;
    let idle = page_times(&client, &base, &reader, IDLE_REQUESTS, None).await?;
    let rss_idle = peak_rss_kib(pid)?;

    let mut storm_times = Vec::new();
    let mut answers = std::collections::BTreeMap::<u16, usize>::new();
    for wave in 0..WAVES {
        let mut logins = Vec::new();
        for (n, email) in accounts.iter().skip(1).take(LOGINS).enumerate() {
            let (client, base, email) = (client.clone(), base.clone(), email.clone());
            let address = format!("10.{wave}.{}.{}", n / 250, n % 250 + 1);
            logins.push(tokio::spawn(async move {
                login_status(&client, &base, &email, &address).await
            }));
        }
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pages = {
            let (client, base, reader, done) =
                (client.clone(), base.clone(), reader.clone(), done.clone());
            tokio::spawn(async move {
                page_times(&client, &base, &reader, usize::MAX, Some(done)).await
            })
        };
        for login in logins {
            *answers.entry(login.await??).or_default() += 1;
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        storm_times.extend(pages.await??);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_default()
                .to_owned()
        };
        println!(
            "after wave {wave}: {} {} {}",
            field("VmRSS"),
            field("VmHWM"),
            field("Threads")
        );
        // Let the sessions of this wave be, and the next wave start cold.
        sqlx::query(
            "DELETE FROM sessions WHERE account_id <> (SELECT id FROM accounts WHERE email = $1)",
        )
        .bind(&accounts[0])
        .execute(&db)
        .await?;
    }
    let rss_peak = peak_rss_kib(pid)?;
    server.kill().await?;

    let (idle_p99, storm_p99) = (p99(&idle), p99(&storm_times));
    println!("logins: {WAVES} waves of {LOGINS} at once; answers by status: {answers:?}");
    println!(
        "case list p99: idle {:.1} ms ({} requests), during the storm {:.1} ms ({} requests): {:.2}×",
        ms(idle_p99),
        idle.len(),
        ms(storm_p99),
        storm_times.len(),
        storm_p99.as_secs_f64() / idle_p99.as_secs_f64()
    );
    println!(
        "server peak RSS: {:.0} MiB (after idle: {:.0} MiB)",
        rss_peak as f64 / 1024.0,
        rss_idle as f64 / 1024.0
    );
    let ok_memory = rss_peak < 200 * 1024;
    let ok_latency = storm_p99 <= idle_p99 * 3;
    println!(
        "goals: RSS < 200 MiB {}; storm p99 ≤ 3× idle p99 {}",
        if ok_memory { "met" } else { "MISSED" },
        if ok_latency { "met" } else { "MISSED" }
    );
    Ok(())
}

/// One centre whose staff sign in with a password alone, and its accounts
/// (one hash for all: the storm measures the server, not the seeding).
async fn seed(db: &PgPool) -> Result<Vec<String>, Error> {
    let centre = accounts::create_centre(db, "Stormsenteret", false).await?;
    accounts::set_staff_second_factor(db, centre.id, false).await?;
    let hash = trygg::auth::password::hash(PASSWORD.to_owned()).await?;
    let mut emails = Vec::new();
    for n in 0..=LOGINS {
        let email = format!("ansatt{n}@storm.example");
        accounts::create_account(
            db,
            NewAccount {
                centre_id: centre.id,
                email: &EmailAddress::parse(&email)?,
                full_name: &format!("Ansatt {n}"),
                role: Role::Staff,
                password_hash: &hash,
                must_change_password: false,
            },
        )
        .await?;
        emails.push(email);
    }
    Ok(emails)
}

/// Posts the login form as a browser at `address` would; returns the answer
/// and the session cookie it set.
async fn login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    address: &str,
) -> Result<(u16, Option<String>), Error> {
    let page = client
        .get(format!("{base}/login"))
        .header("x-forwarded-for", address)
        .send()
        .await?;
    let form_cookie = cookie(&page, "__Host-trygg_form").ok_or("no form cookie")?;
    let body = page.text().await?;
    let token = csrf_of(&body).ok_or("no CSRF token")?;
    let answer = client
        .post(format!("{base}/login"))
        .header("x-forwarded-for", address)
        .header("cookie", format!("__Host-trygg_form={form_cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])?)
        .send()
        .await?;
    let session = cookie(&answer, "__Host-trygg_session");
    Ok((answer.status().as_u16(), session))
}

async fn login_status(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    address: &str,
) -> Result<u16, Error> {
    Ok(login(client, base, email, address).await?.0)
}

async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    address: &str,
) -> Result<String, Error> {
    match login(client, base, email, address).await? {
        (303, Some(session)) => Ok(session),
        (status, _) => Err(format!("the reader could not sign in: {status}").into()),
    }
}

/// Loads the case list `count` times, or until `done`; the time of each.
async fn page_times(
    client: &reqwest::Client,
    base: &str,
    session: &str,
    count: usize,
    done: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> Result<Vec<Duration>, Error> {
    let mut times = Vec::new();
    while times.len() < count
        && !done
            .as_ref()
            .is_some_and(|d| d.load(std::sync::atomic::Ordering::Relaxed))
    {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/cases"))
            .header("cookie", format!("__Host-trygg_session={session}"))
            .send()
            .await?;
        let status = response.status().as_u16();
        response.bytes().await?;
        if status != 200 {
            return Err(format!("the case list answered {status}").into());
        }
        times.push(started.elapsed());
    }
    Ok(times)
}

fn p99(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted
        .get((sorted.len() * 99 / 100).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// The peak resident memory of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> Result<u64, Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "no VmHWM in /proc".into())
}
