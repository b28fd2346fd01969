//! The daily digest (U4): a reminder that reaches coordinators who are not
//! logged in. Counts only, never a name or anything about a case, and a link
//! to `/reviews`. Sent when `TRYGG_SMTP_URL` is set, once a day per
//! coordinator (from 07:00 Europe/Oslo), by whichever Trygg process is first.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use crate::accounts::Role;
use crate::config::Config;
use crate::flags::FlagKind;
use crate::plans::PlanState;

/// How often the server looks whether the digest is due.
pub const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);
/// The hour (Europe/Oslo) from which the day's digest goes out.
const SEND_FROM_HOUR: u8 = 7;

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("mail: {0}")]
    Mail(String),
}

/// Sends today's digests if it is time and mail is configured.
pub async fn send_if_due(db: &PgPool, config: &Config) -> Result<u64, DigestError> {
    let now = crate::locale::to_oslo(time::OffsetDateTime::now_utc());
    if config.smtp_url.is_none() || now.hour() < SEND_FROM_HOUR {
        return Ok(0);
    }
    send_digests(db, config, now.date()).await
}

/// One coordinator's digest: where it goes and what it counts.
struct Recipient {
    account_id: Uuid,
    email: String,
    centre_name: String,
    centre_id: Uuid,
}

/// Sends `today`'s digest to every active coordinator who has not had it
/// and whose centre has something to do. Returns how many went out.
pub async fn send_digests(db: &PgPool, config: &Config, today: Date) -> Result<u64, DigestError> {
    let Some(url) = &config.smtp_url else {
        return Ok(0);
    };
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| DigestError::Mail(e.to_string()))?
        .timeout(Some(Duration::from_secs(30)))
        .build();
    let from: Mailbox = config
        .mail_from
        .parse()
        .map_err(|e: lettre::address::AddressError| DigestError::Mail(e.to_string()))?;
    let recipients: Vec<(Uuid, String, String, Uuid)> = sqlx::query_as(
        "SELECT a.id, a.email, c.name, c.id FROM accounts a JOIN centres c ON c.id = a.centre_id
         WHERE a.active AND a.role = $1
           AND NOT EXISTS (SELECT 1 FROM digests_sent d WHERE d.account_id = a.id AND d.sent_on = $2)
         ORDER BY c.name, a.email",
    )
    .bind(Role::Coordinator)
    .bind(today)
    .fetch_all(db)
    .await?;
    let mut sent = 0;
    for (account_id, email, centre_name, centre_id) in recipients {
        let recipient = Recipient {
            account_id,
            email,
            centre_name,
            centre_id,
        };
        let lines = counts(db, recipient.centre_id, recipient.account_id).await?;
        if lines.is_empty() {
            continue;
        }
        // Claimed first, so that two processes never both send it.
        let claimed = sqlx::query(
            "INSERT INTO digests_sent (account_id, sent_on) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(recipient.account_id)
        .bind(today)
        .execute(db)
        .await?
        .rows_affected();
        if claimed == 0 {
            continue;
        }
        let sending = match compose(&from, &recipient, &lines, &config.public_url) {
            Ok(message) => mailer.send(message).await.map_err(Some),
            Err(_) => Err(None),
        };
        match sending {
            Ok(_) => sent += 1,
            Err(e) => {
                // Logged by account, never by address. Only a failure the
                // server called temporary is tried again (at the next
                // check); one that may have reached the coordinator, or
                // never will, is not sent twice.
                let retry = e.as_ref().is_some_and(|e| e.is_transient());
                tracing::warn!(account = %recipient.account_id, retry, "a digest was not sent");
                if retry {
                    sqlx::query("DELETE FROM digests_sent WHERE account_id = $1 AND sent_on = $2")
                        .bind(recipient.account_id)
                        .bind(today)
                        .execute(db)
                        .await?;
                }
            }
        }
    }
    Ok(sent)
}

/// The centre's work in sentences of counts, most urgent first, of the
/// cases `account` may open.
async fn counts(db: &PgPool, centre_id: Uuid, account: Uuid) -> sqlx::Result<Vec<String>> {
    let waiting: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM plans p JOIN persons pe ON pe.id = p.person_id
         JOIN cases c ON c.id = pe.case_id
         WHERE p.centre_id = $1 AND p.state = $2 AND pe.removed_at IS NULL
           AND coalesce({}, false)",
        crate::cases::restriction::may_open("c", "$3")
    ))
    .bind(centre_id)
    .bind(PlanState::Submitted)
    .bind(account)
    .fetch_one(db)
    .await?;
    let mut lines: Vec<String> = crate::flags::view::counts(db, (centre_id, account))
        .await?
        .into_iter()
        .map(|(kind, n)| sentence(kind, n))
        .collect();
    if waiting > 0 {
        let plans = if waiting == 1 {
            "sikkerhetsplan venter"
        } else {
            "sikkerhetsplaner venter"
        };
        lines.push(format!("{waiting} {plans} på godkjenning."));
    }
    Ok(lines)
}

fn sentence(kind: FlagKind, n: i64) -> String {
    let (one, many) = match kind {
        FlagKind::OverdueReview => (
            "sikkerhetsplan skulle vært revidert",
            "sikkerhetsplaner skulle vært revidert",
        ),
        FlagKind::ReviewBeforeDeparture => (
            "sikkerhetsplan må revideres før utflytting",
            "sikkerhetsplaner må revideres før utflytting",
        ),
        FlagKind::RelocationToConsider => (
            "kartlegging sier at relokalisering (§ 4 c) må vurderes med politiet",
            "kartlegginger sier at relokalisering (§ 4 c) må vurderes med politiet",
        ),
        FlagKind::NoMapping => ("person mangler kartlegging", "personer mangler kartlegging"),
        FlagKind::NoPlan => (
            "person mangler godkjent sikkerhetsplan",
            "personer mangler godkjent sikkerhetsplan",
        ),
        FlagKind::PlanBehindMapping => (
            "sikkerhetsplan bygger på en eldre kartlegging",
            "sikkerhetsplaner bygger på en eldre kartlegging",
        ),
        FlagKind::OrderExpires => (
            "forbud eller voldsalarm går snart ut",
            "forbud eller voldsalarmer går snart ut",
        ),
        FlagKind::RestrictionEnded => (
            "begrensning for et barn har passert sluttdatoen",
            "begrensninger for barn har passert sluttdatoen",
        ),
        FlagKind::IncidentAfterPlan => (
            "sikkerhetsplan er eldre enn en alvorlig hendelse",
            "sikkerhetsplaner er eldre enn en alvorlig hendelse",
        ),
    };
    format!("{n} {}.", if n == 1 { one } else { many })
}

fn compose(
    from: &Mailbox,
    to: &Recipient,
    lines: &[String],
    public_url: &str,
) -> Result<Message, DigestError> {
    let mail = |e: &dyn std::fmt::Display| DigestError::Mail(e.to_string());
    let body = format!(
        "Hei!\n\nDette venter ved {}:\n\n{}\n\nSe «Til godkjenning og revisjon»: {public_url}/reviews\n\n\
         Denne e-posten sier bare hvor mange. Logg inn i Trygg for å se hvem det gjelder.\n",
        to.centre_name,
        lines
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    Message::builder()
        .from(from.clone())
        .to(to.email.parse().map_err(|e| mail(&e))?)
        // A subject shows on a locked phone: it says nothing of where.
        .subject("Trygg: dagens oppgaver")
        .body(body)
        .map_err(|e| mail(&e))
}
