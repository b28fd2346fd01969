//! Limits against hostile load: slow clients, too many connections, and
//! forms with more fields than any real form has.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trygg::accounts::Role;
use trygg::http::server::Limits;

use crate::helpers::{spawn_app, spawn_server};

fn host(app: &crate::helpers::TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// Opens a connection that sends half a request and then nothing.
async fn slow_client(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: trygg\r\n")
        .await
        .expect("half a request");
    stream
}

#[tokio::test]
async fn five_hundred_slow_connections_do_not_stop_the_server_answering_others() {
    let app = spawn_app().await;
    let mut slow = Vec::new();
    for _ in 0..500 {
        slow.push(slow_client(&host(&app)).await);
    }
    let started = Instant::now();
    let answer = app.browser().get("/login").await;
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(slow);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let app = spawn_server(
        |_| {},
        Limits {
            header_read_timeout: Duration::from_millis(500),
            ..Limits::default()
        },
    )
    .await;
    let mut stream = slow_client(&host(&app)).await;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection is still open after 5 s");
}

#[tokio::test]
async fn beyond_the_connection_cap_clients_wait_their_turn() {
    let app = spawn_server(
        |_| {},
        Limits {
            header_read_timeout: Duration::from_secs(1),
            max_connections: 4,
            ..Limits::default()
        },
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(slow_client(&host(&app)).await);
    }
    // The fifth waits until the slow ones are cut off, then gets its page.
    let started = Instant::now();
    let answer = app.browser().get("/login").await;
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    drop(held);
}

/// A form over the limit is read to its end and thrown away, so the
/// browser still sending it gets the 413 page, not a closed connection.
#[tokio::test]
async fn a_form_over_the_limit_gets_its_413_page_while_still_sending() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;
    for size in [1024 * 1024 + 1, 3 * 1024 * 1024, 15 * 1024 * 1024] {
        let answer = browser.post_raw("/cases/new", "x".repeat(size)).await;
        assert_eq!(answer.status, 413, "{size} bytes");
        assert!(
            answer.body.contains("Skjemaet er for stort"),
            "{size} bytes"
        );
    }
    assert_eq!(app.count("cases").await, 0);
}

/// A client that asks for much and never reads holds its connection only
/// until the writes have stalled for `write_stall_timeout`.
#[tokio::test]
async fn a_client_that_stops_reading_is_cut_off() {
    let app = spawn_server(
        |_| {},
        Limits {
            header_read_timeout: Duration::from_secs(60),
            write_stall_timeout: Duration::from_millis(500),
            max_connections: 1,
        },
    )
    .await;
    // Its only connection: 300 asks for the design system's 147 KB of CSS,
    // about 44 MB, far more than the sockets' buffers hold.
    let mut greedy = TcpStream::connect(host(&app)).await.unwrap();
    greedy.set_nodelay(true).unwrap();
    let ask = "GET /static/designsystemet.css HTTP/1.1\r\nHost: trygg\r\n\r\n".repeat(300);
    greedy.write_all(ask.as_bytes()).await.unwrap();
    // Another client gets its page once the greedy one is cut off.
    let started = Instant::now();
    let answer = app.browser().get("/login").await;
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    drop(greedy);
}

#[tokio::test]
async fn a_form_with_more_fields_than_any_real_form_gets_a_413_page() {
    let app = spawn_app().await;
    let centre = app.centre("A").await;
    let user = app.user(&centre, Role::Staff).await;
    let mut browser = app.signed_in(&user).await;
    browser.get("/cases/new").await;
    let csrf = browser.csrf.clone().unwrap();
    // About 1 MiB of tiny fields, as a hostile client sends them.
    let mut body = format!("csrf_token={csrf}");
    while body.len() < 1024 * 1024 - 8 {
        body.push_str("&a=b");
    }
    let started = Instant::now();
    let answer = browser.post_raw("/cases/new", body).await;
    assert_eq!(answer.status, 413);
    assert!(answer.body.contains("Skjemaet er for stort"));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(app.count("cases").await, 0);
}

/// A mapping holds at most 60 fears (the plan page offers each on every
/// measure): the 61st is refused with a message, and all typed comes back.
#[tokio::test]
async fn a_mapping_holds_at_most_sixty_fears_and_says_so() {
    let app = spawn_app().await;
    let (_, mut browser, mapping, form) = crate::mapping::resident_draft(&app).await;
    let whose = form.input_value("fear_0_whose").unwrap_or_default();
    let mut fields = crate::helpers::form_fields(&form, "mapping-form", &[("action", "save")]);
    fields.retain(|(name, _)| !name.starts_with("fear_"));
    for i in 0..=trygg::mapping::form::MAX_ROWS {
        fields.push((format!("fear_{i}_text"), format!("Frykt nummer {i}")));
        fields.push((format!("fear_{i}_whose"), whose.clone()));
    }
    let refused = browser
        .post_fields(&format!("{mapping}/edit"), &fields)
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Høyst 60 frykter"));
    assert!(
        refused.body.contains("Frykt nummer 60"),
        "nothing typed is lost"
    );

    fields.retain(|(name, _)| !name.starts_with("fear_60_"));
    let saved = browser
        .post_fields(&format!("{mapping}/edit"), &fields)
        .await;
    assert_eq!(saved.status, 303, "sixty are fine");
}

/// A body must arrive whole within 30 s, however it trickles: otherwise
/// 1024 patient clients would hold every connection.
#[tokio::test]
async fn a_body_that_trickles_in_is_cut_off_after_thirty_seconds() {
    let app = spawn_app().await;
    let mut stream = TcpStream::connect(host(&app)).await.expect("connect");
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: trygg\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let trickle = async {
        loop {
            if stream.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(900)).await;
            let mut answer = [0u8; 64];
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(100), stream.read(&mut answer)).await
            {
                return String::from_utf8_lossy(&answer[..n]).into_owned();
            }
        }
        String::new()
    };
    let answer = tokio::time::timeout(Duration::from_secs(45), trickle)
        .await
        .expect("still trickling after 45 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() >= Duration::from_secs(29));
}
