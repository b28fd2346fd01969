//! Writing the plan: starting the next version, the edit form with save,
//! submit and "build on the newest mapping", and the warnings that follow
//! the form as it is written.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::url;
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::permission::grant::WriteCases;
use crate::cases::access::PersonOf;
use crate::cases::{Case, Person};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::mapping;
use crate::plans::content::{ChildQuestion, links_of};
use crate::plans::flags::Flags;
use crate::plans::form::PlanForm;
use crate::plans::model::{self, DecisionRecord, Plan, next_content};
use crate::plans::view::{Basis, PlanView};
use crate::versioned::{self, Compared, Target};

pub(super) async fn view_plan_draft_post(
    State(state): State<AppState>,
    at: PersonOf<WriteCases>,
) -> Result<Response, AppError> {
    let started = at.event(AuditKind::PlanStarted);
    let PersonOf {
        user, case, person, ..
    } = at;
    let base = url(case.id, person.id);
    // M7: a plan is built on a completed mapping.
    let Some(mapping) = mapping::newest_completed(&state.db, case.centre_id, person.id).await?
    else {
        return Ok(
            Redirect::to(&format!("{base}?melding=plan-krever-kartlegging")).into_response(),
        );
    };
    let mut tx = state.db.begin().await?;
    if model::start_draft(
        &mut tx,
        case.centre_id,
        person.id,
        person.is_child(),
        &mapping,
        user.id,
    )
    .await?
    {
        started.record(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("{base}/edit")).into_response())
}

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
    form: PlanForm,
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
        self.form.child_part.questions(self.basis.shielded_centre)
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

pub(super) async fn view_plan_edit_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<WriteCases>,
) -> Result<Response, AppError> {
    let viewed = at.event(AuditKind::PlanViewed);
    let PersonOf {
        user, case, person, ..
    } = at;
    let base = url(case.id, person.id);
    let Some(plan) = model::unapproved(&state.db, case.centre_id, person.id)
        .await?
        .filter(Plan::is_open)
    else {
        return Ok(Redirect::to(&base).into_response());
    };
    let view = PlanView::load(&state.db, user.centre_id, &person, plan).await?;
    let newest = mapping::newest_completed(&state.db, case.centre_id, person.id)
        .await?
        .map(|m| m.version);
    viewed.record_read(&state.reads).await?;
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
        form: PlanForm::from_content(&view.plan.content),
        flags: view.flags,
        basis: view.basis,
        errors: FieldErrors::default(),
        conflict: None,
    })
}

pub(super) async fn view_plan_edit_post(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<WriteCases>,
    posted: FormFields,
) -> Result<Response, AppError> {
    let started = at.event(AuditKind::PlanStarted);
    let PersonOf {
        user,
        ip,
        case,
        person,
        ..
    } = at;
    let base = url(case.id, person.id);
    let newest = mapping::newest_completed(&state.db, case.centre_id, person.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (plan, mut conflict) = match versioned::target::<Plan>(
        &state.db,
        case.centre_id,
        person.id,
        user.id,
        next_content(person.is_child(), links_of(&newest.content)),
        &[("mapping_version", newest.version)],
        &started,
    )
    .await?
    {
        Target::Open(plan) => (plan, None),
        Target::Waiting(plan) => (plan, Some(Conflict::Submitted)),
        Target::Restarted(plan) => (plan, Some(Conflict::Saved(Vec::new()))),
    };
    let action = posted.get("action");
    let submit = action == "submit";
    let mapping_version = mapping_version_of(&posted, &plan, newest.version);
    let basis = Basis::load(&state.db, user.centre_id, &person, mapping_version).await?;
    let form = PlanForm::read(person.is_child(), &posted);
    let parsed = form
        .parse(&plan.content, &basis.links)
        .and_then(|content| match submit {
            true => content
                .check_submit(&basis.context())
                .into_result(|| content),
            false => Ok(content),
        });
    let read_at: i32 = posted.get("lock_version").parse().unwrap_or(0);
    let same_version = posted.get("version") == plan.version.to_string();
    if let (None, Ok(content)) = (&conflict, &parsed) {
        let mut tx = state.db.begin().await?;
        let saved = same_version
            && read_at == plan.lock_version
            && model::save(
                &mut tx,
                &plan,
                read_at,
                content,
                mapping_version,
                user.id,
                submit,
            )
            .await?;
        if saved {
            let kind = match submit {
                true => AuditKind::PlanSubmitted,
                false => AuditKind::PlanSaved,
            };
            Event::on_case(kind, &user, ip, case.id)
                .record(&mut *tx)
                .await?;
            tx.commit().await?;
            let to = if submit {
                format!("{base}?melding=plan-sendt")
            } else if action == "rebase" {
                format!("{base}/edit?melding=plan-ny-kartlegging")
            } else {
                format!("{base}/edit?melding=plan-lagret")
            };
            return Ok(Redirect::to(&to).into_response());
        }
        conflict = Some(Conflict::Saved(Vec::new()));
    }
    // Shown again: errors, or someone else was first. What they saved is the
    // version to build on now.
    let typed = form.best_reading(&plan.content, &basis.links);
    let current = model::unapproved(&state.db, case.centre_id, person.id)
        .await?
        .unwrap_or(plan);
    let current = PlanView::load(&state.db, user.centre_id, &person, current).await?;
    let (status, lock_version) = match conflict {
        Some(Conflict::Saved(_)) => {
            conflict = Some(Conflict::Saved(versioned::changes(
                current.plan.content.rows(&current.basis.links),
                typed.rows(&basis.links),
            )));
            (StatusCode::CONFLICT, current.plan.lock_version)
        }
        Some(Conflict::Submitted) => (StatusCode::CONFLICT, current.plan.lock_version),
        None => (StatusCode::UNPROCESSABLE_ENTITY, read_at),
    };
    render_with_status(
        status,
        &EditPage {
            page,
            base,
            case,
            person,
            version: current.plan.version,
            lock_version,
            mapping_version,
            newer_mapping: Some(newest.version).filter(|n| *n > mapping_version),
            return_comment: current.return_comment().cloned(),
            flags: basis.flags(&typed),
            form,
            basis,
            errors: parsed.err().unwrap_or_default(),
            conflict,
        },
    )
}

/// The mapping version a posted plan form is read against. "Bygg på
/// nyeste kartlegging" moves the typed text onto the newest mapping, and a
/// form shown again after a move keeps it: the plan's own version or the
/// newest, nothing else.
fn mapping_version_of(posted: &FormFields, plan: &Plan, newest: i32) -> i32 {
    let typed: i32 = posted.get("mapping_version").parse().unwrap_or(0);
    if posted.get("action") == "rebase" || typed == newest {
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
pub(super) async fn view_plan_flags_post(
    State(state): State<AppState>,
    at: PersonOf<WriteCases>,
    posted: FormFields,
) -> Result<Response, AppError> {
    let PersonOf {
        user, case, person, ..
    } = at;
    let plan = model::unapproved(&state.db, case.centre_id, person.id)
        .await?
        .filter(Plan::is_open)
        .ok_or(AppError::NotFound)?;
    let newest = mapping::newest_completed(&state.db, case.centre_id, person.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mapping_version = mapping_version_of(&posted, &plan, newest.version);
    let basis = Basis::load(&state.db, user.centre_id, &person, mapping_version).await?;
    let typed =
        PlanForm::read(person.is_child(), &posted).best_reading(&plan.content, &basis.links);
    render(&FlagsFragment {
        flags: basis.flags(&typed),
    })
}
