//! Trellis's GitHub App as the edge uses it: whether it is connected, and sign-in through
//! its OAuth client. The settings are read from their store when needed (and cached by the
//! app's identity), so connecting the app takes effect without a restart.

use std::sync::{Arc, Mutex};

use trellis_core::DomainError;
use trellis_core::access::{GithubAccounts, SignInPolicy};
use trellis_core::github_app::{
    GithubAppSettings, GithubAppStore, GithubConnector, GithubInstallations,
};
use trellis_core::github_connection::GithubConnection;

/// Sign-in, ready: the accounts to ask and where GitHub sends the browser back.
#[derive(Clone)]
pub struct ActiveSignIn {
    pub accounts: Arc<dyn GithubAccounts>,
    pub public_url: String,
}

impl ActiveSignIn {
    pub fn callback_url(&self) -> String {
        format!(
            "{}/api/auth/github/callback",
            self.public_url.trim_end_matches('/')
        )
    }

    /// Cookies are `Secure` unless Trellis is reached over plain HTTP (a local server).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

pub struct GithubIntegration {
    pub store: Arc<dyn GithubAppStore>,
    pub connector: Arc<dyn GithubConnector>,
    pub policy: SignInPolicy,
    pub session_lifetime: time::Duration,
    /// Where this server is reached when the settings do not say (a local server's address).
    pub default_public_url: Option<String>,
    /// An OAuth client given in the configuration (local mode's environment): it beats the
    /// stored app's.
    pub fixed_accounts: Option<Arc<dyn GithubAccounts>>,
    cache: Mutex<Option<(String, ActiveSignIn)>>,
    connection: Arc<GithubConnection>,
}

impl GithubIntegration {
    pub fn new(
        connection: Arc<GithubConnection>,
        policy: SignInPolicy,
        session_lifetime: time::Duration,
        default_public_url: Option<String>,
        fixed_accounts: Option<Arc<dyn GithubAccounts>>,
    ) -> Self {
        GithubIntegration {
            store: connection.store.clone(),
            connector: connection.connector.clone(),
            policy,
            session_lifetime,
            default_public_url,
            fixed_accounts,
            cache: Mutex::new(None),
            connection,
        }
    }

    /// Who may sign in: the configured policy, or the members of the organisation the app
    /// was created in.
    pub async fn policy(&self) -> Result<SignInPolicy, DomainError> {
        if self.policy.organisation.is_some() {
            return Ok(self.policy.clone());
        }
        Ok(SignInPolicy {
            organisation: self.settings().await?.and_then(|s| s.organisation),
        })
    }

    pub async fn settings(&self) -> Result<Option<GithubAppSettings>, DomainError> {
        Ok(self.store.get().await?)
    }

    /// Sign-in if it is set up: `None` when no OAuth client is known.
    pub async fn sign_in(&self) -> Result<Option<ActiveSignIn>, DomainError> {
        if let Some(accounts) = &self.fixed_accounts {
            return Ok(self
                .default_public_url
                .clone()
                .map(|public_url| ActiveSignIn {
                    accounts: accounts.clone(),
                    public_url,
                }));
        }
        let Some(settings) = self.settings().await? else {
            return Ok(None);
        };
        let Some(public_url) = settings
            .public_url
            .clone()
            .or_else(|| self.default_public_url.clone())
        else {
            return Ok(None);
        };
        let Some(client_id) = settings.client_id.clone() else {
            return Ok(None);
        };
        let identity = format!("{}:{client_id}:{public_url}", settings.app_id);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((id, active)) = cache.as_ref()
            && *id == identity
        {
            return Ok(Some(active.clone()));
        }
        let active = ActiveSignIn {
            accounts: self.connector.accounts(&settings)?,
            public_url,
        };
        *cache = Some((identity, active.clone()));
        Ok(Some(active))
    }

    /// The app as its settings say now, shared with the pipeline's repository source.
    pub fn connection(&self) -> Arc<GithubConnection> {
        self.connection.clone()
    }

    /// The app acting on its installations; a 409 that says how when it is not connected.
    pub async fn installations(&self) -> Result<Arc<dyn GithubInstallations>, DomainError> {
        self.connection.installations().await?.ok_or_else(|| {
            DomainError::Conflict(
                "GitHub is not connected: an admin connects it under Settings → GitHub first"
                    .into(),
            )
        })
    }
}
