//! `/reviews…` (U2): the coordinators' work list of plans sent for approval,
//! and the review of one version: its flags, what changed since the last
//! approved version, and the decision — return with a comment, or approve
//! with a next review date. Nobody decides on a version they wrote. The whole
//! area stands behind `require_role(Coordinator)`.

use std::net::IpAddr;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use time::{Date, Duration};
use uuid::Uuid;

use super::flags::Flags;
use super::model::{self, Decision, Plan};
use super::routes::url;
use super::view::{Basis, PlanView};
use crate::AppState;
use crate::audit::{AuditKind, Event};
use crate::auth::permission::{Can, grant::DecidePlans};
use crate::auth::session::CurrentUser;
use crate::cases::{self, Case, Person};
use crate::error::AppError;
use crate::forms::{self, FieldErrors, FormFields};
use crate::http::page::{Page, render, render_with_status};
use crate::http::{ClientIp, RecordId};
use crate::locale;
use crate::versioned::{self, Compared};

/// P10: an approved plan is reviewed again within four weeks unless the
/// coordinator sets another date, and never more than a year on.
const DEFAULT_REVIEW_WEEKS: i64 = 4;
const LONGEST_REVIEW_DAYS: i64 = 366;
/// More than this many waiting plans are shown a page at a time.
const PAGE_SIZE: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews", get(view_reviews_get))
        .route("/reviews/{id}", get(view_review_get))
        .route("/reviews/{id}/approve", post(view_review_approve_post))
        .route("/reviews/{id}/return", post(view_review_return_post))
}

// ---- The work list ----

struct ListRow {
    id: Uuid,
    version: i32,
    person_name: String,
    is_child: bool,
    submitted: String,
    submitted_by: String,
    flags: Flags,
}

#[derive(Template)]
#[template(path = "plans/reviews.html")]
struct ReviewsPage {
    page: Page,
    rows: Vec<ListRow>,
    more: bool,
}

async fn view_reviews_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    let waiting = model::awaiting_review(&state.db, user.centre_id, PAGE_SIZE + 1).await?;
    let centre = crate::accounts::centre(&state.db, user.centre_id).await?;
    let more = waiting.len() as i64 > PAGE_SIZE;
    let rows = waiting
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|w| {
            let child = w.content.child;
            let age = locale::age(w.birth_date, locale::today());
            let flags =
                Basis::new(w.mapping, child, age, centre.has_shielded_address).flags(&w.content);
            ListRow {
                id: w.id,
                version: w.version,
                person_name: w.person_name,
                is_child: child,
                submitted: w.submitted_at.map(locale::date_time).unwrap_or_default(),
                submitted_by: w.submitted_by_name.unwrap_or_default(),
                flags,
            }
        })
        .collect();
    Event::by(AuditKind::PlanReviewsViewed, &user, ip)
        .record(&state.db)
        .await?;
    render(&ReviewsPage { page, rows, more })
}

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
    next_review: String,
    /// The version changed or was decided while this review was open.
    conflict: bool,
}

impl ReviewPage {
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

/// What the two decision forms show: as typed, or fresh.
struct Typed {
    comment: String,
    reason: String,
    next_review: String,
}

impl Typed {
    fn fresh() -> Self {
        Typed {
            comment: String::new(),
            reason: String::new(),
            next_review: locale::date(locale::today() + Duration::weeks(DEFAULT_REVIEW_WEEKS)),
        }
    }
}

/// The version a decision form was read at; an unreadable one is 0, which
/// no version has (they start at 1), so the decision is a conflict.
fn read_at(lock_version: &str) -> i32 {
    lock_version.parse().unwrap_or(0)
}

/// The return form as typed.
struct ReturnForm {
    comment: String,
    lock_version: String,
}

/// Returning a version: what must change, and the version read.
#[derive(Debug)]
struct Returning {
    comment: String,
    read_at: i32,
}

impl ReturnForm {
    fn read(f: &FormFields) -> Self {
        ReturnForm {
            comment: f.get("comment").trim().to_owned(),
            lock_version: f.get("lock_version").to_owned(),
        }
    }

    fn parse(&self) -> Result<Returning, FieldErrors> {
        let mut errors = FieldErrors::default();
        let comment = forms::required_text(
            &mut errors,
            "comment",
            &self.comment,
            "hva som må endres",
            5_000,
        );
        errors.into_result(|| Returning {
            comment,
            read_at: read_at(&self.lock_version),
        })
    }

    fn typed(&self) -> Typed {
        Typed {
            comment: self.comment.clone(),
            ..Typed::fresh()
        }
    }
}

/// The approval form as typed.
struct ApproveForm {
    next_review: String,
    reason: String,
    lock_version: String,
}

/// Approving a version: when it is reviewed next, why measures without a
/// fear or threat are kept, and the version read.
#[derive(Debug)]
struct Approval {
    next_review_on: Date,
    reason: String,
    read_at: i32,
}

impl ApproveForm {
    fn read(f: &FormFields) -> Self {
        ApproveForm {
            next_review: f.get("next_review").trim().to_owned(),
            reason: f.get("reason").trim().to_owned(),
            lock_version: f.get("lock_version").to_owned(),
        }
    }

    /// `needs_reason` when a measure answers no fear or threat (P7): the
    /// version decides it, not the form.
    fn parse(&self, today: Date, needs_reason: bool) -> Result<Approval, FieldErrors> {
        let mut errors = FieldErrors::default();
        let next_review = forms::date_field(&mut errors, "next_review", &self.next_review, true);
        if let Some(day) = next_review {
            if day <= today {
                errors.add(
                    "next_review",
                    "Neste revisjon må være etter i dag, for eksempel om fire uker.",
                );
            } else if day > today + Duration::days(LONGEST_REVIEW_DAYS) {
                errors.add(
                    "next_review",
                    "Neste revisjon må være innen ett år. Planen skal revideres jevnlig.",
                );
            }
        }
        let reason = forms::optional_text(&mut errors, "reason", &self.reason, 5_000);
        if needs_reason && reason.is_empty() {
            errors.add(
                "reason",
                "Noen tiltak svarer ikke på noen frykt eller trussel. Begrunn hvorfor de likevel trengs, eller returner planen.",
            );
        }
        let (Some(next_review_on), true) = (next_review, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Approval {
            next_review_on,
            reason,
            read_at: read_at(&self.lock_version),
        })
    }

    fn typed(&self) -> Typed {
        Typed {
            comment: String::new(),
            reason: self.reason.clone(),
            next_review: self.next_review.clone(),
        }
    }
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
        let changes = match model::approved_before(&state.db, person.id, view.plan.version).await? {
            Some(before) => {
                let basis =
                    Basis::load(&state.db, user.centre_id, &person, before.mapping_version).await?;
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
        let notice = if approve {
            "plan-godkjent"
        } else {
            "plan-returnert"
        };
        Ok(Redirect::to(&format!("/reviews?melding={notice}")).into_response())
    }
}

async fn view_review_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let loaded = load(&state, &user, id).await?;
    let case_id = loaded.0.id;
    let review = Review {
        state: &state,
        page,
        user: &user,
        loaded,
    }
    .page(Typed::fresh(), FieldErrors::default(), false)
    .await?;
    Event::on_case(AuditKind::PlanViewed, &user, ip, case_id)
        .record(&state.db)
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

async fn view_review_return_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let review = to_decide(&state, page, &user, id).await?;
    let form = ReturnForm::read(&posted);
    match form.parse() {
        Ok(returning) => {
            let decision = Decision::Return {
                comment: &returning.comment,
            };
            review
                .decide(ip, form.typed(), returning.read_at, decision)
                .await
        }
        Err(errors) => review.invalid(form.typed(), errors).await,
    }
}

async fn view_review_approve_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    posted: FormFields,
) -> Result<Response, AppError> {
    let review = to_decide(&state, page, &user, id).await?;
    let (_, person, plan) = &review.loaded;
    let basis = Basis::load(&state.db, user.centre_id, person, plan.mapping_version).await?;
    let needs_reason = !basis.flags(&plan.content).unlinked.is_empty();
    let form = ApproveForm::read(&posted);
    match form.parse(locale::today(), needs_reason) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_needs_a_reason_only_when_the_version_says_so() {
        let today = Date::from_calendar_date(2026, time::Month::November, 24).unwrap();
        let form = ApproveForm::read(&FormFields::of(&[
            ("next_review", " 22.12.2026 "),
            ("lock_version", "3"),
        ]));
        let approval = form.parse(today, false).unwrap();
        assert_eq!(approval.next_review_on, today + Duration::weeks(4));
        assert_eq!(approval.read_at, 3);
        let errors = form.parse(today, true).unwrap_err();
        assert!(errors.get("reason").is_some(), "P7");
        assert_eq!(form.typed().next_review, "22.12.2026");
    }

    #[test]
    fn a_return_needs_a_comment_and_reads_a_bad_version_as_none() {
        assert!(
            ReturnForm::read(&FormFields::of(&[("comment", "  ")]))
                .parse()
                .unwrap_err()
                .get("comment")
                .is_some()
        );
        let returning = ReturnForm::read(&FormFields::of(&[
            ("comment", "Mer om skolen"),
            ("lock_version", "x"),
        ]))
        .parse()
        .unwrap();
        assert_eq!(returning.read_at, 0);
    }
}
