//! `/cases/{id}/people/{person_id}/plan…`: a person's safety plan, the
//! version being written, every version, two versions side by side, and the
//! two extracts that leave the centre on paper: the school's and the child's.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::content::{ChildQuestion, Content, Context, Flags, Link, SCHOOL_AGE, links_of};
use super::{DecisionRecord, Plan};
use crate::AppState;
use crate::audit::{self, AuditKind, Event};
use crate::auth::permission::{
    Can,
    grant::{ReadCases, WriteCases},
};
use crate::auth::session::CurrentUser;
use crate::cases::{self, Case, Person};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, PathIds};
use crate::mapping;
use crate::versioned::{CompareQuery, Compared, compare_rows};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/people/{person_id}/plan", get(view_plan_get))
        .route(
            "/cases/{id}/people/{person_id}/plan/draft",
            post(view_plan_draft_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/edit",
            get(view_plan_edit_get).post(view_plan_edit_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/flags",
            post(view_plan_flags_post),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/versions/{version}",
            get(view_plan_version_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/versions/{version}/school",
            get(view_plan_school_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/versions/{version}/child",
            get(view_plan_child_get),
        )
        .route(
            "/cases/{id}/people/{person_id}/plan/compare",
            get(view_plan_compare_get),
        )
}

pub fn url(case_id: uuid::Uuid, person_id: uuid::Uuid) -> String {
    format!("/cases/{case_id}/people/{person_id}/plan")
}

/// What a plan version is read against: the mapping version it builds on
/// (its fears and threats), the person and the centre.
pub struct Basis {
    pub mapping: mapping::Content,
    pub links: Vec<Link>,
    pub child: bool,
    pub school_age: bool,
    pub shielded_centre: bool,
}

impl Basis {
    pub async fn load(
        state: &AppState,
        centre_id: uuid::Uuid,
        person: &Person,
        mapping_version: i32,
    ) -> Result<Basis, AppError> {
        let mapping = mapping::version(&state.db, person, mapping_version)
            .await?
            .ok_or_else(|| AppError::Internal("a plan's mapping version is gone".into()))?
            .content;
        let centre = crate::accounts::centre(&state.db, centre_id).await?;
        Ok(Basis::new(
            mapping,
            person.is_child(),
            person.age(),
            centre.has_shielded_address,
        ))
    }

    pub fn new(mapping: mapping::Content, child: bool, age: i32, shielded_centre: bool) -> Basis {
        Basis {
            links: links_of(&mapping),
            mapping,
            child,
            school_age: child && age >= SCHOOL_AGE,
            shielded_centre,
        }
    }

    pub fn context(&self) -> Context<'_> {
        Context {
            child: self.child,
            school_age: self.school_age,
            shielded_centre: self.shielded_centre,
            mapping: &self.mapping,
            links: &self.links,
        }
    }

    pub fn flags(&self, content: &Content) -> Flags {
        content.flags(&self.context())
    }
}

/// One version as read on its page, in a review, and on paper.
pub struct PlanView {
    pub plan: Plan,
    pub basis: Basis,
    pub flags: Flags,
    pub decisions: Vec<DecisionRecord>,
}

impl PlanView {
    pub async fn load(
        state: &AppState,
        centre_id: uuid::Uuid,
        person: &Person,
        plan: Plan,
    ) -> Result<PlanView, AppError> {
        let basis = Basis::load(state, centre_id, person, plan.mapping_version).await?;
        let decisions = super::decisions(&state.db, &plan).await?;
        Ok(PlanView {
            flags: basis.flags(&plan.content),
            basis,
            plan,
            decisions,
        })
    }

    pub fn answers(&self, measure: &super::content::Measure) -> Vec<String> {
        measure.answer_labels(&self.basis.links)
    }

    pub fn child_questions(&self) -> Vec<ChildQuestion<'_>> {
        self.plan
            .content
            .child_part
            .questions(self.basis.shielded_centre)
    }

    /// The newest return comment, while the version is back with its writers.
    pub fn return_comment(&self) -> Option<&DecisionRecord> {
        super::return_comment(&self.plan, &self.decisions)
    }
}

// ---- Overview ----

#[derive(Template)]
#[template(path = "plans/overview.html")]
struct OverviewPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    versions: Vec<Plan>,
    /// The approved version in force, or else the newest one.
    shown: Option<PlanView>,
    unapproved: Option<Plan>,
    /// The newest completed mapping version, if any.
    mapping_version: Option<i32>,
}

impl OverviewPage {
    /// P10, M7: the mapping changed after the plan was built on it.
    fn newer_mapping(&self) -> Option<i32> {
        let built_on = self
            .unapproved
            .as_ref()
            .or(self.shown.as_ref().map(|v| &v.plan))?
            .mapping_version;
        self.mapping_version.filter(|n| *n > built_on)
    }
}

async fn view_plan_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person(&state.db, &user, &path).await?;
    let versions = super::versions(&state.db, &person).await?;
    let mapping_version = mapping::newest_completed(&state.db, &person)
        .await?
        .map(|m| m.version);
    let shown = versions
        .iter()
        .find(|p| p.is_approved())
        .or(versions.first())
        .cloned();
    let shown = match shown {
        Some(plan) => Some(PlanView::load(&state, user.centre_id, &person, plan).await?),
        None => None,
    };
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::PlanViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&OverviewPage {
        page,
        base: url(case.id, person.id),
        unapproved: versions.iter().find(|p| !p.is_approved()).cloned(),
        case,
        person,
        versions,
        shown,
        mapping_version,
    })
}

async fn view_plan_draft_post(
    State(state): State<AppState>,
    user: Can<WriteCases>,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person_to_change(&state.db, &user, &path).await?;
    let base = url(case.id, person.id);
    // M7: a plan is built on a completed mapping.
    let Some(mapping) = mapping::newest_completed(&state.db, &person).await? else {
        return Ok(
            Redirect::to(&format!("{base}?melding=plan-krever-kartlegging")).into_response(),
        );
    };
    super::start_draft(
        &state.db,
        &person,
        mapping.version,
        &links_of(&mapping.content),
        user.id,
    )
    .await?;
    Ok(Redirect::to(&format!("{base}/edit")).into_response())
}

// ---- The version being written ----

#[derive(Template)]
#[template(path = "plans/edit.html")]
struct EditPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    version: i32,
    lock_version: i32,
    mapping_version: i32,
    newer_mapping: Option<i32>,
    content: Content,
    basis: Basis,
    flags: Flags,
    errors: FieldErrors,
    return_comment: Option<DecisionRecord>,
    /// Someone else changed the plan while this form was filled.
    conflict: Option<Conflict>,
}

enum Conflict {
    /// Saved meanwhile: what they saved, where it differs.
    Saved(Vec<Compared>),
    /// Sent for approval meanwhile: this text cannot be saved now.
    Submitted,
}

impl EditPage {
    fn child_questions(&self) -> Vec<ChildQuestion<'_>> {
        self.content
            .child_part
            .questions(self.basis.shielded_centre)
    }

    fn conflict_rows(&self) -> Vec<Compared> {
        match &self.conflict {
            Some(Conflict::Saved(rows)) => rows.clone(),
            _ => Vec::new(),
        }
    }

    fn is_conflict(&self) -> bool {
        self.conflict.is_some()
    }

    fn submitted_meanwhile(&self) -> bool {
        matches!(self.conflict, Some(Conflict::Submitted))
    }
}

async fn view_plan_edit_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person_to_change(&state.db, &user, &path).await?;
    let base = url(case.id, person.id);
    let Some(plan) = super::unapproved(&state.db, &person)
        .await?
        .filter(Plan::is_open)
    else {
        return Ok(Redirect::to(&base).into_response());
    };
    let view = PlanView::load(&state, user.centre_id, &person, plan).await?;
    let newest = mapping::newest_completed(&state.db, &person)
        .await?
        .map(|m| m.version);
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::PlanViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&EditPage {
        page,
        base,
        case,
        person,
        version: view.plan.version,
        lock_version: view.plan.lock_version,
        mapping_version: view.plan.mapping_version,
        newer_mapping: newest.filter(|n| *n > view.plan.mapping_version),
        return_comment: view.return_comment().cloned(),
        content: view.plan.content,
        flags: view.flags,
        basis: view.basis,
        errors: FieldErrors::default(),
        conflict: None,
    })
}

async fn view_plan_edit_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<WriteCases>,
    ip: ClientIp,
    path: PathIds,
    form: FormFields,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person_to_change(&state.db, &user, &path).await?;
    let base = url(case.id, person.id);
    let newest = mapping::newest_completed(&state.db, &person)
        .await?
        .ok_or(AppError::NotFound)?;
    let (plan, mut conflict) = match super::unapproved(&state.db, &person).await? {
        Some(plan) if plan.is_open() => (plan, None),
        Some(plan) => (plan, Some(Conflict::Submitted)),
        None => {
            // Approved by a coordinator meanwhile. Nothing typed may be lost:
            // open the next version and show this text again.
            super::start_draft(
                &state.db,
                &person,
                newest.version,
                &links_of(&newest.content),
                user.id,
            )
            .await?;
            let plan = super::unapproved(&state.db, &person)
                .await?
                .ok_or(AppError::NotFound)?;
            (plan, Some(Conflict::Saved(Vec::new())))
        }
    };
    let action = form.get("action");
    let mapping_version = mapping_version_of(&form, &plan, newest.version);
    let basis = Basis::load(&state, user.centre_id, &person, mapping_version).await?;
    let (content, mut errors) = Content::from_form(&plan.content, &basis.links, &form);
    let submit = action == "submit";
    if submit {
        content.check_submit(&basis.context(), &mut errors);
    }
    let read_at: i32 = form.get("lock_version").parse().unwrap_or(0);
    let same_version = form.get("version") == plan.version.to_string();
    if conflict.is_none() && errors.is_empty() {
        let saved = same_version
            && read_at == plan.lock_version
            && super::save(
                &state.db,
                &plan,
                read_at,
                &content,
                mapping_version,
                user.id,
                submit,
            )
            .await?;
        if saved {
            let kind = if submit {
                AuditKind::PlanSubmitted
            } else {
                AuditKind::PlanSaved
            };
            audit::record(&state.db, &Event::on_case(kind, &user, ip.0, case.id)).await?;
            return Ok(if submit {
                Redirect::to(&format!("{base}?melding=plan-sendt"))
            } else if action == "rebase" {
                Redirect::to(&format!("{base}/edit?melding=plan-ny-kartlegging"))
            } else {
                Redirect::to(&format!("{base}/edit?melding=plan-lagret"))
            }
            .into_response());
        }
        conflict = Some(Conflict::Saved(Vec::new()));
    }
    // Shown again: errors, or someone else was first. What they saved is the
    // version to build on now.
    let current = super::unapproved(&state.db, &person).await?.unwrap_or(plan);
    let (status, lock_version) = match conflict {
        Some(Conflict::Saved(_)) => {
            let saved_basis =
                Basis::load(&state, user.centre_id, &person, current.mapping_version).await?;
            conflict = Some(Conflict::Saved(
                compare_rows(
                    current.content.rows(&saved_basis.links),
                    content.rows(&basis.links),
                )
                .into_iter()
                .filter(Compared::changed)
                .collect(),
            ));
            (StatusCode::CONFLICT, current.lock_version)
        }
        Some(Conflict::Submitted) => (StatusCode::CONFLICT, current.lock_version),
        None => (StatusCode::UNPROCESSABLE_ENTITY, read_at),
    };
    let decisions = super::decisions(&state.db, &current).await?;
    render_with_status(
        status,
        &EditPage {
            page,
            base,
            case,
            person,
            version: current.version,
            lock_version,
            mapping_version,
            newer_mapping: Some(newest.version).filter(|n| *n > mapping_version),
            return_comment: super::return_comment(&current, &decisions).cloned(),
            flags: basis.flags(&content),
            content,
            basis,
            errors,
            conflict,
        },
    )
}

/// The mapping version a posted plan form is read against. "Bygg på
/// nyeste kartlegging" moves the typed text onto the newest mapping, and a
/// form shown again after a move keeps it: the plan's own version or the
/// newest, nothing else.
fn mapping_version_of(form: &FormFields, plan: &Plan, newest: i32) -> i32 {
    let posted: i32 = form.get("mapping_version").parse().unwrap_or(0);
    if form.get("action") == "rebase" || posted == newest {
        newest
    } else {
        plan.mapping_version
    }
}

#[derive(Template)]
#[template(path = "plans/flags.html")]
struct FlagsFragment {
    flags: Flags,
}

/// The warnings for the plan as it stands in the form, unsaved: the edit
/// page's script asks for them as measures change, so they come and go while
/// the plan is written, by the same rules as on save. Writes nothing.
async fn view_plan_flags_post(
    State(state): State<AppState>,
    user: Can<WriteCases>,
    path: PathIds,
    form: FormFields,
) -> Result<Response, AppError> {
    let (_, person) = cases::case_and_person_to_change(&state.db, &user, &path).await?;
    let plan = super::unapproved(&state.db, &person)
        .await?
        .filter(Plan::is_open)
        .ok_or(AppError::NotFound)?;
    let newest = mapping::newest_completed(&state.db, &person)
        .await?
        .ok_or(AppError::NotFound)?;
    let mapping_version = mapping_version_of(&form, &plan, newest.version);
    let basis = Basis::load(&state, user.centre_id, &person, mapping_version).await?;
    let (content, _) = Content::from_form(&plan.content, &basis.links, &form);
    render(&FlagsFragment {
        flags: basis.flags(&content),
    })
}

// ---- Versions, and what prints ----

#[derive(Template)]
#[template(path = "plans/version.html")]
struct VersionPage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    view: PlanView,
}

async fn version_view(
    state: &AppState,
    user: &CurrentUser,
    path: &PathIds,
) -> Result<(Case, Person, PlanView), AppError> {
    let (case, person) = cases::case_and_person(&state.db, user, path).await?;
    let plan = super::version(&state.db, &person, path.number("version")?)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = PlanView::load(state, user.centre_id, &person, plan).await?;
    Ok((case, person, view))
}

async fn view_plan_version_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person, view) = version_view(&state, &user, &path).await?;
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::PlanViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&VersionPage {
        page,
        base: url(case.id, person.id),
        case,
        person,
        view,
    })
}

/// P3: only what the school needs: never the centre's address, the mapping,
/// or what other parties do.
#[derive(Template)]
#[template(path = "plans/school.html")]
struct SchoolPage {
    page: Page,
    person: Person,
    base: String,
    view: PlanView,
}

impl SchoolPage {
    fn school_measures(&self) -> Vec<&super::content::Measure> {
        self.view
            .plan
            .content
            .measures
            .iter()
            .filter(|m| m.party == "school")
            .collect()
    }
}

async fn view_plan_school_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person, view) = version_view(&state, &user, &path).await?;
    if !person.is_child() {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::PlanPrinted, &user, ip.0, case.id),
    )
    .await?;
    render(&SchoolPage {
        page,
        base: url(case.id, person.id),
        person,
        view,
    })
}

/// P5: the child's own part, for the child.
#[derive(Template)]
#[template(path = "plans/child.html")]
struct ChildPage {
    page: Page,
    person: Person,
    base: String,
    view: PlanView,
}

impl ChildPage {
    fn first_name(&self) -> &str {
        self.person
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
    }
}

async fn view_plan_child_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
) -> Result<Response, AppError> {
    let (case, person, view) = version_view(&state, &user, &path).await?;
    if !view.basis.school_age {
        return Err(AppError::NotFound);
    }
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::PlanPrinted, &user, ip.0, case.id),
    )
    .await?;
    render(&ChildPage {
        page,
        base: url(case.id, person.id),
        person,
        view,
    })
}

#[derive(Template)]
#[template(path = "plans/compare.html")]
struct ComparePage {
    page: Page,
    case: Case,
    person: Person,
    base: String,
    from: i32,
    to: i32,
    rows: Vec<Compared>,
}

async fn view_plan_compare_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<ReadCases>,
    ip: ClientIp,
    path: PathIds,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let (case, person) = cases::case_and_person(&state.db, &user, &path).await?;
    let (from_n, to_n) = query.versions()?;
    let mut read = Vec::new();
    for n in [from_n, to_n] {
        let plan = super::version(&state.db, &person, n)
            .await?
            .ok_or(AppError::NotFound)?;
        let basis = Basis::load(&state, user.centre_id, &person, plan.mapping_version).await?;
        read.push(plan.content.rows(&basis.links));
    }
    let to_rows = read.pop().unwrap_or_default();
    let from_rows = read.pop().unwrap_or_default();
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::PlanViewed, &user, ip.0, case.id),
    )
    .await?;
    render(&ComparePage {
        page,
        base: url(case.id, person.id),
        rows: compare_rows(from_rows, to_rows),
        case,
        person,
        from: from_n,
        to: to_n,
    })
}
