//! What leaves the centre on paper: the school's extract (P3) and the
//! child's own part (P5). Each opening is audited as a print.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::url;
use super::view::version_view;
use crate::AppState;
use crate::audit::AuditKind;
use crate::auth::permission::grant::ReadCases;
use crate::cases::Person;
use crate::cases::access::PersonOf;
use crate::error::AppError;
use crate::http::page::{Page, render};
use crate::plans::content::Measure;
use crate::plans::view::PlanView;

/// P3: only what the school needs: never the centre's address, the mapping,
/// or what other parties do.
#[derive(Template)]
#[template(path = "plans/school.html")]
struct SchoolPage {
    page: Page,
    person: Person,
    base: String,
    view: PlanView,
    /// Those whose description may go to the school, with what they are
    /// to the child.
    perpetrators: Vec<(String, crate::perpetrators::Content)>,
    /// The number the school calls: the centre's, never its name.
    school_phone: String,
}

impl SchoolPage {
    fn school_measures(&self) -> Vec<&Measure> {
        self.view.plan.content.school_measures()
    }
}

pub(super) async fn view_plan_school_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
) -> Result<Response, AppError> {
    let view = version_view(&state.db, &at).await?;
    if !at.person.is_child() {
        return Err(AppError::NotFound);
    }
    // A draft may still change, and an older approved version may name
    // the wrong people: only the plan in force goes to the school.
    let in_force = crate::versioned::newest_in::<crate::plans::model::Plan>(
        &state.db,
        at.case.centre_id,
        at.person.id,
        crate::plans::PlanState::Approved,
    )
    .await?;
    if in_force.is_none_or(|p| p.version != view.plan.version) {
        return Ok(Redirect::to(&format!(
            "{}/versions/{}?melding=utdrag-krever-godkjent",
            url(at.case.id, at.person.id),
            view.plan.version
        ))
        .into_response());
    }
    let school_phone = crate::accounts::school_phone(&state.db, at.case.centre_id).await?;
    // Only those who are someone to this child, and whom staff allowed.
    let perpetrators = crate::perpetrators::of_case(&state.db, at.case.centre_id, at.case.id)
        .await?
        .into_iter()
        .filter_map(|p| {
            let relation = p.content.relation_to(at.person.id).to_owned();
            (p.content.description_for_school && !relation.is_empty())
                .then_some((relation, p.content))
        })
        .collect();
    at.record_read(&state.reads, AuditKind::PlanPrinted).await?;
    render(&SchoolPage {
        page,
        perpetrators,
        school_phone,
        base: url(at.case.id, at.person.id),
        person: at.person,
        view,
    })
}

/// The resident's copy: what each party does, and the school's part —
/// never the warnings, the coordinator's comments, staff names, the police
/// record or the mapping.
#[derive(Template)]
#[template(path = "plans/family.html")]
struct FamilyPage {
    page: Page,
    person: Person,
    base: String,
    view: PlanView,
}

pub(super) async fn view_plan_family_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
) -> Result<Response, AppError> {
    let view = version_view(&state.db, &at).await?;
    at.record_read(&state.reads, AuditKind::PlanPrinted).await?;
    render(&FamilyPage {
        page,
        base: url(at.case.id, at.person.id),
        person: at.person,
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
    /// Only what was answered: an empty question tells the child nothing.
    fn answered(&self) -> Vec<crate::plans::content::ChildQuestion<'_>> {
        self.view
            .child_questions()
            .into_iter()
            .filter(|q| q.field != "child_trusted_adults" && !q.answer.is_empty())
            .collect()
    }

    fn trusted_adults(&self) -> Vec<&str> {
        self.view
            .plan
            .content
            .child_part
            .trusted_adults
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect()
    }

    fn first_name(&self) -> &str {
        self.person
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
    }
}

pub(super) async fn view_plan_child_get(
    State(state): State<AppState>,
    page: Page,
    at: PersonOf<ReadCases>,
) -> Result<Response, AppError> {
    let view = version_view(&state.db, &at).await?;
    if !view.basis.school_age {
        return Err(AppError::NotFound);
    }
    at.record_read(&state.reads, AuditKind::PlanPrinted).await?;
    render(&ChildPage {
        page,
        base: url(at.case.id, at.person.id),
        person: at.person,
        view,
    })
}
