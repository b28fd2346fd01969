//! Safety plans (§ 4 b, P1–P10): one per person, built on a completed
//! mapping version (M7). A version is written as a draft, sent for approval,
//! returned with a coordinator's comment or approved with a next review date
//! (U2). An approved version never changes: changing the plan starts the next
//! version from it, on the newest mapping.
//!
//! `content` is the typed plan, `form` reads the posted form into it,
//! `flags` are the rules a reviewer is warned by, `rows` reads it as rows;
//! `model` holds its versions (on `crate::versioned`) and decisions, `view`
//! what a page shows of a version, `routes` and `reviews` the pages.

pub mod content;
pub mod flags;
pub mod form;
pub mod model;
pub mod reviews;
pub mod routes;
pub mod rows;
pub mod view;

pub use content::Content;
pub use model::{Plan, PlanState};
