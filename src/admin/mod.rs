//! `/admin`: an administrator manages the accounts of their own centre, its
//! settings, and reads its audit log. Each part stands behind its own
//! permission, as a guard in front and as `Can<P>` in every handler.

mod audit_log;
mod centre;
mod users;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::AppState;
use crate::auth::{Permission, guard};

pub fn routes() -> Router<AppState> {
    let guard = |permission| from_fn_with_state(permission, guard::require);
    let users = Router::new()
        .route("/admin/users", get(users::view_users_get))
        .route(
            "/admin/users/new",
            get(users::view_user_new_get).post(users::view_user_new_post),
        )
        .route("/admin/users/{id}", get(users::view_user_get))
        .route("/admin/users/{id}/role", post(users::view_user_role_post))
        .route(
            "/admin/users/{id}/deactivate",
            post(users::view_user_deactivate_post),
        )
        .route(
            "/admin/users/{id}/reactivate",
            post(users::view_user_reactivate_post),
        )
        .route(
            "/admin/users/{id}/password",
            post(users::view_user_password_post),
        )
        .route(
            "/admin/users/{id}/second-factor/reset",
            post(users::view_user_second_factor_reset_post),
        )
        .route(
            "/admin/users/{id}/sessions/end",
            post(users::view_user_sessions_end_post),
        )
        .route_layer(guard(Permission::ManageAccounts));
    let centre = Router::new()
        .route(
            "/admin/centre",
            get(centre::view_centre_get).post(centre::view_centre_post),
        )
        .route_layer(guard(Permission::ManageCentre));
    let audit = Router::new()
        .route("/admin/audit", get(audit_log::view_audit_get))
        .route_layer(guard(Permission::ReadAudit));
    users.merge(centre).merge(audit)
}
