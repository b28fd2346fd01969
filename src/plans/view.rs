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
        Ok(
            load_with_decisions(db, centre_id, person, mapping_version, None)
                .await?
                .basis,
        )
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

    /// What the school may cite to refuse the other parent: the legal
    /// situation the plan's mapping records, as it stands today.
    pub fn legal_basis(&self) -> Vec<String> {
        self.mapping.legal.basis_for_school(crate::locale::today())
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
    /// The person's newest completed mapping version (M7: the plan may
    /// build on an older one).
    pub newest_completed_mapping: Option<i32>,
}

impl PlanView {
    pub async fn load(
        db: &PgPool,
        centre_id: Uuid,
        person: &Person,
        plan: Plan,
    ) -> Result<PlanView, AppError> {
        let loaded =
            load_with_decisions(db, centre_id, person, plan.mapping_version, Some(plan.id)).await?;
        Ok(PlanView {
            flags: loaded.basis.flags(&plan.content),
            basis: loaded.basis,
            plan,
            decisions: loaded.decisions,
            newest_completed_mapping: loaded.newest_completed_mapping,
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

/// What `load_with_decisions` reads.
struct Loaded {
    basis: Basis,
    decisions: Vec<DecisionRecord>,
    newest_completed_mapping: Option<i32>,
}

/// In one statement: the basis of a plan version built on `mapping_version`,
/// the person's newest completed mapping version and, for `plan_id`, the
/// decisions on it, oldest first.
async fn load_with_decisions(
    db: &PgPool,
    centre_id: Uuid,
    person: &Person,
    mapping_version: i32,
    plan_id: Option<Uuid>,
) -> Result<Loaded, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        mapping: sqlx::types::Json<mapping::Content>,
        newest_completed_mapping: Option<i32>,
        has_shielded_address: bool,
        decisions: Vec<String>,
        comments: Vec<String>,
        decided_by: Vec<String>,
        decided_at: Vec<time::OffsetDateTime>,
    }
    let loaded: Row = sqlx::query_as(
        "SELECT m.content AS mapping, c.has_shielded_address,
                (SELECT max(n.version) FROM mappings n
                 WHERE n.person_id = $2 AND n.centre_id = $1 AND n.state = $5)
                    AS newest_completed_mapping,
                coalesce(d.decisions, '{}') AS decisions, coalesce(d.comments, '{}') AS comments,
                coalesce(d.decided_by, '{}') AS decided_by,
                coalesce(d.decided_at, '{}') AS decided_at
         FROM mappings m
         JOIN centres c ON c.id = m.centre_id
         LEFT JOIN LATERAL (
             SELECT array_agg(d.decision ORDER BY d.decided_at, d.id) AS decisions,
                    array_agg(d.comment ORDER BY d.decided_at, d.id) AS comments,
                    array_agg(a.full_name ORDER BY d.decided_at, d.id) AS decided_by,
                    array_agg(d.decided_at ORDER BY d.decided_at, d.id) AS decided_at
             FROM plan_decisions d
             JOIN plans pl ON pl.id = d.plan_id AND pl.centre_id = $1
             JOIN accounts a ON a.id = d.decided_by
             WHERE d.plan_id = $4
         ) d ON true
         WHERE m.centre_id = $1 AND m.person_id = $2 AND m.version = $3",
    )
    .bind(centre_id)
    .bind(person.id)
    .bind(mapping_version)
    .bind(plan_id)
    .bind(mapping::MappingState::Completed)
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::Internal("a plan's mapping version is gone".into()))?;
    let decisions = loaded
        .decisions
        .iter()
        .zip(loaded.comments)
        .zip(loaded.decided_by)
        .zip(loaded.decided_at)
        .filter_map(|(((decision, comment), decided_by_name), decided_at)| {
            Some(DecisionRecord {
                decision: super::PlanState::parse(decision)?,
                comment,
                decided_by_name,
                decided_at,
            })
        })
        .collect();
    let basis = Basis::new(
        loaded.mapping.0,
        person.is_child(),
        person.age(),
        loaded.has_shielded_address,
    );
    Ok(Loaded {
        basis,
        decisions,
        newest_completed_mapping: loaded.newest_completed_mapping,
    })
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
