//! Restricted cases (issue 18): a resident whom some of the staff know (a
//! neighbour, a relative) gets a case that only named staff may open.
//! Everyone else at the centre sees «Begrenset tilgang» and its contact person in
//! the list, so work is not lost, and nothing more.
//!
//! One check guards every route about a case: `guard` runs in front of every
//! signed-in route, finds the case its route names (`/cases/{id}/…`, the
//! plan's case of `/reviews/{id}/…`, the case made of `/shared/{id}/…`),
//! read from the path as the handlers read it (percent-decoded), and
//! refuses, with an audit event, whoever is not on the case's list. A route added later under those paths is guarded
//! without saying so. Lists that name people filter with `may_open`.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{FromRequestParts, MatchedPath, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use super::Case;
use crate::AppState;
use crate::accounts::Role;
use crate::audit::{AuditKind, Event};
use crate::auth::Permission;
use crate::auth::permission::{Can, grant::RestrictCases};
use crate::auth::session::{CurrentUser, SessionState};
use crate::error::AppError;
use crate::forms::{Choice, FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, RecordId};

/// SQL: whether `account` may open the case `case` names (an alias and a
/// parameter or column). The one way every query says it.
pub fn may_open(case: &str, account: &str) -> String {
    format!("({case}.restricted_to IS NULL OR {account} = ANY({case}.restricted_to))")
}

/// What a path is about, as far as restriction goes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Subject {
    Case(Uuid),
    /// A plan under review: its person's case.
    Plan(Uuid),
    /// What another centre shared: the case started from it, if any.
    Share(Uuid),
}

/// The subject of the route `route` (`/cases/{id}/edit`), its parameters
/// as the handlers will read them.
fn subject(route: &str, params: &HashMap<String, String>) -> Option<Subject> {
    let mut parts = route.trim_start_matches('/').split('/');
    let (area, param) = (parts.next()?, parts.next()?);
    let name = param.strip_prefix('{')?.strip_suffix('}')?;
    let id = Uuid::parse_str(params.get(name)?).ok()?;
    match area {
        "cases" => Some(Subject::Case(id)),
        "reviews" => Some(Subject::Plan(id)),
        "shared" => Some(Subject::Share(id)),
        _ => None,
    }
}

/// A restricted case the caller may not open.
#[derive(FromRow)]
struct Refused {
    /// `None`: a share not yet made a case, held back (`share_held_back`).
    case_id: Option<Uuid>,
    contact_name: Option<String>,
    /// Nobody active on the list may change it: any coordinator of the
    /// centre may then take the list over (`view_restriction_post`).
    orphaned: bool,
}

async fn refused(
    db: &PgPool,
    user: &CurrentUser,
    subject: Subject,
) -> sqlx::Result<Option<Refused>> {
    let (case, id) = match subject {
        Subject::Case(id) => ("$1", id),
        Subject::Plan(id) => (
            "(SELECT pe.case_id FROM plans p JOIN persons pe ON pe.id = p.person_id
              WHERE p.id = $1 AND p.centre_id = $2)",
            id,
        ),
        Subject::Share(id) => (
            "(SELECT s.case_id FROM relocation_shares s
              WHERE s.id = $1 AND s.destination_centre_id = $2)",
            id,
        ),
    };
    // coalesce: an unknown answer is a refusal, never a pass.
    let refused: Option<Refused> = sqlx::query_as(&format!(
        "SELECT c.id AS case_id, a.full_name AS contact_name, {} AS orphaned
         FROM cases c LEFT JOIN accounts a ON a.id = c.contact_person_id
         WHERE c.id = {case} AND c.centre_id = $2 AND NOT coalesce({}, false)",
        orphaned("$4"),
        may_open("c", "$3")
    ))
    .bind(id)
    .bind(user.centre_id)
    .bind(user.id)
    .bind(restricting_roles())
    .fetch_optional(db)
    .await?;
    match (refused, subject) {
        (None, Subject::Share(id)) if share_held_back(db, user, id).await? => Ok(Some(Refused {
            case_id: None,
            contact_name: None,
            orphaned: false,
        })),
        (refused, _) => Ok(refused),
    }
}

/// A share of a case restricted where it came from, no case made of it
/// yet: only those who may restrict a case (who decide who else may see
/// it) open it and make its case.
async fn share_held_back(db: &PgPool, user: &CurrentUser, id: Uuid) -> sqlx::Result<bool> {
    if user.may(Permission::RestrictCases) {
        return Ok(false);
    }
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM relocation_shares s
                        WHERE s.id = $1 AND s.destination_centre_id = $2 AND s.case_id IS NULL
                          AND coalesce((s.content->>'restricted_at_origin')::boolean, false))",
    )
    .bind(id)
    .bind(user.centre_id)
    .fetch_one(db)
    .await
}

/// Whether `user` may no longer open the case the page at `path` was
/// about: a form kept across an expired session is not shown to one taken
/// off the case's list since.
/// A path under a guarded area whose id does not read as one (encoded, say)
/// is refused: unknown is never a pass.
pub async fn refuses_path(db: &PgPool, user: &CurrentUser, path: &str) -> sqlx::Result<bool> {
    let path = path.split('?').next().unwrap_or_default();
    let mut parts = path.trim_start_matches('/').split('/');
    let (Some(area), Some(id)) = (parts.next(), parts.next()) else {
        return Ok(false);
    };
    let params = HashMap::from([("id".to_owned(), id.to_owned())]);
    match subject(&format!("/{area}/{{id}}"), &params) {
        Some(subject) => Ok(refused(db, user, subject).await?.is_some()),
        None => Ok(matches!(area, "cases" | "reviews" | "shared") && id != "new"),
    }
}

#[derive(Template)]
#[template(path = "cases/restricted.html")]
struct RestrictedPage {
    page: Page,
    contact_name: Option<String>,
    /// The case whose orphaned list the caller, a coordinator, may take over.
    takeover: Option<Uuid>,
    /// Nobody active on the list may change it (told to everyone).
    orphaned: bool,
}

/// In front of every signed-in route: a path about a restricted case goes
/// on only for those on its list. Another centre's case, or none, goes on
/// to its handler, which answers 404.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let params = Path::<HashMap<String, String>>::from_request_parts(&mut parts, &state)
        .await
        .map(|Path(params)| params)
        .unwrap_or_default();
    let about = parts
        .extensions
        .get::<MatchedPath>()
        .and_then(|route| subject(route.as_str(), &params));
    let Some(subject) = about else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let Some(user) = parts.extensions.get::<CurrentUser>().cloned() else {
        return AppError::SignInRequired.into_response();
    };
    // A review is refused to whoever may not review (403) before anything
    // is said about its case.
    if matches!(subject, Subject::Plan(_)) && !user.may(Permission::DecidePlans) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let refusal = match refused(&state.db, &user, subject).await {
        Ok(None) => return next.run(Request::from_parts(parts, body)).await,
        Ok(Some(refusal)) => refusal,
        Err(e) => return AppError::from(e).into_response(),
    };
    // A list nobody active may change is taken over by a coordinator of the
    // centre, on its form only (audited there).
    let takeover = parts
        .extensions
        .get::<MatchedPath>()
        .is_some_and(|route| route.as_str() == TAKEOVER_ROUTE);
    if refusal.orphaned && takeover && user.may(Permission::RestrictCases) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let ip = ClientIp::from_request_parts(&mut parts, &state)
        .await
        .map(|ClientIp(ip)| ip)
        .unwrap_or(None);
    // A share held back has no case yet: the event names the share.
    let share = match subject {
        Subject::Share(id) => id.to_string(),
        _ => String::new(),
    };
    let event = match refusal.case_id {
        Some(case) => Event::on_case(AuditKind::RestrictedCaseRefused, &user, ip, case),
        None => Event::by(AuditKind::RestrictedCaseRefused, &user, ip).detail(&share),
    };
    if let Err(e) = event.record(&state.db).await {
        return AppError::from(e).into_response();
    }
    let session = parts
        .extensions
        .get::<SessionState>()
        .cloned()
        .unwrap_or_default();
    render_with_status(
        StatusCode::FORBIDDEN,
        &RestrictedPage {
            page: Page::from_session(&session),
            contact_name: refusal.contact_name,
            takeover: refusal
                .case_id
                .filter(|_| refusal.orphaned && user.may(Permission::RestrictCases)),
            orphaned: refusal.orphaned,
        },
    )
    .unwrap_or_else(IntoResponse::into_response)
}

// ---- Accounts on the lists ----

/// The roles that may change a restriction, as stored.
fn restricting_roles() -> Vec<&'static str> {
    Role::ALL
        .iter()
        .filter(|role| role.may(Permission::RestrictCases))
        .map(|role| role.code())
        .collect()
}

/// SQL, of a case `c` (`roles` the restricting roles; `is_orphaned` says the
/// same of a loaded case): nobody active on its
/// list may change it. The account that restricted it left, or lost the
/// role: a coordinator of the centre may take the list over, rather than
/// an administrator being stopped from deactivating a coordinator who
/// should no longer see the case.
fn orphaned(roles: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM accounts r WHERE r.id = ANY(c.restricted_to)
                     AND r.active AND r.role = ANY({roles}))"
    )
}

/// The one route a coordinator not on an orphaned list may reach.
const TAKEOVER_ROUTE: &str = "/cases/{id}/restriction";

/// Changes to the lists, and to the accounts on them, one at a time per
/// centre: a list is never checked against accounts that change meanwhile.
pub async fn lock_lists(tx: &mut sqlx::PgConnection, centre_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('trygg-restriction'), hashtext($1::text))")
        .bind(centre_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Takes a deactivated `account` off every list it is on, each audited on
/// its case: reactivated, it gets no access back by itself. A list of one
/// keeps it (a list is never empty); nobody active is then on it, and a
/// coordinator may take it over. Each case's version moves, so a form open
/// on it meanwhile cannot put the account back.
pub async fn remove_from_lists(
    tx: &mut sqlx::PgConnection,
    actor: &CurrentUser,
    ip: Option<std::net::IpAddr>,
    account: Uuid,
) -> sqlx::Result<()> {
    lock_lists(tx, actor.centre_id).await?;
    let cases: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE cases SET restricted_to = array_remove(restricted_to, $1),
                          lock_version = lock_version + 1, updated_at = now()
         WHERE centre_id = $2 AND restricted_to @> ARRAY[$1::uuid]
           AND cardinality(restricted_to) > 1
         RETURNING id",
    )
    .bind(account)
    .bind(actor.centre_id)
    .fetch_all(&mut *tx)
    .await?;
    for case in cases {
        Event::on_case(AuditKind::CaseAccessRevoked, actor, ip, case)
            .about_account(account)
            .detail("deactivated")
            .record(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Restricts a case just started from a share of a restricted case to the
/// one who started it, a coordinator (`share_held_back`), who then says who
/// else may open it.
pub async fn restrict_to_starter(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    ip: Option<std::net::IpAddr>,
    case_id: Uuid,
) -> sqlx::Result<()> {
    lock_lists(tx, user.centre_id).await?;
    let change = ListChange {
        case_id,
        before: None,
        after: Some(std::slice::from_ref(&user.id)),
    };
    save_list(tx, (user, ip), change, "from_share").await
}

/// A case's list, as it was and as it is to be (`None`: everyone at the
/// centre may open the case).
struct ListChange<'a> {
    case_id: Uuid,
    before: Option<&'a [Uuid]>,
    after: Option<&'a [Uuid]>,
}

/// The one way a list is saved, under `lock_lists`: the case's version
/// moves (a form open on it meanwhile gets 409), and the change is audited.
/// Restricted: that, with `detail`, and each one given or losing access.
/// Lifted: one event, as everyone may open it. Nothing changed: nothing.
async fn save_list(
    tx: &mut sqlx::PgConnection,
    (user, ip): (&CurrentUser, Option<std::net::IpAddr>),
    change: ListChange<'_>,
    detail: &'static str,
) -> sqlx::Result<()> {
    let ListChange {
        case_id,
        before,
        after,
    } = change;
    let saved = sqlx::query(
        "UPDATE cases SET restricted_to = $3, lock_version = lock_version + 1, updated_at = now()
         WHERE id = $1 AND centre_id = $2",
    )
    .bind(case_id)
    .bind(user.centre_id)
    .bind(after)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if saved != 1 {
        // Nothing saved, nothing to audit.
        return Err(sqlx::Error::RowNotFound);
    }
    let event = |kind| Event::on_case(kind, user, ip, case_id);
    let mut events = Vec::new();
    match (before, after) {
        (Some(_), None) => events.push(event(AuditKind::CaseRestrictionLifted)),
        (None, None) => {}
        (before, Some(after)) => {
            let before = before.unwrap_or_default();
            if before.is_empty() {
                events.push(event(AuditKind::CaseRestricted).detail(detail));
            }
            for id in after.iter().filter(|id| !before.contains(id)) {
                events.push(event(AuditKind::CaseAccessGranted).about_account(*id));
            }
            for id in before.iter().filter(|id| !after.contains(id)) {
                events.push(event(AuditKind::CaseAccessRevoked).about_account(*id));
            }
        }
    }
    for event in &events {
        event.record(&mut *tx).await?;
    }
    Ok(())
}

// ---- Restricting a case ----

/// An active account of the centre, as the form offers it.
#[derive(FromRow)]
struct Colleague {
    id: Uuid,
    full_name: String,
    role: Role,
}

async fn colleagues(
    db: impl sqlx::PgExecutor<'_>,
    centre_id: Uuid,
) -> sqlx::Result<Vec<Colleague>> {
    sqlx::query_as(
        "SELECT id, full_name, role FROM accounts WHERE centre_id = $1 AND active
         ORDER BY full_name, id",
    )
    .bind(centre_id)
    .fetch_all(db)
    .await
}

/// The contact people the list must hold: the case's and its children's.
async fn contacts_of(db: impl sqlx::PgExecutor<'_>, case: &Case) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT contact_person_id FROM persons
         WHERE case_id = $1 AND centre_id = $2 AND removed_at IS NULL
           AND contact_person_id IS NOT NULL
         UNION SELECT contact_person_id FROM cases
         WHERE id = $1 AND centre_id = $2 AND contact_person_id IS NOT NULL",
    )
    .bind(case.id)
    .bind(case.centre_id)
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "cases/restriction.html")]
struct RestrictionPage {
    page: Page,
    case: Case,
    resident_name: String,
    scope_choices: Vec<Choice>,
    staff: Vec<Choice>,
    lock_version: i32,
    errors: FieldErrors,
    /// Someone changed the case while this form was open: who may open it
    /// now, as saved (ticked on the form), and whom this user chose.
    conflict: Option<(String, String)>,
    /// A coordinator takes over a list nobody on it may change any more.
    taking_over: bool,
}

/// Whether nobody active on the case's list may change it, of the centre's
/// active `colleagues`: as `orphaned` says it in SQL for the guard.
fn is_orphaned(case: &Case, colleagues: &[Colleague]) -> bool {
    case.restricted_to.as_ref().is_some_and(|ids| {
        !colleagues
            .iter()
            .any(|c| ids.contains(&c.id) && c.role.may(Permission::RestrictCases))
    })
}

const SCOPES: [(&str, &str); 2] = [
    ("all", "Alle ansatte ved senteret kan åpne saken"),
    ("named", "Bare ansatte du krysser av for, kan åpne saken"),
];

impl RestrictionPage {
    fn new(
        page: Page,
        (case, resident_name): (Case, String),
        scope: &str,
        chosen: &[Uuid],
        colleagues: &[Colleague],
    ) -> Self {
        let chosen: Vec<String> = chosen.iter().map(Uuid::to_string).collect();
        RestrictionPage {
            page,
            taking_over: is_orphaned(&case, colleagues),
            lock_version: case.lock_version,
            case,
            resident_name,
            scope_choices: Choice::list(SCOPES, &[scope.to_owned()]),
            staff: colleagues
                .iter()
                .map(|c| Choice {
                    value: c.id.to_string(),
                    label: format!("{} ({})", c.full_name, c.role.label().to_lowercase()),
                    checked: chosen.contains(&c.id.to_string()),
                })
                .collect(),
            errors: FieldErrors::default(),
            conflict: None,
        }
    }
}

pub async fn view_restriction_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<RestrictCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let case = super::load_for(&state.db, user.centre_id, id).await?;
    let resident = super::resident_of(&state.db, case.id).await?;
    let colleagues = colleagues(&state.db, user.centre_id).await?;
    Event::on_case(AuditKind::CaseViewed, &user, ip, case.id)
        .record_read(&state.reads)
        .await?;
    // A new restriction starts with the one restricting and the contact
    // people ticked: they are the least the list needs.
    let (scope, chosen) = match &case.restricted_to {
        Some(ids) => ("named", ids.clone()),
        None => {
            let mut ids = contacts_of(&state.db, &case).await?;
            ids.push(user.id);
            ("all", ids)
        }
    };
    render(&RestrictionPage::new(
        page,
        (case, resident.name),
        scope,
        &chosen,
        &colleagues,
    ))
}

pub async fn view_restriction_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<RestrictCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    fields: FormFields,
) -> Result<Response, AppError> {
    // Read and checked under the centre's lock: no account is deactivated,
    // and no other list saved, between the check and the save.
    let mut tx = state.db.begin().await?;
    lock_lists(&mut tx, user.centre_id).await?;
    // The case's row too: a case edit (its contact person) waits for this.
    sqlx::query("SELECT 1 FROM cases WHERE id = $1 AND centre_id = $2 FOR UPDATE")
        .bind(id)
        .bind(user.centre_id)
        .execute(&mut *tx)
        .await?;
    let case = super::load_for(&mut *tx, user.centre_id, id).await?;
    let colleagues = colleagues(&mut *tx, user.centre_id).await?;
    let contacts = contacts_of(&mut *tx, &case).await?;
    let resident_name = super::resident_of(&mut *tx, case.id).await?.name;
    let was_orphaned = is_orphaned(&case, &colleagues);
    let ticked: HashSet<String> = fields.all("staff").into_iter().collect();
    // Only the centre's active accounts count; anything else sent is dropped.
    let chosen: Vec<Uuid> = colleagues
        .iter()
        .filter(|c| ticked.contains(&c.id.to_string()))
        .map(|c| c.id)
        .collect();
    let mut errors = FieldErrors::default();
    let scope = match fields.get("scope") {
        "named" => "named",
        "all" => "all",
        _ => {
            errors.add("scope", "Velg hvem som kan åpne saken.");
            ""
        }
    };
    if scope == "named" {
        let missing: Vec<&str> = colleagues
            .iter()
            .filter(|c| contacts.contains(&c.id) && !chosen.contains(&c.id))
            .map(|c| c.full_name.as_str())
            .collect();
        if !missing.is_empty() {
            errors.add(
                "staff",
                format!(
                    "Kontaktpersonene i saken må ha tilgang: kryss av for {}, eller bytt kontaktperson først.",
                    crate::locale::listing(&missing)
                ),
            );
        } else if !colleagues
            .iter()
            .any(|c| chosen.contains(&c.id) && c.role.may(Permission::RestrictCases))
        {
            errors.add(
                "staff",
                "Kryss av for minst én koordinator, så noen kan endre tilgangen senere.",
            );
        }
    }
    let read_at: i32 = fields.get("lock_version").parse().unwrap_or(-1);
    if !errors.is_empty() {
        drop(tx);
        let mut form =
            RestrictionPage::new(page, (case, resident_name), scope, &chosen, &colleagues);
        form.lock_version = read_at;
        form.errors = errors;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &form);
    }
    if case.lock_version != read_at {
        drop(tx);
        // Someone saved the case since the form was read: the form shows
        // who may open it now, as saved, and says what this user chose.
        let name_of = |ids: &[Uuid]| {
            crate::locale::listing(
                &colleagues
                    .iter()
                    .filter(|c| ids.contains(&c.id))
                    .map(|c| c.full_name.as_str())
                    .collect::<Vec<_>>(),
            )
        };
        let everyone = "alle ansatte ved senteret".to_owned();
        let now = case
            .restricted_to
            .as_deref()
            .map_or(everyone.clone(), name_of);
        let mine = if scope == "named" {
            name_of(&chosen)
        } else {
            everyone
        };
        let (now_scope, now_chosen) = match &case.restricted_to {
            Some(ids) => ("named", ids.clone()),
            None => ("all", Vec::new()),
        };
        let mut form = RestrictionPage::new(
            page,
            (case, resident_name),
            now_scope,
            &now_chosen,
            &colleagues,
        );
        form.conflict = Some((now, mine));
        return render_with_status(StatusCode::CONFLICT, &form);
    }
    let restricted_to = (scope == "named").then(|| chosen.clone());
    if was_orphaned {
        Event::on_case(AuditKind::CaseRestrictionTakenOver, &user, ip, case.id)
            .record(&mut *tx)
            .await?;
    }
    let change = ListChange {
        case_id: case.id,
        before: case.restricted_to.as_deref(),
        after: restricted_to.as_deref(),
    };
    save_list(&mut tx, (&user, ip), change, "").await?;
    tx.commit().await?;
    let notice = match restricted_to {
        Some(ids) if !ids.contains(&user.id) => "/cases?melding=skjermet-uten-deg".to_owned(),
        Some(_) => format!("/cases/{}?melding=sak-skjermet", case.id),
        None => format!("/cases/{}?melding=skjerming-opphevet", case.id),
    };
    Ok(Redirect::to(&notice).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_knows_every_route_about_a_case_or_a_review() {
        let id = Uuid::new_v4();
        let params = HashMap::from([
            ("id".to_owned(), id.to_string()),
            ("case_id".to_owned(), id.simple().to_string()),
            ("person_id".to_owned(), Uuid::new_v4().to_string()),
        ]);
        for (route, expected) in [
            ("/cases/{id}", Some(Subject::Case(id))),
            (
                "/cases/{id}/people/{person_id}/plan",
                Some(Subject::Case(id)),
            ),
            // Whatever the parameter is called, in whatever form of UUID.
            ("/cases/{case_id}/new-thing", Some(Subject::Case(id))),
            ("/reviews/{id}/approve", Some(Subject::Plan(id))),
            ("/shared/{id}/case", Some(Subject::Share(id))),
            ("/cases", None),
            ("/cases/new", None),
            ("/reviews", None),
            ("/admin/users/{id}", None),
            ("/cases/{missing}", None),
        ] {
            assert_eq!(subject(route, &params), expected, "{route}");
        }
    }
}
