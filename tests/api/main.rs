//! Trygg's tests, in one binary: through HTTP where they can, against a real
//! PostgreSQL started by the tests themselves. Requirement IDs refer to
//! `shared/domain.md` and the issues.

// A failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod audit;
mod backup;
mod browser;
mod cases;
mod cli;
mod compliance;
mod csrf;
mod digest;
mod headers;
mod helpers;
mod hostile;
mod limits;
mod login;
mod mapping;
mod migrations;
mod outage;
mod permissions;
mod plans;
mod proxy;
mod relocation;
mod restricted;
mod sessions;
mod setup;
mod sign_in;
mod statements;
mod threats;
