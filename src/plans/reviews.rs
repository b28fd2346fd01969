//! `/reviews…` (U2): the coordinators' work list of plans sent for approval,
//! and the review of one version: its flags, what changed since the last
//! approved version, and the decision — return with a comment, or approve
//! with a next review date. Nobody decides on a version they wrote. The whole
//! area stands behind `require_role(Coordinator)`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use time::Duration;
use uuid::Uuid;

use super::flags::Flags;
use super::model::{self, Decision, Plan};
use super::routes::url;
use super::view::{Basis, PlanView};
use crate::AppState;
use crate::audit::{self, AuditKind, Event};
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
    audit::record(
        &state.db,
        &Event::by(AuditKind::PlanReviewsViewed, &user, ip),
    )
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

async fn review_page(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    (case, person, plan): (Case, Person, Plan),
    typed: Typed,
    errors: FieldErrors,
    conflict: bool,
) -> Result<ReviewPage, AppError> {
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

async fn view_review_get(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
) -> Result<Response, AppError> {
    let loaded = load(&state, &user, id).await?;
    let case_id = loaded.0.id;
    let review = review_page(
        &state,
        page,
        &user,
        loaded,
        Typed::fresh(),
        FieldErrors::default(),
        false,
    )
    .await?;
    audit::record(
        &state.db,
        &Event::on_case(AuditKind::PlanViewed, &user, ip, case_id),
    )
    .await?;
    render(&review)
}

async fn view_review_return_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    form: FormFields,
) -> Result<Response, AppError> {
    let loaded = load(&state, &user, id).await?;
    if loaded.2.written_by(user.id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let comment = forms::required_text(
        &mut errors,
        "comment",
        form.get("comment"),
        "hva som må endres",
        5_000,
    );
    let typed = Typed {
        comment: comment.clone(),
        ..Typed::fresh()
    };
    decide(
        &state,
        page,
        &user,
        ip,
        loaded,
        &form,
        typed,
        errors,
        Decision::Return { comment: &comment },
    )
    .await
}

async fn view_review_approve_post(
    State(state): State<AppState>,
    page: Page,
    user: Can<DecidePlans>,
    ClientIp(ip): ClientIp,
    RecordId(id): RecordId,
    form: FormFields,
) -> Result<Response, AppError> {
    let loaded = load(&state, &user, id).await?;
    if loaded.2.written_by(user.id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let today = locale::today();
    let next_review = forms::date_field(&mut errors, "next_review", form.get("next_review"), true);
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
    let reason = forms::optional_text(&mut errors, "reason", form.get("reason"), 5_000);
    // P7: a measure that answers no fear or threat needs a written reason.
    let person = &loaded.1;
    let basis = Basis::load(&state.db, user.centre_id, person, loaded.2.mapping_version).await?;
    if !basis.flags(&loaded.2.content).unlinked.is_empty() && reason.is_empty() {
        errors.add(
            "reason",
            "Noen tiltak svarer ikke på noen frykt eller trussel. Begrunn hvorfor de likevel trengs, eller returner planen.",
        );
    }
    let typed = Typed {
        comment: String::new(),
        reason: reason.clone(),
        next_review: form.get("next_review").trim().to_owned(),
    };
    let decision = Decision::Approve {
        reason: &reason,
        next_review_on: next_review.unwrap_or(today),
    };
    decide(
        &state, page, &user, ip, loaded, &form, typed, errors, decision,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn decide(
    state: &AppState,
    page: Page,
    user: &CurrentUser,
    ip: Option<std::net::IpAddr>,
    loaded: (Case, Person, Plan),
    form: &FormFields,
    typed: Typed,
    errors: FieldErrors,
    decision: Decision<'_>,
) -> Result<Response, AppError> {
    if !errors.is_empty() {
        let review = review_page(state, page, user, loaded, typed, errors, false).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &review);
    }
    let (case, person, plan) = loaded;
    let read_at: i32 = form.get("lock_version").parse().unwrap_or(0);
    let approve = matches!(decision, Decision::Approve { .. });
    let mut tx = state.db.begin().await?;
    if !model::decide(&mut tx, &plan, read_at, user.id, decision).await? {
        tx.rollback().await?;
        // Changed or decided by someone else meanwhile: show it
        // as it is now, with what this reviewer wrote.
        let plan = model::by_id_in_centre(&state.db, user.centre_id, plan.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let review = review_page(
            state,
            page,
            user,
            (case, person, plan),
            typed,
            FieldErrors::default(),
            true,
        )
        .await?;
        return render_with_status(StatusCode::CONFLICT, &review);
    }
    let kind = if approve {
        AuditKind::PlanApproved
    } else {
        AuditKind::PlanReturned
    };
    audit::record(&mut *tx, &Event::on_case(kind, user, ip, case.id)).await?;
    tx.commit().await?;
    let notice = if approve {
        "plan-godkjent"
    } else {
        "plan-returnert"
    };
    Ok(Redirect::to(&format!("/reviews?melding={notice}")).into_response())
}
