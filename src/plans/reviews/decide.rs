//! One review (U2): the version with its flags and what changed since the
//! last approved version, and the decision on it. Nobody decides on a
//! version they wrote part of.

use std::net::IpAddr;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::DecidePlans};
use crate::auth::session::CurrentUser;
use crate::cases::{self, Case, Person};
use crate::error::AppError;
use crate::forms::{FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, RecordId};
use crate::locale;
use crate::plans::model::{self, Decision, Plan};
use crate::plans::routes::url;
use crate::plans::view::{Basis, PlanView};
use crate::versioned::{self, Compared};

use super::form::{ApproveForm, ReturnForm, Typed};

// ---- One review ----

#[derive(Template)]
#[template(path = "plans/review.html")]
struct ReviewPage {
    page: Page,
    case: Case,
    person: Person,
    plan_url: String,
    view: PlanView,
    /// What changed since the last approved version; `None` for a first plan.
    changes: Option<(i32, Vec<Compared>)>,
    /// The reviewer wrote part of this version.
    mine: bool,
    errors: FieldErrors,
    comment: String,
    reason: String,
    late_reason: String,
    next_review: String,
    /// The version changed or was decided while this review was open.
    conflict: bool,
}

impl ReviewPage {
    fn departure(&self) -> Option<String> {
        self.case
            .planned_departure_date
            .filter(|_| self.case.closed_on.is_none())
            .map(locale::date)
    }

    fn late_hint(&self) -> String {
        format!(
            "Fylles ut bare når neste revisjon er {} eller senere. Ikke skriv hvor familien skal bo: begrunnelsen kommer med på utskriften.",
            self.departure().unwrap_or_default()
        )
    }

    /// P10: the plan is revised before the child leaves the centre.
    fn next_review_hint(&self) -> String {
        match self
            .case
            .planned_departure_date
            .filter(|_| self.case.closed_on.is_none())
        {
            Some(leaves) if leaves <= locale::today() => format!(
                "Planlagt utflytting ({}) er passert. Endre datoen i saken, eller fyll inn «Utflyttet» hvis familien har flyttet.",
                locale::date(leaves)
            ),
            Some(leaves) => format!(
                "Planlagt utflytting er {}. Revider planen senest en uke før, sammen med {}.",
                locale::date(leaves),
                if self.person.is_child() {
                    "barnet og forelderen"
                } else {
                    "beboeren"
                }
            ),
            None => "Vanligvis om fire uker, og alltid før utflytting.".into(),
        }
    }

    fn may_decide(&self) -> bool {
        self.view.plan.is_submitted() && !self.mine
    }
}

/// The version, its case and person; another centre's is not found.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(Case, Person, Plan), AppError> {
    let plan = model::by_id_in_centre(&state.db, user.centre_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let case_id = model::case_of_person(&state.db, user.centre_id, plan.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (case, person) =
        cases::case_and_person(&state.db, user.centre_id, case_id, plan.person_id).await?;
    Ok((case, person, plan))
}

/// One reviewer on one version: what showing the review and recording a
/// decision both need.
struct Review<'a> {
    state: &'a AppState,
    page: Page,
    user: &'a CurrentUser,
    loaded: (Case, Person, Plan),
}

impl Review<'_> {
    async fn page(
        self,
        typed: Typed,
        errors: FieldErrors,
        conflict: bool,
    ) -> Result<ReviewPage, AppError> {
        let Review {
            state,
            page,
            user,
            loaded: (case, person, plan),
        } = self;
        let view = PlanView::load(&state.db, user.centre_id, &person, plan).await?;
        let changes =
            match model::approved_before(&state.db, user.centre_id, person.id, view.plan.version)
                .await?
            {
                Some(before) => {
                    let basis =
                        Basis::load(&state.db, user.centre_id, &person, before.mapping_version)
                            .await?;
                    let rows = versioned::changes(
                        before.content.rows(&basis.links),
                        view.plan.content.rows(&view.basis.links),
                    );
                    Some((before.version, rows))
                }
                None => None,
            };
        Ok(ReviewPage {
            page,
            plan_url: url(case.id, person.id),
            mine: view.plan.written_by(user.id),
            case,
            person,
            view,
            changes,
            errors,
            comment: typed.comment,
            reason: typed.reason,
            late_reason: typed.late_reason,
            next_review: typed.next_review,
            conflict,
        })
    }

    /// The review again, with what was typed and what is wrong.
    async fn invalid(self, typed: Typed, errors: FieldErrors) -> Result<Response, AppError> {
        let review = self.page(typed, errors, false).await?;
        render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &review)
    }

    /// Records `decision` on the version as read at `read_at`.
    async fn decide(
        self,
        ip: Option<IpAddr>,
        typed: Typed,
        read_at: i32,
        decision: Decision<'_>,
    ) -> Result<Response, AppError> {
        let Review {
            state,
            page,
            user,
            loaded: (case, person, plan),
        } = self;
        let approve = matches!(decision, Decision::Approve { .. });
        let mut tx = state.db.begin().await?;
        if !model::decide(&mut tx, &plan, read_at, user.id, decision).await? {
            tx.rollback().await?;
            // Changed or decided by someone else meanwhile: show it
            // as it is now, with what this reviewer wrote.
            let plan = model::by_id_in_centre(&state.db, user.centre_id, plan.id)
                .await?
                .ok_or(AppError::NotFound)?;
            let now = Review {
                state,
                page,
                user,
                loaded: (case, person, plan),
            };
            let review = now.page(typed, FieldErrors::default(), true).await?;
            return render_with_status(StatusCode::CONFLICT, &review);
        }
        let kind = if approve {
            AuditKind::PlanApproved
        } else {
            AuditKind::PlanReturned
        };
        Event::on_case(kind, user, ip, case.id)
            .record(&mut *tx)
            .await?;
        tx.commit().await?;
        if approve {
            crate::flags::rescan_case(&state.db, &state.rules, case.id).await;
        }
        let notice = if approve {
            "plan-godkjent"
        } else {
            "plan-returnert"
        };
        Ok(Redirect::to(&format!("/reviews?melding={notice}")).into_response())
    }
}

pub(super) async fn view_review_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let loaded = load(&state, &user, id).await?;
    let case_id = loaded.0.id;
    let departure = loaded.0.planned_departure_date;
    let review = Review {
        state: &state,
        page,
        user: &user,
        loaded,
    }
    .page(Typed::fresh(departure), FieldErrors::default(), false)
    .await?;
    Event::on_case(AuditKind::PlanViewed, &user, ip, case_id)
        .record_read(&state.reads)
        .await?;
    render(&review)
}

/// The review of a version `user` may decide on; nobody decides on a
/// version they wrote part of.
async fn to_decide<'a>(
    state: &'a AppState,
    page: Page,
    user: &'a CurrentUser,
    id: Uuid,
) -> Result<Review<'a>, AppError> {
    let loaded = load(state, user, id).await?;
    // A removed child's records stay readable, but no longer change.
    if loaded.1.removed_at.is_some() {
        return Err(AppError::NotFound);
    }
    if loaded.2.written_by(user.id) {
        return Err(AppError::Forbidden);
    }
    Ok(Review {
        state,
        page,
        user,
        loaded,
    })
}

pub(super) async fn view_review_return_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let review = to_decide(&state, page, &user, id).await?;
    let departure = review.loaded.0.planned_departure_date;
    let form = ReturnForm::read(&posted);
    match form.parse() {
        Ok(returning) => {
            let decision = Decision::Return {
                comment: &returning.comment,
            };
            let typed = form.typed(departure);
            review.decide(ip, typed, returning.read_at, decision).await
        }
        Err(errors) => review.invalid(form.typed(departure), errors).await,
    }
}

pub(super) async fn view_review_approve_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let review = to_decide(&state, page, &user, id).await?;
    let (case, person, plan) = &review.loaded;
    let basis = Basis::load(&state.db, user.centre_id, person, plan.mapping_version).await?;
    let needs_reason = !basis.flags(&plan.content).unlinked.is_empty();
    let departure = case
        .planned_departure_date
        .filter(|_| case.closed_on.is_none());
    let form = ApproveForm::read(&posted);
    match form.parse(locale::today(), needs_reason, departure) {
        Ok(approval) => {
            let decision = Decision::Approve {
                reason: &approval.reason,
                next_review_on: approval.next_review_on,
            };
            review
                .decide(ip, form.typed(), approval.read_at, decision)
                .await
        }
        Err(errors) => review.invalid(form.typed(), errors).await,
    }
}
