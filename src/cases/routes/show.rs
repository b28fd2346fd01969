//! The case page: its people, their mappings and plans, and the children
//! added to or removed from the case.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::audit::{AuditKind, Event};
use crate::auth::Permission;
use crate::auth::permission::{
    Can,
    grant::{ReadCases, WriteCases},
};
use crate::auth::session::CurrentUser;
use crate::cases::form::{ChildForm, contact_choices};
use crate::cases::{Case, Overview, Person};
use crate::error::AppError;
use crate::forms::{Choice, FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, PathIds, RecordId};
use crate::{AppState, locale};

/// A person on the case page, with their mapping's and plan's state.
struct PersonView {
    person: Person,
    contact_name: Option<String>,
    mapping: crate::mapping::Status,
    plan: crate::plans::model::Status,
    /// Open review flags (U4).
    flags: Vec<crate::flags::FlagKind>,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct CasePage {
    page: Page,
    case: Case,
    contact_name: String,
    people: Vec<PersonView>,
    child_form: ChildForm,
    child_errors: FieldErrors,
    child_contacts: Vec<Choice>,
    may_read_access_log: bool,
    /// A coordinator may restrict the case to named staff.
    may_restrict: bool,
    /// Whom a restricted case is restricted to, by name: «Kari og Ola».
    restricted_to: Option<String>,
    /// § 4 c: this case's relocations, oldest first.
    relocations: Vec<crate::relocation::Relocation>,
    /// R5: the moves between centres Trygg knows of for this resident.
    history: Vec<crate::relocation::Move>,
    may_write: bool,
}

impl CasePage {
    fn resident(&self) -> Option<&PersonView> {
        self.people.iter().find(|p| !p.person.is_child())
    }
    fn removed_children(&self) -> impl Iterator<Item = &PersonView> {
        self.people.iter().filter(|p| p.person.removed_at.is_some())
    }
    fn violence(&self) -> String {
        self.case
            .violence_kinds
            .iter()
            .map(|kind| kind.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn date(&self, d: &time::Date) -> String {
        locale::date(*d)
    }
    fn relocation_under_way(&self) -> bool {
        self.relocations.iter().any(|r| r.is_active())
    }
}

async fn case_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    overview: Overview,
    child_form: ChildForm,
    child_errors: FieldErrors,
) -> Result<CasePage, AppError> {
    let Overview {
        case,
        people,
        contact_people,
        history,
    } = overview;
    let relocations = crate::relocation::of_case(&state.db, user.centre_id, case.id).await?;
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| contact_people.iter().find(|(c, _)| *c == id))
            .map(|(_, n)| n.clone())
    };
    let people = people
        .into_iter()
        .map(|p| PersonView {
            contact_name: name_of(p.person.contact_person_id),
            person: p.person,
            mapping: p.mapping,
            plan: p.plan,
            flags: p.flags,
        })
        .collect();
    let restricted_to = case.restricted_to.as_ref().map(|ids| {
        let names: Vec<String> = ids.iter().filter_map(|id| name_of(Some(*id))).collect();
        locale::listing(&names)
    });
    Ok(CasePage {
        page,
        contact_name: name_of(case.contact_person_id).unwrap_or_default(),
        child_contacts: contact_choices(
            &case.possible_contacts(&contact_people),
            &child_form.child_contact_person_id,
            "Ingen ennå",
        ),
        case,
        people,
        child_form,
        child_errors,
        may_read_access_log: user.may(Permission::ReadAccessLog),
        may_restrict: user.may(Permission::RestrictCases),
        restricted_to,
        may_write: user.may(Permission::WriteCases),
        relocations,
        history,
    })
}

pub(super) async fn view_case_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let overview = crate::cases::overview(&state.db, user.centre_id, id).await?;
    Event::on_case(AuditKind::CaseViewed, &user, ip, id)
        .record_read(&state.reads)
        .await?;
    render(
        &case_page(
            &state,
            page,
            &user,
            overview,
            ChildForm::default(),
            FieldErrors::default(),
        )
        .await?,
    )
}

pub(super) async fn view_child_add_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    fields: FormFields,
) -> Result<Response, AppError> {
    let overview = crate::cases::overview(&state.db, user.centre_id, id).await?;
    let form = ChildForm::read(&fields);
    let contacts = overview.case.possible_contacts(&overview.contact_people);
    let child = match form.parse(&contacts) {
        Ok(child) => child,
        Err(errors) => {
            // The case page again, with the form: read as a view is.
            Event::on_case(AuditKind::CaseViewed, &user, ip, id)
                .record_read(&state.reads)
                .await?;
            let page = case_page(&state, page, &user, overview, form, errors).await?;
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    // The case may have been restricted since it was read: its contact
    // person is checked again under the lists' lock.
    crate::cases::restriction::lock_lists(&mut tx, user.centre_id).await?;
    let now = crate::cases::load_for(&mut *tx, user.centre_id, id).await?;
    if child
        .contact_person_id
        .is_some_and(|contact| !now.may_open(contact))
    {
        drop(tx);
        let mut errors = FieldErrors::default();
        errors.add(
            "child_contact_person_id",
            "Saken har fått begrenset tilgang: velg en kontaktperson som har tilgang til den.",
        );
        let page = case_page(&state, page, &user, overview, form, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    crate::cases::add_child(&mut *tx, &now, &child).await?;
    Event::on_case(AuditKind::ChildAdded, &user, ip, id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    crate::flags::rescan_case(&state.db, &state.rules, id).await;
    Ok(Redirect::to(&format!("/cases/{id}?melding=barn-lagt-til")).into_response())
}

#[derive(Template)]
#[template(path = "cases/remove_child.html")]
struct RemoveChildPage {
    page: Page,
    case: Case,
    child: Person,
}

/// Removing a child asks first, on a page of its own (no script needed).
pub(super) async fn view_child_remove_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, child) = crate::cases::case_and_person_to_change(
        &state.db,
        user.centre_id,
        path.id("id")?,
        path.id("person_id")?,
    )
    .await?;
    if !child.is_child() {
        return Err(AppError::NotFound);
    }
    Event::on_case(AuditKind::CaseViewed, &user, ip, case.id)
        .record_read(&state.reads)
        .await?;
    render(&RemoveChildPage { page, case, child })
}

pub(super) async fn view_child_remove_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ClientIp(ip): ClientIp,
    path: PathIds,
    posted: FormFields,
) -> Result<Response, AppError> {
    if posted.get("confirm") != "yes" {
        // Not confirmed (a form of before, or a forged one): ask.
        return view_child_remove_get(State(state), page, user, ClientIp(ip), path).await;
    }
    let case = crate::cases::load_for(&state.db, user.centre_id, path.id("id")?).await?;
    let mut tx = state.db.begin().await?;
    if !crate::cases::remove_child(&mut *tx, &case, path.id("person_id")?).await? {
        return Err(AppError::NotFound);
    }
    Event::on_case(AuditKind::ChildRemoved, &user, ip, case.id)
        .record(&mut *tx)
        .await?;
    tx.commit().await?;
    crate::flags::rescan_case(&state.db, &state.rules, case.id).await;
    Ok(Redirect::to(&format!("/cases/{}?melding=barn-fjernet", case.id)).into_response())
}
