//! Who is asking: passwords, the second factor, sessions, CSRF, login
//! throttling and the guards that every route stands behind.

pub mod csrf;
pub mod device;
pub mod guard;
pub mod kept_forms;
pub mod keys;
pub mod password;
pub mod permission;
pub mod routes;
pub mod second_factor;
pub mod session;
pub mod sign_in;
pub mod throttle;
pub mod token;

pub use permission::{Can, Permission, grant};
