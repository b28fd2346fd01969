//! The deployment guide's nginx configuration, exactly as written there, in
//! front of Trygg (issue 15): HTTPS through to a sign-in, the client's address
//! as nginx saw it (never one the client claims), plain HTTP sent on to HTTPS,
//! and a body over Trygg's limit refused at the proxy.

use std::time::Duration;

use trygg::accounts::Role;

use crate::cli::open_tempdir;
use crate::helpers::{TestApp, ensure_installed, spawn_app_with};

const GUIDE: &str = include_str!("../../docs/deployment.md");

#[tokio::test]
async fn the_guides_nginx_configuration_serves_trygg_over_https() {
    let nginx = ensure_installed("nginx", "/usr/sbin/nginx", "the proxy test").await;
    let openssl = ensure_installed("openssl", "/usr/bin/openssl", "the proxy test").await;
    let app = spawn_app_with(|state| {
        state.proxies = trygg::http::client_ip::TrustedProxies::parse("127.0.0.1").unwrap();
        state.hsts = true;
    })
    .await;
    let dir = open_tempdir();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = tokio::process::Command::new(openssl)
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .await
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let (tls_port, http_port) = (free_port(), free_port());
    let mut config = GUIDE
        .split("```nginx\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("an nginx block in docs/deployment.md")
        .to_owned();
    for (from, to) in [
        ("listen 443 ssl", format!("listen 127.0.0.1:{tls_port} ssl")),
        ("listen 80;", format!("listen 127.0.0.1:{http_port};")),
        (
            "/etc/letsencrypt/live/trygg.krisesenter.no/fullchain.pem",
            cert.display().to_string(),
        ),
        (
            "/etc/letsencrypt/live/trygg.krisesenter.no/privkey.pem",
            key.display().to_string(),
        ),
        ("http://127.0.0.1:8080", app.address.clone()),
    ] {
        assert!(
            config.contains(from),
            "the guide's nginx block has {from:?}"
        );
        config = config.replace(from, &to);
    }
    // Around it, what an nginx.conf has anyway; temporary files in the test's folder.
    let d = dir.path().display();
    let main = format!(
        "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/error.log;
         events {{}}
         http {{
             access_log off;
             client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;
             fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
             {config}
         }}"
    );
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, main).unwrap();
    let checked = tokio::process::Command::new(&nginx)
        .arg("-t")
        .arg("-c")
        .arg(&conf)
        .output()
        .await
        .unwrap();
    assert!(
        checked.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let _nginx = tokio::process::Command::new(&nginx)
        .arg("-c")
        .arg(&conf)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    wait_for_port(tls_port).await;

    let proxied = TestApp {
        address: format!("https://127.0.0.1:{tls_port}"),
        db: app.db.clone(),
        db_name: app.db_name.clone(),
    };
    let login = proxied.browser().get("/login").await;
    assert_eq!(login.status, 200);
    assert!(
        login
            .header("strict-transport-security")
            .contains("max-age")
    );

    // A client that claims another address is seen at the one nginx saw.
    let centre = app.centre("A").await;
    let staff = app.user(&centre, Role::Staff).await;
    let mut claims = proxied.browser();
    claims
        .headers
        .push(("x-forwarded-for", "203.0.113.9".to_owned()));
    claims.login(&staff.email, "Feil passord, dette her").await;
    let seen: Vec<String> = sqlx::query_scalar(
        "SELECT host(ip) FROM audit_events WHERE kind = 'login_failed' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(seen, ["127.0.0.1"]);

    // Through to a signed-in page.
    let mut browser = proxied.signed_in(&staff).await;
    let cases = browser.get("/cases").await;
    assert_eq!(cases.status, 200);

    // More than Trygg takes is refused at the proxy, before it reaches Trygg.
    let huge = browser
        .post_raw("/cases/new", "x".repeat(2 * 1024 * 1024))
        .await;
    assert_eq!(huge.status, 413);

    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{http_port}/cases"))
        .header("host", "trygg.krisesenter.no")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);
    assert_eq!(
        plain.headers()["location"],
        "https://trygg.krisesenter.no/cases"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nginx did not listen on {port}");
}
