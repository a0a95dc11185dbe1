//! Signing in with GitHub: who may, and the roles a sign-in refreshes.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{AccessService, Actor, Role, User};
use crate::error::{DomainError, SourceError};
use crate::model::{App, Repository};

/// A GitHub account, as GitHub describes it to the user's own token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubUser {
    pub login: String,
    pub id: u64,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
}

/// The start of a device-flow sign-in (the CLI shows the code and the address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: u64,
    pub interval: u64,
}

/// Where a device-flow sign-in stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePoll {
    /// Signed in: the user's token.
    Token(String),
    Pending,
    /// Asked too often: wait this many more seconds between polls.
    SlowDown(u64),
    Expired,
    Denied,
}

/// GitHub accounts through the Trellis GitHub App's OAuth client (user-to-server tokens).
#[async_trait]
pub trait GithubAccounts: Send + Sync {
    /// Where the browser goes to sign in.
    fn authorize_url(&self, state: &str, redirect_uri: &str) -> String;
    /// The user's token for the code GitHub sent back.
    async fn exchange_code(&self, code: &str, redirect_uri: &str) -> Result<String, SourceError>;
    async fn start_device_flow(&self) -> Result<DeviceCode, SourceError>;
    async fn poll_device_flow(&self, device_code: &str) -> Result<DevicePoll, SourceError>;
    async fn user(&self, token: &str) -> Result<GithubUser, SourceError>;
    /// The user's permission on a repository (`admin`, `maintain`, `write`, `triage`,
    /// `read`), `None` when they cannot see it.
    async fn repository_permission(
        &self,
        token: &str,
        full_name: &str,
    ) -> Result<Option<String>, SourceError>;
    /// Whether the user is an active member of the organisation.
    async fn is_org_member(&self, token: &str, org: &str) -> Result<bool, SourceError>;
}

/// What a GitHub App can say about a user's access to a repository of its installation,
/// without the user's own token (for refreshing roles on a schedule).
#[async_trait]
pub trait RepositoryPermissions: Send + Sync {
    /// `admin`, `maintain`, `write`, `triage` or `read`; `None` for no access.
    async fn collaborator_permission(
        &self,
        repository: &Repository,
        login: &str,
    ) -> Result<Option<String>, SourceError>;
}

/// What one refresh of GitHub roles did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RoleRefresh {
    pub checked: usize,
    pub changed: usize,
    pub removed: usize,
    pub errors: Vec<String>,
}

/// Who may sign in: members of an organisation when one is set; anyone with a role on an
/// app in any case (from their repository permission, or an admin's override).
#[derive(Debug, Clone, Default)]
pub struct SignInPolicy {
    pub organisation: Option<String>,
}

impl AccessService {
    /// Asks GitHub again for every role it gave that is older than `older_than`, so that
    /// a role lost on GitHub is lost here too (and one still held does not lapse). One app or
    /// user that cannot be checked does not stop the others.
    pub async fn refresh_github_roles(
        &self,
        permissions: &dyn RepositoryPermissions,
        apps: &[App],
        older_than: time::Duration,
    ) -> RoleRefresh {
        let mut summary = RoleRefresh::default();
        let now = self.now();
        for app in apps {
            if !matches!(app.repository, Repository::Github { .. }) {
                continue;
            }
            let grants = match self.grants_of_app(&app.name).await {
                Ok(g) => g,
                Err(e) => {
                    summary.errors.push(format!("{}: {e}", app.name));
                    continue;
                }
            };
            for grant in grants {
                if grant.source != super::GrantSource::Github || now - grant.updated_at < older_than
                {
                    continue;
                }
                summary.checked += 1;
                let role = match permissions
                    .collaborator_permission(&app.repository, &grant.login)
                    .await
                {
                    Ok(p) => p.as_deref().and_then(Role::from_github_permission),
                    Err(e) => {
                        summary
                            .errors
                            .push(format!("{}/{}: {e}", app.name, grant.login));
                        continue;
                    }
                };
                match role {
                    None => summary.removed += 1,
                    Some(r) if r != grant.role => summary.changed += 1,
                    Some(_) => {}
                }
                if let Err(e) = self.record_github_role(&app.name, &grant.login, role).await {
                    summary
                        .errors
                        .push(format!("{}/{}: {e}", app.name, grant.login));
                }
            }
        }
        summary
    }

    /// Signs a GitHub user in: refreshes their role on every GitHub app from their
    /// repository permission, checks the policy, and records who they are.
    pub async fn sign_in(
        &self,
        accounts: &dyn GithubAccounts,
        policy: &SignInPolicy,
        token: &str,
        apps: &[App],
    ) -> Result<User, DomainError> {
        let github = accounts.user(token).await?;
        let actor = Actor::User {
            login: github.login.clone(),
        };
        let mut any_role = false;
        for app in apps {
            if let Repository::Github { full_name, .. } = &app.repository {
                let permission = accounts.repository_permission(token, full_name).await?;
                let role = permission.as_deref().and_then(Role::from_github_permission);
                self.record_github_role(&app.name, &github.login, role)
                    .await?;
            }
            any_role |= self.role(&actor, &app.name).await?.is_some();
        }
        let member = match &policy.organisation {
            Some(org) => accounts.is_org_member(token, org).await?,
            None => false,
        };
        if !(member || any_role) {
            let who = &github.login;
            return Err(DomainError::Forbidden(match &policy.organisation {
                Some(org) => format!(
                    "{who} may not sign in: they are not a member of {org} and have no role \
                     on any app (ask an admin to add them)"
                ),
                None => format!(
                    "{who} may not sign in: they have no access to the repository of any app \
                     (ask an admin to add them)"
                ),
            }));
        }
        let user = User {
            login: github.login,
            github_id: github.id,
            name: github.name,
            avatar_url: github.avatar_url,
            last_sign_in: self.now(),
        };
        self.put_user(&user).await?;
        Ok(user)
    }
}
