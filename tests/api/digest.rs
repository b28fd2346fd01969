//! The daily digest (U4): counts and a link, never a name or anything about
//! a case, to each active coordinator once a day, through a real SMTP
//! exchange with a sink this test starts; without TRYGG_SMTP_URL nothing is
//! sent and nothing fails.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use trygg::accounts::Role;
use trygg::config::Config;
use trygg::flags::{Rules, scan};
use trygg::jobs::digest::send_digests;
use trygg::seed::{self, Options};

use crate::helpers::spawn_app;

/// What an SMTP client sent: (recipients, message) per mail.
type Mailbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// A local SMTP server that accepts every mail and keeps it.
async fn smtp_sink() -> (u16, Mailbox) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mailbox: Mailbox = Arc::default();
    let kept = mailbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut recipients = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO")
                    {
                        b"250 sink\r\n"
                    } else if command.starts_with("RCPT TO:") {
                        recipients.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if command.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        let mut message = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            message.push_str(&line);
                            message.push('\n');
                        }
                        kept.lock()
                            .unwrap()
                            .push((std::mem::take(&mut recipients), message));
                        b"250 kept\r\n"
                    } else if command.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mailbox)
}

/// The text of a quoted-printable body, as a mail reader shows it.
fn decoded(message: &str) -> String {
    let joined = message.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn config(smtp: Option<String>) -> Config {
    Config::from_lookup(|name| match name {
        "TRYGG_SMTP_URL" => smtp.clone(),
        "TRYGG_PUBLIC_URL" => Some("https://trygg.example.no".into()),
        "TRYGG_TRUSTED_PROXIES" => Some("127.0.0.1".into()),
        "TRYGG_MAIL_FROM" => Some("trygg@example.no".into()),
        _ => None,
    })
    .unwrap()
}

/// Thirty seeded cases at «Krisesenteret i Vest», flagged by today's scan;
/// today.
async fn seed_and_scan(app: &crate::helpers::TestApp) -> time::Date {
    let options = Options {
        centres: None,
        centre: Some("Krisesenteret i Vest".into()),
        cases: 30,
        force: false,
    };
    seed::run(&app.db, options).await.unwrap();
    let today = trygg::locale::today();
    scan(&app.db, &Rules::default(), today, None).await.unwrap();
    today
}

#[tokio::test]
async fn each_coordinator_gets_one_digest_a_day_with_counts_and_no_names() {
    let app = spawn_app().await;
    let centre = app.centre("Krisesenteret i Vest").await;
    app.user(&centre, Role::Staff).await;
    let first = app.user(&centre, Role::Coordinator).await;
    let second = app.user(&centre, Role::Coordinator).await;
    let today = seed_and_scan(&app).await;

    // Without a mail server set, nothing is sent and nothing fails.
    assert_eq!(
        send_digests(&app.db, &config(None), today).await.unwrap(),
        0
    );

    let (port, mailbox) = smtp_sink().await;
    let with_mail = config(Some(format!("smtp://127.0.0.1:{port}")));
    assert_eq!(send_digests(&app.db, &with_mail, today).await.unwrap(), 2);
    let mails = mailbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 2);
    let mut to: Vec<String> = mails.iter().flat_map(|(r, _)| r.clone()).collect();
    to.sort();
    let mut coordinators = vec![format!("<{}>", first.email), format!("<{}>", second.email)];
    coordinators.sort();
    assert_eq!(to, coordinators);

    let overdue: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM review_flags WHERE kind = 'overdue_review' AND resolved_at IS NULL",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(overdue > 0);
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM persons")
        .fetch_all(&app.db)
        .await
        .unwrap();
    for (_, message) in &mails {
        let text = decoded(message);
        assert!(text.contains("Subject: Trygg: dagens oppgaver"), "{text}");
        assert!(
            text.contains("Dette venter ved Krisesenteret i Vest"),
            "{text}"
        );
        let plans = if overdue == 1 {
            "sikkerhetsplan"
        } else {
            "sikkerhetsplaner"
        };
        assert!(
            text.contains(&format!("{overdue} {plans} skulle vært revidert.")),
            "{text}"
        );
        assert!(text.contains("https://trygg.example.no/reviews"), "{text}");
        for name in &names {
            for part in name.split_whitespace() {
                assert!(!text.contains(part), "{part} in the digest");
            }
        }
    }

    // Once a day: a second run, or another process, sends nothing more.
    assert_eq!(send_digests(&app.db, &with_mail, today).await.unwrap(), 0);
    assert_eq!(mailbox.lock().unwrap().len(), 2);
}

/// Issue 18: a coordinator's digest counts only what they may open: the
/// kind of a restricted case's flag tells of the case.
#[tokio::test]
async fn a_digest_leaves_out_what_a_case_restricted_to_others_holds() {
    let app = spawn_app().await;
    let centre = app.centre("Krisesenteret i Vest").await;
    let named = app.user(&centre, Role::Coordinator).await;
    let other = app.user(&centre, Role::Coordinator).await;
    let today = seed_and_scan(&app).await;
    // Every case with an overdue review, restricted to the one coordinator.
    let restricted = sqlx::query(
        "UPDATE cases SET restricted_to = ARRAY[$1::uuid]
         WHERE id IN (SELECT case_id FROM review_flags
                      WHERE kind = 'overdue_review' AND resolved_at IS NULL)",
    )
    .bind(named.id)
    .execute(&app.db)
    .await
    .unwrap()
    .rows_affected();
    assert!(restricted > 0);

    let (port, mailbox) = smtp_sink().await;
    let with_mail = config(Some(format!("smtp://127.0.0.1:{port}")));
    assert_eq!(send_digests(&app.db, &with_mail, today).await.unwrap(), 2);
    let mails = mailbox.lock().unwrap().clone();
    let to = |user: &crate::helpers::TestUser| {
        let address = format!("<{}>", user.email);
        let (_, message) = mails
            .iter()
            .find(|(recipients, _)| recipients.contains(&address))
            .expect("a digest for each coordinator");
        decoded(message)
    };
    assert!(to(&named).contains("skulle vært revidert"));
    assert!(!to(&other).contains("skulle vært revidert"));
}
