//! Who may do what: one `Permission` per thing a user can do, and one table
//! (`Role::permissions`) from role to permissions. Route guards, handlers and
//! templates all ask this table, nothing else.
//!
//! A handler that needs a permission takes it as an extractor, `Can<P>`, so
//! it cannot be mounted anywhere without its check (vaultwarden's
//! `AdminHeaders` style): `user: Can<DecidePlans>` refuses with 403 before
//! the handler runs.

use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::session::CurrentUser;
use crate::accounts::Role;
use crate::error::AppError;

/// Declares each permission once: as a `Permission` value for the table
/// and the guards, and as a type in `grant` for `Can<P>`.
macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Permission { $($(#[$doc])* $name),* }

        /// The permissions as types: `Can<grant::DecidePlans>`.
        pub mod grant {
            use super::{Grant, Permission};
            $(
                #[doc = concat!("`Permission::", stringify!($name), "` as a type.")]
                pub struct $name;
                impl Grant for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )*
        }
    };
}

permissions! {
    /// Read the centre's cases, mappings and plans (U1).
    ReadCases,
    /// Create and change cases, children, mappings and plans (U1).
    WriteCases,
    /// Read who opened a case (its Tilgangslogg).
    ReadAccessLog,
    /// Approve or return safety plans (U2).
    DecidePlans,
    /// Restrict a case to named staff, or lift the restriction (issue 18).
    RestrictCases,
    /// Create accounts, change roles, deactivate, set temporary passwords (U3).
    ManageAccounts,
    /// Change the centre's settings (the shielded address, P8).
    ManageCentre,
    /// Read the centre's audit log.
    ReadAudit,
    /// Read the centre's § 4 figures (counts, never names).
    ReadCompliance,
}

/// A permission as a type, for `Can<P>`.
pub trait Grant: Send + Sync {
    const PERMISSION: Permission;
}

impl Role {
    /// The one table from role to permissions.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Staff => &[ReadCases, WriteCases],
            Role::Coordinator => &[
                ReadCases,
                WriteCases,
                ReadAccessLog,
                DecidePlans,
                RestrictCases,
                ReadCompliance,
            ],
            Role::Admin => &[
                ReadCases,
                WriteCases,
                ReadAccessLog,
                ManageAccounts,
                ManageCentre,
                ReadAudit,
                ReadCompliance,
            ],
        }
    }

    pub fn may(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl CurrentUser {
    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }
}

/// The signed-in user, known to hold `P`; derefs to `CurrentUser`.
pub struct Can<P: Grant> {
    user: CurrentUser,
    granted: PhantomData<P>,
}

impl<P: Grant> Deref for Can<P> {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

impl<P: Grant, S: Send + Sync> FromRequestParts<S> for Can<P> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if !user.may(P::PERMISSION) {
            return Err(AppError::Forbidden);
        }
        Ok(Can {
            user,
            granted: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_coordinators_decide_plans_and_only_admins_manage() {
        assert!(Role::Coordinator.may(Permission::DecidePlans));
        assert!(!Role::Staff.may(Permission::DecidePlans));
        // U2: an administrator manages accounts, not plans.
        assert!(!Role::Admin.may(Permission::DecidePlans));
        for p in [
            Permission::ManageAccounts,
            Permission::ManageCentre,
            Permission::ReadAudit,
        ] {
            assert!(Role::Admin.may(p));
            assert!(!Role::Coordinator.may(p));
            assert!(!Role::Staff.may(p));
        }
        assert!(!Role::Staff.may(Permission::ReadAccessLog));
    }
}
