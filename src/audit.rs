//! The audit log: one `Event::record` for every security event. It says who,
//! what, when and from where, and never what a record contains.

use std::net::IpAddr;

use sqlx::{FromRow, PgExecutor, Postgres, QueryBuilder};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::auth::session::CurrentUser;

crate::code_enum! {
    /// What an audit event records; stored by its code, shown by its label.
    pub enum AuditKind {
        Login = "login" "Innlogging",
        LoginFailed = "login_failed" "Mislykket innlogging: feil e-post eller passord",
        LoginRefusedLocked = "login_refused_locked" "Innlogging avvist: kontoen er midlertidig sperret",
        Lockout = "lockout" "Innlogging sperret i 15 minutter etter for mange feil forsøk",
        LoginRefusedAddress = "login_refused_address" "Innlogging avvist: for mange forsøk fra samme IP-adresse",
        LoginRefusedExpired = "login_refused_expired" "Innlogging avvist: det midlertidige passordet er utløpt",
        PasswordAccepted = "password_accepted" "Riktig passord, venter på engangskode",
        SecondFactorFailed = "second_factor_failed" "Feil engangskode eller gjenopprettingskode ved innlogging",
        SecondFactorReplayed = "second_factor_replayed" "Engangskode brukt på nytt: avvist",
        SecondFactorBlocked = "second_factor_blocked" "Innlogging avvist: for mange feil engangskoder på rad",
        SecondFactorEnrolled = "second_factor_enrolled" "Totrinnsinnlogging satt opp",
        SecondFactorReset = "second_factor_reset" "Totrinnsinnlogging nullstilt av en administrator",
        RecoveryCodeUsed = "recovery_code_used" "Innlogging med gjenopprettingskode",
        Logout = "logout" "Utlogging",
        SessionEnded = "session_ended" "Logget ut fra «Mine økter»",
        SessionsEndedByAdmin = "sessions_ended_by_admin" "Logget ut overalt av en administrator",
        PasswordChanged = "password_changed" "Passord endret",
        PasswordReset = "password_reset" "Midlertidig passord laget av en administrator",
        AccountCreated = "account_created" "Konto opprettet",
        RoleChanged = "role_changed" "Rolle endret",
        AccountDeactivated = "account_deactivated" "Konto deaktivert",
        AccountReactivated = "account_reactivated" "Konto aktivert",
        CentreCreated = "centre_created" "Krisesenter opprettet",
        CentreUpdated = "centre_updated" "Innstillinger for senteret endret",
        SetupCompleted = "setup_completed" "Førstegangsoppsett fullført",
        CaseListViewed = "case_list_viewed" "Saksliste vist",
        CaseCreated = "case_created" "Sak opprettet",
        CaseViewed = "case_viewed" "Sak lest",
        CaseUpdated = "case_updated" "Sak endret",
        ChildAdded = "child_added" "Barn lagt til",
        ChildRemoved = "child_removed" "Barn fjernet",
        CaseAccessLogViewed = "case_access_log_viewed" "Tilgangslogg lest",
        MappingViewed = "mapping_viewed" "Kartlegging lest",
        MappingStarted = "mapping_started" "Ny versjon av kartlegging påbegynt",
        MappingSaved = "mapping_saved" "Kartlegging lagret",
        MappingCompleted = "mapping_completed" "Kartlegging fullført",
        PlanViewed = "plan_viewed" "Sikkerhetsplan lest",
        PlanPrinted = "plan_printed" "Utdrag av sikkerhetsplan åpnet for utskrift",
        PlanStarted = "plan_started" "Ny versjon av sikkerhetsplan påbegynt",
        PlanSaved = "plan_saved" "Sikkerhetsplan lagret",
        PlanSubmitted = "plan_submitted" "Sikkerhetsplan sendt til godkjenning",
        PlanReturned = "plan_returned" "Sikkerhetsplan returnert",
        PlanApproved = "plan_approved" "Sikkerhetsplan godkjent",
        PlanReviewsViewed = "plan_reviews_viewed" "Planer til godkjenning vist",
        TasksViewed = "tasks_viewed" "Mine oppgaver vist",
        ComplianceViewed = "compliance_viewed" "Etterlevelse vist",
        FlagRaised = "flag_raised" "Oppgave meldt av den automatiske sjekken",
        FlagResolved = "flag_resolved" "Oppgave løst",
        RelocationOpened = "relocation_opened" "Relokalisering påbegynt",
        RelocationViewed = "relocation_viewed" "Relokalisering lest",
        RelocationSaved = "relocation_saved" "Relokalisering lagret",
        RelocationDecided = "relocation_decided" "Relokalisering besluttet",
        RelocationMoved = "relocation_moved" "Flytting registrert",
        RelocationCancelled = "relocation_cancelled" "Relokalisering avbrutt",
        PoliceSummaryPrinted = "police_summary_printed" "Oppsummering til politiet åpnet for utskrift",
        ShareDelivered = "share_delivered" "Opplysninger levert til det nye senteret etter samtykke",
        SharedListViewed = "shared_list_viewed" "«Delt med oss» åpnet",
        ShareViewed = "share_viewed" "Delt informasjon fra et annet senter lest",
        ShareOpenedByDestination = "share_opened_by_destination" "Delt informasjon åpnet av det nye senteret",
        CaseStartedFromShare = "case_started_from_share" "Sak opprettet fra delt informasjon",
        IncidentsViewed = "incidents_viewed" "Hendelseslogg lest",
        IncidentRecorded = "incident_recorded" "Hendelse registrert",
        PerpetratorsViewed = "perpetrators_viewed" "Opplysninger om voldsutøver lest",
        PerpetratorSaved = "perpetrator_saved" "Opplysninger om voldsutøver lagret",
        CaseRestricted = "case_restricted" "Tilgangen til saken begrenset til navngitte ansatte",
        CaseRestrictionLifted = "case_restriction_lifted" "Begrensningen av tilgangen til saken opphevet",
        CaseAccessGranted = "case_access_granted" "Tilgang til saken gitt",
        CaseAccessRevoked = "case_access_revoked" "Tilgang til saken fjernet",
        CaseRestrictionTakenOver = "case_restriction_taken_over" "Tilgangslisten overtatt av koordinator: ingen med tilgang kunne endre den lenger",
        RestrictedCaseRefused = "restricted_case_refused" "Forsøk på å åpne saken uten tilgang (avvist)",
    }
}

/// One event, made by one of the constructors below: who did it, to what,
/// from where. `detail` is a short fixed description (a role name, say),
/// never free text a user wrote.
#[derive(Debug)]
pub struct Event<'a> {
    kind: AuditKind,
    centre_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    subject_account_id: Option<Uuid>,
    detail: &'a str,
    /// A login tried with an e-mail that names no account: a keyed hash of
    /// what was typed (`login_key`), never the text.
    attempted_login_key: Option<&'a str>,
    ip: Option<IpAddr>,
    /// The case read or changed, for its Tilgangslogg.
    case_id: Option<Uuid>,
}

impl<'a> Event<'a> {
    fn new(kind: AuditKind, ip: Option<IpAddr>) -> Self {
        Event {
            kind,
            centre_id: None,
            actor_id: None,
            subject_account_id: None,
            detail: "",
            attempted_login_key: None,
            ip,
            case_id: None,
        }
    }

    /// Something `actor` did in their centre (a list read, say).
    pub fn by(kind: AuditKind, actor: &CurrentUser, ip: Option<IpAddr>) -> Self {
        Event {
            centre_id: Some(actor.centre_id),
            actor_id: Some(actor.id),
            ..Event::new(kind, ip)
        }
    }

    /// Something `actor` did to a case of their centre, or to what it holds.
    pub fn on_case(
        kind: AuditKind,
        actor: &CurrentUser,
        ip: Option<IpAddr>,
        case_id: Uuid,
    ) -> Self {
        Event {
            case_id: Some(case_id),
            ..Event::by(kind, actor, ip)
        }
    }

    /// Something `actor` did to an account of their centre (their own included).
    pub fn on_account(
        kind: AuditKind,
        actor: &CurrentUser,
        ip: Option<IpAddr>,
        account_id: Uuid,
    ) -> Self {
        Event {
            subject_account_id: Some(account_id),
            ..Event::by(kind, actor, ip)
        }
    }

    /// A login, a refused one or a lockout: the account's, or when no
    /// account has the e-mail typed, its `login_key`.
    pub fn login(
        kind: AuditKind,
        account: Option<(Uuid, Uuid)>,
        attempted_login_key: &'a str,
        ip: Option<IpAddr>,
    ) -> Self {
        let mut event = Event::new(kind, ip);
        match account {
            Some((centre_id, account_id)) => {
                event.centre_id = Some(centre_id);
                event.subject_account_id = Some(account_id);
                if kind == AuditKind::Login {
                    event.actor_id = Some(account_id);
                }
            }
            None => event.attempted_login_key = Some(attempted_login_key),
        }
        event
    }

    /// The first administrator set up their centre (and signed in).
    pub fn setup(kind: AuditKind, centre_id: Uuid, admin_id: Uuid, ip: Option<IpAddr>) -> Self {
        Event {
            centre_id: Some(centre_id),
            actor_id: Some(admin_id),
            subject_account_id: Some(admin_id),
            ..Event::new(kind, ip)
        }
    }

    /// An operator's command line changed `centre_id` (or an account of it).
    pub fn from_cli(kind: AuditKind, centre_id: Uuid, account_id: Option<Uuid>) -> Self {
        Event {
            centre_id: Some(centre_id),
            subject_account_id: account_id,
            detail: "cli",
            ..Event::new(kind, None)
        }
    }

    /// Something Trygg's own scheduled work did to a case (a flag raised):
    /// no actor, no address.
    pub fn by_the_system(kind: AuditKind, centre_id: Uuid, case_id: Uuid, detail: &'a str) -> Self {
        Event {
            centre_id: Some(centre_id),
            case_id: Some(case_id),
            detail,
            ..Event::new(kind, None)
        }
    }

    /// R6: the destination centre opened what this centre shared about
    /// `case_id`. The origin learns that and when, never who: no actor,
    /// no address (they belong to the other centre).
    pub fn opened_elsewhere(centre_id: Uuid, case_id: Uuid) -> Self {
        Event {
            centre_id: Some(centre_id),
            case_id: Some(case_id),
            ..Event::new(AuditKind::ShareOpenedByDestination, None)
        }
    }

    /// About `account_id` too (who was given access to a case, say).
    pub fn about_account(self, account_id: Uuid) -> Self {
        Event {
            subject_account_id: Some(account_id),
            ..self
        }
    }

    /// With a short fixed description, such as "staff → admin".
    pub fn detail(self, detail: &'a str) -> Self {
        Event { detail, ..self }
    }

    /// The writer of a change's event: `db` is the change's transaction,
    /// so if the event cannot be written, the change is not made.
    pub async fn record(&self, db: impl PgExecutor<'_>) -> sqlx::Result<()> {
        Self::insert_all(
            db,
            std::slice::from_ref(self),
            Commit::InTheCallersTransaction,
        )
        .await
    }

    /// A read's event (a page viewed, a printout opened): written by the
    /// read log with others waiting at the same moment, in one statement
    /// (`ReadLog`). The page waits for it and is refused if it cannot be
    /// written.
    pub async fn record_read(&self, reads: &ReadLog) -> sqlx::Result<()> {
        // Its share of the batch's statement, for the statement counter.
        crate::db::statements::count_one();
        let (reply, written) = oneshot::channel();
        let event = OwnedEvent {
            kind: self.kind,
            centre_id: self.centre_id,
            actor_id: self.actor_id,
            subject_account_id: self.subject_account_id,
            detail: self.detail.to_owned(),
            attempted_login_key: self.attempted_login_key.map(str::to_owned),
            ip: self.ip,
            case_id: self.case_id,
        };
        // A writer that has stopped is a bug of ours, not an outage.
        let stopped = || sqlx::Error::Protocol("the read log's writer has stopped".to_owned());
        reads
            .queue
            .send((event, reply))
            .await
            .map_err(|_| stopped())?;
        match tokio::time::timeout(READ_EVENT_WAIT, written).await {
            Ok(answer) => answer.map_err(|_| stopped())?,
            Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the read event was not written in time",
            ))),
        }
    }

    /// Many events in one statement (a scan's), as `record` writes each.
    pub async fn record_all(db: impl PgExecutor<'_>, events: &[Event<'_>]) -> sqlx::Result<()> {
        Self::insert_all(db, events, Commit::InTheCallersTransaction).await
    }

    /// Many events in one statement; with `Commit::WithoutWaiting`, the
    /// statement is its own transaction, committed without waiting for the
    /// disk or a standby (`set_config(…, true)` holds for it alone, also
    /// behind a connection pooler).
    async fn insert_all(
        db: impl PgExecutor<'_>,
        events: &[Event<'_>],
        commit: Commit,
    ) -> sqlx::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&Event<'_>) -> Option<Uuid>| events.iter().map(f).collect::<Vec<_>>();
        let without_waiting = match commit {
            Commit::InTheCallersTransaction => "",
            Commit::WithoutWaiting => {
                ", (SELECT set_config('synchronous_commit', 'off', true) AS setting) AS settings
                 WHERE settings.setting = 'off'"
            }
        };
        let written = sqlx::query(&format!(
            "INSERT INTO audit_events
                (centre_id, actor_id, subject_account_id, kind, detail, attempted_login_key, ip, case_id)
             SELECT e.* FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                                    $6::text[], $7::inet[], $8::uuid[]) AS e {without_waiting}"
        ))
        .bind(column(|e| e.centre_id))
        .bind(column(|e| e.actor_id))
        .bind(column(|e| e.subject_account_id))
        .bind(events.iter().map(|e| e.kind).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.detail).collect::<Vec<_>>())
        .bind(events.iter().map(|e| e.attempted_login_key).collect::<Vec<_>>())
        .bind(
            events
                .iter()
                .map(|e| e.ip.map(|ip| ip.to_string()))
                .collect::<Vec<_>>(),
        )
        .bind(column(|e| e.case_id))
        .execute(db)
        .await?;
        match written.rows_affected() as usize == events.len() {
            true => Ok(()),
            false => Err(sqlx::Error::Protocol(
                "audit events were not written".to_owned(),
            )),
        }
    }
}

/// How a statement of audit events commits.
enum Commit {
    InTheCallersTransaction,
    WithoutWaiting,
}

/// The read events of pages and printouts, written in batches by one task
/// (group commit): each page waits for its own, and is refused if it
/// cannot be written, but the events that arrive while one batch is being
/// written go together in the next, in one statement and one transaction,
/// committed without waiting for the disk or a standby. A crash or a
/// failover of the database can lose the read events of its last moments,
/// never a change's, which `record` writes in the change's own transaction.
///
/// Why: every event takes the audit chain's one lock at its commit, so
/// pages that each committed their own event queued for that lock.
#[derive(Clone)]
pub struct ReadLog {
    queue: mpsc::Sender<(OwnedEvent, oneshot::Sender<sqlx::Result<()>>)>,
}

/// The most events written in one statement: each takes its turn at the
/// audit chain's lock at commit, and changes wait behind the batch.
const MOST_PER_BATCH: usize = 64;

/// How long a page waits for its read event before it is refused (the
/// outage page).
const READ_EVENT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl ReadLog {
    /// The log, and its writer on a connection of its own to `db`'s
    /// database (a full pool fails pages one by one, never a batch at a
    /// time): a task of the current runtime, which ends when the last
    /// handle is dropped.
    pub fn start(db: &sqlx::PgPool) -> ReadLog {
        let mut writer = Writer {
            options: db.connect_options().as_ref().clone(),
            connection: None,
        };
        // Room for a batch being written and the next; pages beyond wait.
        let (queue, mut waiting) = mpsc::channel(MOST_PER_BATCH * 2);
        tokio::spawn(async move {
            let mut batch: Vec<(OwnedEvent, oneshot::Sender<sqlx::Result<()>>)> =
                Vec::with_capacity(MOST_PER_BATCH);
            while waiting.recv_many(&mut batch, MOST_PER_BATCH).await > 0 {
                let events: Vec<Event<'_>> = batch.iter().map(|(e, _)| e.event()).collect();
                let written = writer.write(&events).await;
                drop(events);
                match written {
                    Ok(()) => {
                        for (_, reply) in batch.drain(..) {
                            let _page_gone = reply.send(Ok(()));
                        }
                    }
                    // One event that cannot be written (a constraint, bad
                    // data) refuses its own page alone: each is tried on its
                    // own, until something fails them all.
                    Err(e) if !fails_every_event(&e) => {
                        let mut failing_all: Option<String> = None;
                        for (event, reply) in batch.drain(..) {
                            let written = match &failing_all {
                                Some(e) => Err(unwritten(e)),
                                None => writer.write(&[event.event()]).await,
                            };
                            if let Err(e) = &written
                                && fails_every_event(e)
                            {
                                failing_all = Some(e.to_string());
                            }
                            let _page_gone = reply.send(written);
                        }
                    }
                    // The database is out of reach, read-only, full…:
                    // every page hears so (the outage page).
                    Err(e) => {
                        let e = e.to_string();
                        for (_, reply) in batch.drain(..) {
                            let _page_gone = reply.send(Err(unwritten(&e)));
                        }
                    }
                }
            }
        });
        ReadLog { queue }
    }
}

/// The read log's own connection: a pool's would return to it through
/// another task, a wait between batches under load.
struct Writer {
    options: sqlx::postgres::PgConnectOptions,
    connection: Option<sqlx::PgConnection>,
}

impl Writer {
    /// Writes `events` in one statement, connecting first if need be;
    /// a connection that fails is made anew for the next batch.
    async fn write(&mut self, events: &[Event<'_>]) -> sqlx::Result<()> {
        use sqlx::Connection as _;
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => {
                let connecting = sqlx::PgConnection::connect_with(&self.options);
                let connection = tokio::time::timeout(READ_EVENT_WAIT, connecting)
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??;
                self.connection.insert(connection)
            }
        };
        let written = Event::insert_all(&mut *connection, events, Commit::WithoutWaiting).await;
        if written
            .as_ref()
            .is_err_and(crate::error::database_unreachable)
        {
            self.connection = None;
        }
        written
    }
}

/// Whether `e` fails every event of a batch alike: the database out of
/// reach, or refusing writes (read-only after a failover, disk full,
/// shutting down, timed out, deadlocked), rather than one event's data.
fn fails_every_event(e: &sqlx::Error) -> bool {
    crate::error::database_unreachable(e)
        || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|code| {
            ["25", "40", "53", "55", "57"].iter().any(|class| code.starts_with(class))
        }))
}

/// The error a page hears when its batch could not be written at all: as
/// for an outage, the page asks to try again shortly.
fn unwritten(cause: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!(
        "writing read events: {cause}"
    )))
}

/// An event on its way to the read log's writer.
struct OwnedEvent {
    kind: AuditKind,
    centre_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    subject_account_id: Option<Uuid>,
    detail: String,
    attempted_login_key: Option<String>,
    ip: Option<IpAddr>,
    case_id: Option<Uuid>,
}

impl OwnedEvent {
    fn event(&self) -> Event<'_> {
        Event {
            kind: self.kind,
            centre_id: self.centre_id,
            actor_id: self.actor_id,
            subject_account_id: self.subject_account_id,
            detail: &self.detail,
            attempted_login_key: self.attempted_login_key.as_deref(),
            ip: self.ip,
            case_id: self.case_id,
        }
    }
}

/// What the audit log keeps of an e-mail typed at login that names no
/// account: 64 bits of a keyed hash, enough to group repeated attempts, of
/// no use to read what was typed (sometimes a password in the wrong field).
pub fn login_key(keys: &crate::auth::keys::Keys, email: &str) -> String {
    let mut key = keys.mac_hex(crate::auth::keys::Purpose::AuditLogin, email.as_bytes());
    key.truncate(16);
    key
}

#[derive(Debug, FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub kind: String,
    pub detail: String,
    pub actor_name: Option<String>,
    pub subject_name: Option<String>,
    pub ip: Option<String>,
}

impl Entry {
    pub fn kind_label(&self) -> &'static str {
        AuditKind::parse(&self.kind).map_or("Ukjent hendelse", AuditKind::label)
    }

    pub fn when(&self) -> String {
        crate::locale::date_time(self.at)
    }

    /// The stored detail, in words: role names in Norwegian.
    pub fn detail_text(&self) -> String {
        self.detail
            .split(" → ")
            .map(|part| match part {
                "cli" => "via kommandolinjen",
                "deactivated" => "kontoen ble deaktivert",
                "from_share" => "saken hadde begrenset tilgang ved senteret den kom fra",
                other => crate::accounts::Role::parse(other)
                    .map(|r| r.label())
                    .or_else(|| crate::flags::FlagKind::parse(other).map(|k| k.label()))
                    .unwrap_or(other),
            })
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

#[derive(Debug, Default)]
pub struct Filter {
    /// Events done by, or done to, this account.
    pub account_id: Option<Uuid>,
    pub kind: Option<AuditKind>,
    /// Only events older than this id (the next page).
    pub before: Option<i64>,
    /// Only events about this case (its Tilgangslogg).
    pub case_id: Option<Uuid>,
}

/// A centre's events, newest first. The SQL is built per filter so that each
/// shape gets its own plan and index.
pub async fn list(
    db: impl PgExecutor<'_>,
    centre_id: Uuid,
    filter: &Filter,
    limit: i64,
) -> sqlx::Result<Vec<Entry>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT e.id, e.at, e.kind, e.detail, host(e.ip) AS ip,
                actor.full_name AS actor_name, subject.full_name AS subject_name
         FROM audit_events e
         LEFT JOIN accounts actor ON actor.id = e.actor_id
         LEFT JOIN accounts subject ON subject.id = e.subject_account_id
         WHERE e.centre_id = ",
    );
    q.push_bind(centre_id);
    if let Some(account) = filter.account_id {
        q.push(" AND (e.actor_id = ")
            .push_bind(account)
            .push(" OR e.subject_account_id = ")
            .push_bind(account)
            .push(")");
    }
    if let Some(kind) = filter.kind {
        q.push(" AND e.kind = ").push_bind(kind);
    }
    if let Some(case_id) = filter.case_id {
        q.push(" AND e.case_id = ").push_bind(case_id);
    }
    if let Some(before) = filter.before {
        q.push(" AND e.id < ").push_bind(before);
    }
    q.push(" ORDER BY e.id DESC LIMIT ").push_bind(limit);
    q.build_query_as().fetch_all(db).await
}

/// What a user is told at sign-in happened to their account since they
/// last signed in: failed attempts, and changes to how they sign in.
#[derive(Debug, Default)]
pub struct SinceLastLogin {
    pub previous_login_at: Option<OffsetDateTime>,
    pub previous_login_ip: Option<String>,
    pub failed_attempts: i64,
    /// Of those, wrong codes after the right password: someone has it.
    pub failed_codes: i64,
    /// Password or second factor changed or reset, newest first.
    pub changes: Vec<(OffsetDateTime, AuditKind)>,
}

impl SinceLastLogin {
    /// Whether there is anything to tell.
    pub fn shown(&self) -> bool {
        self.previous_login_at.is_some() || self.failed_attempts > 0 || !self.changes.is_empty()
    }

    pub fn previous_login(&self) -> Option<String> {
        self.previous_login_at.map(crate::locale::date_time)
    }

    pub fn changes(&self) -> Vec<(String, &'static str)> {
        self.changes
            .iter()
            .map(|(at, kind)| (crate::locale::date_time(*at), kind.label()))
            .collect()
    }
}

/// What the dashboard tells of since the previous sign-in.
pub const SINCE_LAST_LOGIN_KINDS: [AuditKind; 9] = [
    AuditKind::LoginFailed,
    AuditKind::SecondFactorFailed,
    AuditKind::SecondFactorReplayed,
    AuditKind::PasswordChanged,
    AuditKind::PasswordReset,
    AuditKind::SecondFactorEnrolled,
    AuditKind::SecondFactorReset,
    AuditKind::RecoveryCodeUsed,
    AuditKind::SessionsEndedByAdmin,
];

impl SinceLastLogin {
    /// From the previous sign-in and the events of `SINCE_LAST_LOGIN_KINDS`
    /// about the account between it and this one, newest first.
    pub fn from_events(
        previous_login_at: Option<OffsetDateTime>,
        previous_login_ip: Option<String>,
        events: Vec<(OffsetDateTime, AuditKind)>,
    ) -> Self {
        let code = |k: &AuditKind| {
            matches!(
                k,
                AuditKind::SecondFactorFailed | AuditKind::SecondFactorReplayed
            )
        };
        let failed = |k: &AuditKind| *k == AuditKind::LoginFailed || code(k);
        SinceLastLogin {
            previous_login_at,
            previous_login_ip,
            failed_attempts: events.iter().filter(|(_, k)| failed(k)).count() as i64,
            failed_codes: events.iter().filter(|(_, k)| code(k)).count() as i64,
            changes: events.into_iter().filter(|(_, k)| !failed(k)).collect(),
        }
    }
}

/// What `trygg audit verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every event links to the one before it: how many, and the last link
    /// as `seq:hash` (worth noting elsewhere: a chain cut short at its end,
    /// or recomputed whole, is only seen against such a note).
    Holds {
        rows: i64,
        last_link: Option<String>,
    },
    /// The first event that does not link (changed, added or removed
    /// behind the triggers): its id, and its place in the chain if it has one.
    BrokenAt { id: i64, seq: Option<i64> },
    /// The link noted earlier (`--expect`) is not in the chain.
    LinkMissing { expected: String },
}

/// Recomputes the chain through the audit log (see the migration
/// `…_audit_chain`), in one snapshot; with `expected`, also checks that a
/// link noted earlier (`seq:hash`) is still there.
pub async fn verify_chain(db: &sqlx::PgPool, expected: Option<&str>) -> sqlx::Result<ChainCheck> {
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let broken: Option<(i64, Option<i64>)> = sqlx::query_as(
        "WITH chain AS (
             SELECT e.id, c.seq, c.row_hash, audit_row_text(e, c.seq) AS body,
                    lag(c.row_hash) OVER (ORDER BY c.seq NULLS LAST, e.id) AS previous_hash,
                    lag(c.seq) OVER (ORDER BY c.seq NULLS LAST, e.id) AS previous_seq
             FROM audit_events e LEFT JOIN audit_chain c ON c.event_id = e.id)
         SELECT id, seq FROM chain
         WHERE seq IS NULL
            OR seq <> coalesce(previous_seq, 0) + 1
            OR row_hash IS DISTINCT FROM
               sha256(coalesce(previous_hash, ''::bytea) || convert_to(body, 'UTF8'))
         ORDER BY seq NULLS LAST, id LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id, seq)) = broken {
        return Ok(ChainCheck::BrokenAt { id, seq });
    }
    // A link whose event is gone: the event was removed.
    let orphan: Option<(i64, i64)> = sqlx::query_as(
        "SELECT c.event_id, c.seq FROM audit_chain c
         WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.id = c.event_id)
         ORDER BY c.seq LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id, seq)) = orphan {
        return Ok(ChainCheck::BrokenAt { id, seq: Some(seq) });
    }
    if let Some(expected) = expected {
        let found: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM audit_chain
                            WHERE seq::text || ':' || encode(row_hash, 'hex') = $1)",
        )
        .bind(expected.trim())
        .fetch_one(&mut *tx)
        .await?;
        if !found {
            return Ok(ChainCheck::LinkMissing {
                expected: expected.trim().to_owned(),
            });
        }
    }
    let (rows, last_link): (i64, Option<String>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM audit_events),
                (SELECT seq::text || ':' || encode(row_hash, 'hex') FROM audit_chain
                 ORDER BY seq DESC LIMIT 1)",
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(ChainCheck::Holds { rows, last_link })
}
