//! The GitHub App for a local server: its settings in the data directory (written by the
//! manifest flow), or an OAuth client from the environment.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use trellis_core::SecretError;
use trellis_core::access::{GithubAccounts, SignInPolicy};
use trellis_core::github_app::{GithubAppSettings, GithubAppStore};
use trellis_core::github_connection::GithubConnection;
use trellis_github::{GITHUB_API, GITHUB_WEB, GithubConnect, GithubOAuth};
use trellis_http::github::GithubIntegration;

use super::ServeError;
use crate::launcher::write_private;

fn setup(e: trellis_core::SourceError) -> ServeError {
    ServeError::Setup(format!("GitHub: {e}"))
}

/// github.com, or a GitHub Enterprise Server (`TRELLIS_GITHUB_URL`, `TRELLIS_GITHUB_API_URL`).
fn addresses() -> (String, String) {
    (
        var("TRELLIS_GITHUB_URL").unwrap_or_else(|| GITHUB_WEB.into()),
        var("TRELLIS_GITHUB_API_URL").unwrap_or_else(|| GITHUB_API.into()),
    )
}

/// The app as `github-app.json` says now: shared by sign-in, the picker and the pipeline.
pub(super) fn connection(data_dir: &Path) -> Result<Arc<GithubConnection>, ServeError> {
    let (web, api) = addresses();
    Ok(Arc::new(GithubConnection::new(
        Arc::new(FileGithubAppStore::new(data_dir)),
        Arc::new(GithubConnect::new(&web, &api).map_err(setup)?),
    )))
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `github-app.json` in the data directory, readable by the server's user only.
pub struct FileGithubAppStore {
    path: PathBuf,
}

impl FileGithubAppStore {
    pub fn new(data_dir: &Path) -> Self {
        FileGithubAppStore {
            path: data_dir.join("github-app.json"),
        }
    }
}

#[async_trait]
impl GithubAppStore for FileGithubAppStore {
    async fn get(&self) -> Result<Option<GithubAppSettings>, SecretError> {
        match tokio::fs::read(&self.path).await {
            Ok(body) => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| SecretError(format!("{}: {e}", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SecretError(format!("{}: {e}", self.path.display()))),
        }
    }

    async fn put(&self, settings: &GithubAppSettings) -> Result<(), SecretError> {
        let body = serde_json::to_vec_pretty(settings).map_err(|e| SecretError(e.to_string()))?;
        let (path, tmp) = (self.path.clone(), self.path.with_extension("json.new"));
        tokio::task::spawn_blocking(move || {
            // Written whole, then renamed: a reader never sees half a file.
            write_private(&tmp, &body)?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|e| SecretError(e.to_string()))?
        .map_err(|e| SecretError(format!("{}: {e}", self.path.display())))
    }
}

/// The integration: `TRELLIS_PUBLIC_URL` (where browsers and GitHub reach this server;
/// default its own address), `TRELLIS_GITHUB_URL`/`TRELLIS_GITHUB_API_URL` (GitHub
/// Enterprise Server), `TRELLIS_GITHUB_ORG` (its members may sign in), `TRELLIS_SESSION_HOURS`
/// (12), and optionally `TRELLIS_GITHUB_CLIENT_ID`/`_SECRET`: an OAuth client that beats the
/// connected app's.
pub(super) fn integration(
    connection: Arc<GithubConnection>,
    base_url: &str,
) -> Result<GithubIntegration, ServeError> {
    let (web, api) = addresses();
    let fixed: Option<Arc<dyn GithubAccounts>> = match (
        var("TRELLIS_GITHUB_CLIENT_ID"),
        var("TRELLIS_GITHUB_CLIENT_SECRET"),
    ) {
        (None, None) => None,
        (Some(id), Some(secret)) => Some(Arc::new(
            GithubOAuth::new(&web, &api, &id, &secret).map_err(setup)?,
        )),
        _ => {
            return Err(ServeError::Setup(
                "set both TRELLIS_GITHUB_CLIENT_ID and TRELLIS_GITHUB_CLIENT_SECRET (a GitHub \
                 App's OAuth client), or neither"
                    .into(),
            ));
        }
    };
    let hours = match var("TRELLIS_SESSION_HOURS") {
        None => 12,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|h| (1..=720).contains(h))
            .ok_or_else(|| {
                ServeError::Setup(format!(
                    "TRELLIS_SESSION_HOURS is {v:?}: give a number of hours from 1 to 720"
                ))
            })?,
    };
    Ok(GithubIntegration::new(
        connection,
        SignInPolicy {
            organisation: var("TRELLIS_GITHUB_ORG"),
        },
        time::Duration::hours(hours),
        Some(var("TRELLIS_PUBLIC_URL").unwrap_or_else(|| base_url.to_string())),
        fixed,
    ))
}
