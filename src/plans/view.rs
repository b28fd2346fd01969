//! What a page shows of a plan version: what it is read against (`Basis`),
//! and a version with its flags and decisions (`PlanView`).

use sqlx::PgPool;
use uuid::Uuid;

use super::content::{ChildQuestion, Content, Link, Measure, SCHOOL_AGE, links_of};
use super::flags::{Context, Flags};
use super::model::{self, DecisionRecord, Plan};
use crate::cases::Person;
use crate::error::AppError;
use crate::mapping;
use crate::versioned::{self, Compared};

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
        db: &PgPool,
        centre_id: Uuid,
        person: &Person,
        mapping_version: i32,
    ) -> Result<Basis, AppError> {
        let mapping =
            versioned::number::<mapping::Version>(db, centre_id, person.id, mapping_version)
                .await?
                .ok_or_else(|| AppError::Internal("a plan's mapping version is gone".into()))?
                .content;
        let centre = crate::accounts::centre(db, centre_id).await?;
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
        Flags::of(content, &self.context())
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
        db: &PgPool,
        centre_id: Uuid,
        person: &Person,
        plan: Plan,
    ) -> Result<PlanView, AppError> {
        let basis = Basis::load(db, centre_id, person, plan.mapping_version).await?;
        let decisions = model::decisions(db, plan.id).await?;
        Ok(PlanView {
            flags: basis.flags(&plan.content),
            basis,
            plan,
            decisions,
        })
    }

    pub fn answers(&self, measure: &Measure) -> Vec<String> {
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
        model::return_comment(&self.plan, &self.decisions)
    }
}

/// Two versions' rows, each read against its own mapping version.
pub async fn compare(
    db: &PgPool,
    centre_id: Uuid,
    person: &Person,
    from: &Plan,
    to: &Plan,
) -> Result<Vec<Compared>, AppError> {
    let from_basis = Basis::load(db, centre_id, person, from.mapping_version).await?;
    let to_basis = Basis::load(db, centre_id, person, to.mapping_version).await?;
    Ok(versioned::compare_rows(
        from.content.rows(&from_basis.links),
        to.content.rows(&to_basis.links),
    ))
}
