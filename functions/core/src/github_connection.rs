//! The GitHub App as its stored settings say *now*: connecting it from the dashboard takes
//! effect in running servers and warm functions without a restart, and nothing reads its
//! secret before a request needs it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::error::{DomainError, SourceError};
use crate::github_app::{GithubAppSettings, GithubAppStore, GithubConnector, GithubInstallations};
use crate::model::{Commit, Repository};
use crate::ports::{Comparison, SourceRepository};

/// How long settings read from the store are trusted: a re-keyed app is seen this late.
const SETTINGS_TTL: Duration = Duration::from_secs(60);

/// Settings as read at a time, and the client made from them.
type Cached = (Instant, GithubAppSettings, Arc<dyn GithubInstallations>);

pub struct GithubConnection {
    pub store: Arc<dyn GithubAppStore>,
    pub connector: Arc<dyn GithubConnector>,
    cache: Mutex<Option<Cached>>,
}

impl GithubConnection {
    pub fn new(store: Arc<dyn GithubAppStore>, connector: Arc<dyn GithubConnector>) -> Self {
        GithubConnection {
            store,
            connector,
            cache: Mutex::new(None),
        }
    }

    /// The app acting on its installations, or `None` while no app is connected (not
    /// remembered: connecting one is seen at once).
    pub async fn installations(&self) -> Result<Option<Arc<dyn GithubInstallations>>, DomainError> {
        if let Some((read_at, _, installations)) = self.cached()
            && read_at.elapsed() < SETTINGS_TTL
        {
            return Ok(Some(installations));
        }
        let Some(settings) = self.store.get().await? else {
            return Ok(None);
        };
        if let Some((_, known, installations)) = self.cached()
            && known == settings
        {
            self.remember(settings, installations.clone());
            return Ok(Some(installations));
        }
        let installations = self.connector.installations(&settings)?;
        self.remember(settings, installations.clone());
        Ok(Some(installations))
    }

    fn cached(&self) -> Option<Cached> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn remember(&self, settings: GithubAppSettings, installations: Arc<dyn GithubInstallations>) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), settings, installations));
    }

    async fn require(&self, what: &str) -> Result<Arc<dyn GithubInstallations>, SourceError> {
        match self.installations().await {
            Ok(Some(installations)) => Ok(installations),
            Ok(None) => Err(SourceError::Unsupported(format!(
                "{what} needs Trellis's GitHub App: connect it under Settings → GitHub"
            ))),
            Err(e) => Err(SourceError::Failed(e.to_string())),
        }
    }
}

/// What a build needs to clone a GitHub repository: a token for it alone, and where from.
#[derive(Clone)]
pub struct CloneAccess {
    pub token: String,
    /// A GitHub Enterprise Server's address (`None`: github.com).
    pub web_url: Option<String>,
}

impl std::fmt::Debug for CloneAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CloneAccess(token ***, {:?})", self.web_url)
    }
}

impl GithubConnection {
    /// A deployment's page in the dashboard, where the connected app's settings say Trellis
    /// is reached.
    pub fn dashboard_link(&self, deployment: &str) -> Option<String> {
        let (_, settings, _) = self.cached()?;
        let base = settings.public_url?;
        Some(format!(
            "{}/deployments/{deployment}",
            base.trim_end_matches('/')
        ))
    }

    /// Clone access to `repository`, or `None` while no app is connected (a public
    /// repository still clones without a token).
    pub async fn clone_access(
        &self,
        repository: &Repository,
    ) -> Result<Option<CloneAccess>, DomainError> {
        let Some(installations) = self.installations().await? else {
            return Ok(None);
        };
        let web_url = self.cached().and_then(|(_, settings, _)| settings.web_url);
        let token = installations.clone_token(repository).await?;
        Ok(Some(CloneAccess { token, web_url }))
    }
}

/// Repositories wherever they are: local paths through `local`, GitHub repositories
/// through the connected app.
pub struct RepositorySource {
    pub local: Arc<dyn SourceRepository>,
    pub github: Arc<GithubConnection>,
}

#[async_trait]
impl SourceRepository for RepositorySource {
    async fn branch_heads(
        &self,
        repository: &Repository,
    ) -> Result<BTreeMap<String, String>, SourceError> {
        match repository {
            Repository::Local { .. } => self.local.branch_heads(repository).await,
            Repository::Github { .. } => {
                self.github
                    .require("listing branches")
                    .await?
                    .branch_heads(repository)
                    .await
            }
        }
    }

    async fn resolve(
        &self,
        repository: &Repository,
        reference: &str,
    ) -> Result<Commit, SourceError> {
        match repository {
            Repository::Local { .. } => self.local.resolve(repository, reference).await,
            Repository::Github { .. } => {
                self.github
                    .require("resolving a branch or ref")
                    .await?
                    .resolve(repository, reference)
                    .await
            }
        }
    }

    async fn check(&self, repository: &Repository) -> Result<(), SourceError> {
        self.local.check(repository).await
    }

    async fn compare(
        &self,
        repository: &Repository,
        base: &str,
        head: &str,
        skip: usize,
        limit: usize,
    ) -> Result<Comparison, SourceError> {
        match repository {
            Repository::Local { .. } => {
                self.local
                    .compare(repository, base, head, skip, limit)
                    .await
            }
            Repository::Github { .. } => {
                self.github
                    .require("listing commits")
                    .await?
                    .compare(repository, base, head, skip, limit)
                    .await
            }
        }
    }
}
