//! Who is who: the caller, personal tokens, members of an app and the audit log.

use serde::{Deserialize, Serialize};
use trellis_core::access::{AuditEntry, Grant, PersonalToken};
use utoipa::ToSchema;

use super::resources::rfc3339;

/// A role on an app.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Viewer,
    Deployer,
    Admin,
}

impl From<trellis_core::access::Role> for RoleName {
    fn from(r: trellis_core::access::Role) -> Self {
        use trellis_core::access::Role;
        match r {
            Role::Viewer => RoleName::Viewer,
            Role::Deployer => RoleName::Deployer,
            Role::Admin => RoleName::Admin,
        }
    }
}

impl From<RoleName> for trellis_core::access::Role {
    fn from(r: RoleName) -> Self {
        use trellis_core::access::Role;
        match r {
            RoleName::Viewer => Role::Viewer,
            RoleName::Deployer => Role::Deployer,
            RoleName::Admin => Role::Admin,
        }
    }
}

/// The caller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeView {
    /// `admin-token` (the break-glass credential) or `user`.
    pub kind: String,
    /// The GitHub login of a signed-in user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// With the session cookie: the value to send in `X-CSRF-Token` on state changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
}

impl From<PersonalToken> for TokenView {
    fn from(t: PersonalToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            created_at: rfc3339(t.created_at),
            expires_at: rfc3339(t.expires_at),
            last_used_at: t.last_used_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// 1 to 100 characters, not only spaces.
    #[schema(pattern = "\\S", min_length = 1, max_length = 100)]
    pub name: String,
    /// 1 to 366 days; 90 by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 366)]
    pub expires_in_days: Option<i64>,
}

/// A new token: `secret` is shown this once and never again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedTokenView {
    pub token: TokenView,
    pub secret: String,
}

/// One user's role on an app, and where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub login: String,
    /// `github` (the repository permission) or `override` (set by an admin).
    pub source: String,
    pub role: RoleName,
    pub granted_by: String,
    pub updated_at: String,
}

impl From<Grant> for MemberView {
    fn from(g: Grant) -> Self {
        MemberView {
            login: g.login,
            source: g.source.as_str().into(),
            role: g.role.into(),
            granted_by: g.granted_by,
            updated_at: rfc3339(g.updated_at),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetRoleRequest {
    pub role: RoleName,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub app: Option<String>,
    pub target: String,
    pub request_id: String,
    /// `succeeded`, `refused` or `failed`.
    pub outcome: String,
    pub status: u16,
    pub detail: Option<String>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        use trellis_core::access::AuditOutcome;
        AuditEntryView {
            id: e.id,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            app: e.app,
            target: e.target,
            request_id: e.request_id,
            outcome: match e.outcome {
                AuditOutcome::Succeeded => "succeeded",
                AuditOutcome::Refused => "refused",
                AuditOutcome::Failed => "failed",
            }
            .into(),
            status: e.status,
            detail: e.detail,
        }
    }
}

/// A device-flow sign-in under way: show `userCode` and `verificationUri` to the user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceStartView {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: u64,
    /// Seconds to wait between polls.
    pub interval: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceTokenRequest {
    pub device_code: String,
    /// The personal token's name (default `trellis login`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `status`: `pending`, `slow_down` (wait `interval` seconds), `expired`, `denied`, or
/// `signed_in` with the login and a personal token (shown this once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceTokenView {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The token's id (to revoke it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// The GitHub App Trellis acts as.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GithubAppView {
    pub connected: bool,
    pub app_id: Option<u64>,
    pub slug: Option<String>,
    pub html_url: Option<String>,
    /// Where to install the app on an account or organisation.
    pub install_url: Option<String>,
    /// Whether people can sign in with GitHub.
    pub sign_in: bool,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GithubManifestRequest {
    /// Create the app in this organisation (default: the signed-in GitHub user's account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Where this Trellis is reached (default: the server's own address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The app's name on GitHub (default `Trellis`; names are unique on GitHub).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Create a new app even though one is connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<bool>,
}

/// Post `manifest` (as the form field `manifest`, JSON) to `postUrl` from the browser.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GithubManifestView {
    pub post_url: String,
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
}

/// A repository Trellis's GitHub App is installed on, as the create-app picker shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GithubRepositoryView {
    /// `owner/name`.
    pub full_name: String,
    pub installation_id: u64,
    pub private: bool,
    pub default_branch: String,
    /// The caller's permission on it as GitHub reports it (absent for the admin token).
    pub your_permission: Option<String>,
    /// Whether the caller may register an app for it (admin or maintain on GitHub).
    pub can_register: bool,
    /// The Trellis apps already registered for it.
    pub apps: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GithubRepositoriesView {
    pub repositories: Vec<GithubRepositoryView>,
    /// More repositories matched than were listed: search to narrow them down.
    pub truncated: bool,
}

/// A branch of an app's repository and the commit it points at.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BranchView {
    pub name: String,
    pub sha: String,
}

/// A one-use ticket that opens the live socket (`?ticket=`) for a minute.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveTicketView {
    pub ticket: String,
    pub expires_at: String,
}
