//! `/shared` («Delt med oss»): what other centres shared with this one when
//! a resident moved here with consent (R6). Read-only; every read is
//! audited here and, without a name, at the centre that shared it. The
//! destination can start its own case from it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::Move;
use super::share::{self, Incoming, SharedPerson};
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::Permission;
use crate::auth::permission::{
    Can,
    grant::{ReadCases, WriteCases},
};
use crate::cases::{CaseFields, ChildFields};
use crate::error::AppError;
use crate::http::page::{Page, render};
use crate::http::{ClientIp, RecordId};
use crate::locale;
use crate::plans::content::links_of;
use crate::versioned::{Sections, sections};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shared", get(view_shared_get))
        .route("/shared/{id}", get(view_share_get))
        .route("/shared/{id}/case", post(view_share_case_post))
}

#[derive(Template)]
#[template(path = "relocation/shared.html")]
struct SharedPage {
    page: Page,
    shares: Vec<Incoming>,
}

pub(super) async fn view_shared_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    let shares = share::incoming(
        &state.db,
        (user.centre_id, user.id, user.may(Permission::RestrictCases)),
    )
    .await?;
    Event::by(AuditKind::SharedListViewed, &user, ip)
        .record_read(&state.reads)
        .await?;
    render(&SharedPage { page, shares })
}

/// One person as shared: what of theirs was consented, as rows.
struct PersonShown {
    person: SharedPerson,
    mapping: Option<(i32, String, Sections)>,
    plan: Option<(i32, String, Sections)>,
}

#[derive(Template)]
#[template(path = "relocation/share.html")]
struct SharePage {
    page: Page,
    share: Incoming,
    people: Vec<PersonShown>,
    /// (name, relations, the rest as rows)
    perpetrators: Vec<(String, String, Sections)>,
    history: Vec<Move>,
    may_start_case: bool,
}

fn shown(person: &SharedPerson) -> PersonShown {
    let day = |d: Option<time::Date>| d.map(locale::date).unwrap_or_default();
    // A plan's measures name the fears and threats they answer; those are
    // shown only where the mapping itself was shared.
    let links = person
        .mapping
        .as_ref()
        .map(|m| links_of(&m.content))
        .unwrap_or_default();
    PersonShown {
        mapping: person
            .mapping
            .as_ref()
            .map(|m| (m.version, day(m.completed_on), sections(m.content.rows()))),
        plan: person.plan.as_ref().map(|p| {
            (
                p.version,
                day(p.approved_on),
                sections(p.content.rows(&links)),
            )
        }),
        person: person.clone(),
    }
}

pub(super) async fn view_share_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let share = share::load_incoming(&state.db, user.centre_id, id).await?;
    let mut tx = state.db.begin().await?;
    let read = match share.case_id {
        Some(case_id) => Event::on_case(AuditKind::ShareViewed, &user, ip, case_id),
        None => Event::by(AuditKind::ShareViewed, &user, ip),
    };
    read.record(&mut *tx).await?;
    // The origin learns that the share was opened, until the destination
    // starts its own case: after that, reads are the destination's work.
    if share.case_id.is_none() {
        Event::opened_elsewhere(share.origin_centre_id, share.origin_case_id)
            .record(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let mut history = share.snapshot.earlier_moves.clone();
    history.push(share.snapshot.this_move());
    render(&SharePage {
        page,
        people: share.snapshot.people.iter().map(shown).collect(),
        perpetrators: share
            .snapshot
            .perpetrators
            .iter()
            .map(|p| {
                let rows = p.content.rows(&[]).into_iter().filter(|r| r.key != "name");
                (
                    p.content.name.clone(),
                    p.relations.clone(),
                    sections(rows.collect()),
                )
            })
            .collect(),
        history,
        may_start_case: user.may(Permission::WriteCases),
        share,
    })
}

/// Starts this centre's own case from what was shared: the resident and
/// the children, and each shared mapping as the person's version 1, marked
/// as received. Once: a second try shows the case already started.
pub(super) async fn view_share_case_post(
    State(state): State<AppState>,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let share = share::load_incoming(&state.db, user.centre_id, id).await?;
    if let Some(case_id) = share.case_id {
        return Ok(Redirect::to(&format!("/cases/{case_id}")).into_response());
    }
    let snapshot = &share.snapshot;
    let resident = snapshot
        .resident()
        .ok_or_else(|| AppError::Internal("a share without its resident".into()))?;
    let mut tx = state.db.begin().await?;
    let fields = CaseFields {
        resident_name: resident.name.clone(),
        resident_birth_date: resident.birth_date,
        resident_phone: String::new(),
        arrival_date: locale::today(),
        planned_departure_date: None,
        contact_person_id: user.id,
        violence_kinds: Vec::new(),
        note: String::new(),
        closed_on: None,
    };
    let case_id = crate::cases::create(&mut tx, user.centre_id, &fields, false).await?;
    if !share::link_case(&mut tx, &share, user.centre_id, case_id).await? {
        // Started by someone else a moment ago.
        tx.rollback().await?;
        let share = share::load_incoming(&state.db, user.centre_id, id).await?;
        let to = share
            .case_id
            .map_or("/shared".to_owned(), |c| format!("/cases/{c}"));
        return Ok(Redirect::to(&to).into_response());
    }
    let case = crate::cases::load_for(&mut *tx, user.centre_id, case_id).await?;
    let resident_id = crate::cases::resident_of(&mut *tx, case_id).await?.id;
    for person in &snapshot.people {
        let person_id = match person.is_child() {
            false => resident_id,
            true => {
                let child = ChildFields {
                    name: person.name.clone(),
                    birth_date: person.birth_date,
                    school: String::new(),
                    contact_person_id: None,
                };
                crate::cases::add_child(&mut *tx, &case, &child).await?
            }
        };
        if let Some(m) = &person.mapping {
            crate::mapping::receive(
                &mut tx,
                user.centre_id,
                person_id,
                &m.content,
                user.id,
                &snapshot.origin_centre,
            )
            .await?;
        }
    }
    Event::on_case(AuditKind::CaseStartedFromShare, &user, ip, case_id)
        .record(&mut *tx)
        .await?;
    // Restricted where it came from: restricted here too, to the one who
    // starts it, until a coordinator says who else (fail closed).
    if snapshot.restricted_at_origin {
        crate::cases::restriction::restrict_to_starter(&mut tx, &user, ip, case_id).await?;
    }
    tx.commit().await?;
    crate::flags::rescan_case(&state.db, &state.rules, case_id).await;
    let notice = match snapshot.restricted_at_origin {
        true => "sak-fra-begrenset",
        false => "sak-fra-deling",
    };
    Ok(Redirect::to(&format!("/cases/{case_id}?melding={notice}")).into_response())
}
