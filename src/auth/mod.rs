//! Who is asking: passwords, sessions, CSRF, login throttling and the guards
//! that every route stands behind.

pub mod csrf;
pub mod guard;
pub mod kept_forms;
pub mod password;
pub mod permission;
pub mod routes;
pub mod session;
pub mod throttle;
pub mod token;

pub use permission::{Can, Permission, grant};
