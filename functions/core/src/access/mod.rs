//! Who may do what. Every user has at most one role per app; every action needs a role, and
//! actions touching a protected environment need more. The rules live here, not in the
//! dashboard: the API enforces them for every caller.

use serde::{Deserialize, Serialize};

use crate::model::{Environment, Timestamp};

mod audit;
mod guard;
mod records;
mod service;
mod sign_in;
mod tickets;
pub use audit::{AuditEntry, AuditOutcome, AuditQuery};
pub use guard::{Ask, check_create_app};
pub use records::{Grant, GrantSource, PersonalToken, Session, User};
pub use service::{
    AccessService, AuditRecord, MAX_TOKEN_DAYS, TOKEN_PREFIX, new_secret, secret_hash,
};
pub use sign_in::{
    DeviceCode, DevicePoll, GithubAccounts, GithubUser, RepositoryPermissions, RoleRefresh,
    SignInPolicy,
};
pub use tickets::{LIVE_TICKET_LIFETIME, LIVE_TICKET_PREFIX, LiveTicket};

/// A role on one app. Ordered: each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything and follows logs.
    Viewer,
    /// Deploys, promotes, rolls back and cancels in environments that are not protected.
    Deployer,
    /// Anything touching a protected environment; settings, variables and secrets; teardown;
    /// deleting the app; members and approvals.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Deployer => "deployer",
            Role::Admin => "admin",
        }
    }

    /// The role a GitHub repository permission gives by default (GitHub's REST names and
    /// their older aliases); `None` for no access.
    pub fn from_github_permission(permission: &str) -> Option<Role> {
        match permission {
            "read" | "pull" | "triage" => Some(Role::Viewer),
            "write" | "push" => Some(Role::Deployer),
            "maintain" | "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The admin token: the break-glass credential and local single-user mode. Admin of
    /// every app.
    Operator,
    /// A person signed in with GitHub (a session or one of their personal tokens).
    User { login: String },
}

impl Actor {
    /// How the audit log and deployments name the actor.
    pub fn label(&self) -> String {
        match self {
            Actor::Operator => "admin token".into(),
            Actor::User { login } => login.clone(),
        }
    }
}

/// What an actor asks to do on one app.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    Read,
    Deploy(&'a Environment),
    /// Promotion into this environment.
    Promote(&'a Environment),
    Rollback(&'a Environment),
    Cancel(&'a Environment),
    Teardown(&'a Environment),
    /// Settings, variables or secrets of an environment.
    Configure(&'a Environment),
    ConfigureApp,
    DeleteApp,
    ManageMembers,
    Approve(&'a Environment),
    ReadAudit,
}

impl Action<'_> {
    /// The verb the refusal message uses.
    pub fn describe(&self) -> String {
        let env = |verb: &str, e: &Environment| {
            let protected = if e.protected { " (protected)" } else { "" };
            format!("{verb} {}{protected}", e.name)
        };
        match self {
            Action::Read => "read this app".into(),
            Action::Deploy(e) => env("deploy to", e),
            Action::Promote(e) => env("promote to", e),
            Action::Rollback(e) => env("roll back", e),
            Action::Cancel(e) => env("cancel a deployment of", e),
            Action::Teardown(e) => env("tear down", e),
            Action::Configure(e) => env("change the settings, variables or secrets of", e),
            Action::ConfigureApp => "change the app's settings".into(),
            Action::DeleteApp => "delete the app".into(),
            Action::ManageMembers => "change who may do what".into(),
            Action::Approve(e) => env("approve or reject deployments to", e),
            Action::ReadAudit => "read the audit log".into(),
        }
    }
}

/// The least role an action needs.
pub fn required_role(action: &Action) -> Role {
    match action {
        Action::Read => Role::Viewer,
        Action::Deploy(e) | Action::Promote(e) | Action::Rollback(e) | Action::Cancel(e) => {
            if e.protected {
                Role::Admin
            } else {
                Role::Deployer
            }
        }
        // A fork's preview waits for someone who may deploy, not for an admin.
        Action::Approve(e) if e.preview.is_some() => Role::Deployer,
        Action::Teardown(_)
        | Action::Configure(_)
        | Action::ConfigureApp
        | Action::DeleteApp
        | Action::ManageMembers
        | Action::Approve(_)
        | Action::ReadAudit => Role::Admin,
    }
}

/// The role that decides: an admin's override beats the role GitHub gives, and a GitHub
/// role older than `max_age` no longer counts (it is refreshed at sign-in and on a schedule).
pub fn effective_role(grants: &[Grant], now: Timestamp, max_age: time::Duration) -> Option<Role> {
    if let Some(g) = grants.iter().find(|g| g.source == GrantSource::Override) {
        return Some(g.role);
    }
    grants
        .iter()
        .filter(|g| g.source == GrantSource::Github && now - g.updated_at <= max_age)
        .map(|g| g.role)
        .max()
}

/// How long a role read from GitHub stands without a refresh.
pub const GITHUB_ROLE_MAX_AGE: time::Duration = time::Duration::hours(24);
/// The schedule asks GitHub again for roles older than this (well within the lapse above).
pub const GITHUB_ROLE_REFRESH: time::Duration = time::Duration::hours(6);

#[cfg(test)]
mod tests;
