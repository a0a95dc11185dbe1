//! The GitHub App Trellis acts as: created from a manifest in a few clicks, kept in the
//! secret store, and used for sign-in, webhooks and reading repositories.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::access::GithubAccounts;
use crate::error::{SecretError, SourceError};
use crate::model::Repository;

/// Everything Trellis knows of its GitHub App. Older installs stored only the id and the
/// key (by hand): the rest is optional.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GithubAppSettings {
    pub app_id: u64,
    pub private_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// The app's page on GitHub (`…/apps/<slug>`); installing it is `<html_url>/installations/new`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// github.com, or a GitHub Enterprise Server's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Where Trellis is reached: sign-in comes back to `<public_url>/api/auth/github/callback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The organisation the app was created in: its members may sign in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

impl std::fmt::Debug for GithubAppSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GithubAppSettings({}, key ***, secret ***)", self.app_id)
    }
}

impl GithubAppSettings {
    /// Sign-in needs the OAuth client and the address to come back to.
    pub fn can_sign_in(&self) -> bool {
        self.client_id.is_some() && self.client_secret.is_some() && self.public_url.is_some()
    }

    pub fn install_url(&self) -> Option<String> {
        self.html_url
            .as_ref()
            .map(|u| format!("{}/installations/new", u.trim_end_matches('/')))
    }
}

/// Where the app's settings are kept (a file in the data directory locally; the GitHub App
/// secret in Secrets Manager on AWS).
#[async_trait]
pub trait GithubAppStore: Send + Sync {
    async fn get(&self) -> Result<Option<GithubAppSettings>, SecretError>;
    async fn put(&self, settings: &GithubAppSettings) -> Result<(), SecretError>;
}

/// GitHub's side of connecting an app.
#[async_trait]
pub trait GithubConnector: Send + Sync {
    /// Where the browser posts the manifest (`…/settings/apps/new`, or an organisation's).
    fn new_app_url(&self, organisation: Option<&str>, state: &str) -> String;
    /// Turns the code GitHub sends back into the new app's credentials.
    async fn convert_manifest(&self, code: &str) -> Result<GithubAppSettings, SourceError>;
    /// Makes the app sign its webhook deliveries with Trellis's webhook secret.
    async fn set_webhook_secret(
        &self,
        app: &GithubAppSettings,
        secret: &str,
    ) -> Result<(), SourceError>;
    /// The app's OAuth client, for sign-in.
    fn accounts(&self, app: &GithubAppSettings) -> Result<Arc<dyn GithubAccounts>, SourceError>;
    /// The app acting as itself on its installations (its private key).
    fn installations(
        &self,
        app: &GithubAppSettings,
    ) -> Result<Arc<dyn GithubInstallations>, SourceError>;
}

/// A repository the app is installed on: what the create-app picker offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledRepository {
    pub full_name: String,
    pub installation_id: u64,
    pub private: bool,
    pub default_branch: String,
}

impl InstalledRepository {
    pub fn repository(&self) -> Repository {
        Repository::Github {
            full_name: self.full_name.clone(),
            installation_id: self.installation_id,
        }
    }
}

/// The most repositories the picker lists; more than this is searched, not scrolled.
pub const MAX_INSTALLED_REPOSITORIES: usize = 1000;

/// What the app can see of its installations, as itself; it reads their repositories and
/// who may do what in them too.
#[async_trait]
pub trait GithubInstallations:
    crate::ports::SourceRepository + crate::access::RepositoryPermissions
{
    /// The repositories of every installation, up to [`MAX_INSTALLED_REPOSITORIES`].
    async fn repositories(&self) -> Result<Vec<InstalledRepository>, SourceError>;
    /// Says a deployment's feedback on GitHub (a deployment status, a commit status).
    async fn report(&self, feedback: &crate::feedback::Feedback) -> crate::feedback::SendOutcome;
    /// A short-lived token that can only read `repository`'s contents: what a build clones
    /// with.
    async fn clone_token(&self, repository: &Repository) -> Result<String, SourceError>;
}

/// The manifest of the GitHub App Trellis needs: its addresses, and the least permissions
/// and events it uses (repository contents and metadata read; deployments and commit
/// statuses written, to report deployments; pull requests written, for previews and their
/// comment; push and pull-request events).
pub fn app_manifest(name: &str, public_url: &str) -> Value {
    let base = public_url.trim_end_matches('/');
    json!({
        "name": name,
        "url": base,
        "description": "Trellis: deploys each pushed branch to its environment; promotion and rollback from the dashboard.",
        "hook_attributes": {"url": format!("{base}/api/webhooks/github"), "active": true},
        "redirect_url": format!("{base}/api/github/manifest/callback"),
        "callback_urls": [format!("{base}/api/auth/github/callback")],
        "setup_url": format!("{base}/"),
        "public": false,
        "request_oauth_on_install": false,
        "default_permissions": {
            "contents": "read", "metadata": "read", "deployments": "write", "statuses": "write",
            "pull_requests": "write"
        },
        "default_events": ["push", "pull_request"]
    })
}
