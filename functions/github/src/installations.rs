//! What the app sees of its installations, as itself: the repositories it may be pointed at
//! (the create-app picker) and who administers them.

use async_trait::async_trait;
use serde::Deserialize;
use trellis_core::SourceError;
use trellis_core::feedback::{Feedback, SendOutcome};
use trellis_core::github_app::{
    GithubInstallations, InstalledRepository, MAX_INSTALLED_REPOSITORIES,
};
use trellis_core::model::Repository;

use crate::source::GithubSource;

/// GitHub's page size at its largest.
const PER_PAGE: usize = 100;

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

#[derive(Deserialize)]
struct RepositoryPage {
    repositories: Vec<RepositoryItem>,
}

#[derive(Deserialize)]
struct RepositoryItem {
    full_name: String,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    default_branch: Option<String>,
}

#[async_trait]
impl GithubInstallations for GithubSource {
    async fn repositories(&self) -> Result<Vec<InstalledRepository>, SourceError> {
        let app = self.app.as_deref().ok_or_else(|| {
            SourceError::Unsupported("listing repositories needs the GitHub App's key".into())
        })?;
        let installations: Vec<Installation> = app
            .get_as_app(&format!("/app/installations?per_page={PER_PAGE}"))
            .await?;
        let mut found = Vec::new();
        'installations: for installation in installations {
            let token = app.installation_token(installation.id).await?;
            for page in 1.. {
                let listed: RepositoryPage = app
                    .get_with(
                        &token,
                        &format!("/installation/repositories?per_page={PER_PAGE}&page={page}"),
                    )
                    .await?;
                let last = listed.repositories.len() < PER_PAGE;
                found.extend(
                    listed
                        .repositories
                        .into_iter()
                        .map(|r| InstalledRepository {
                            full_name: r.full_name,
                            installation_id: installation.id,
                            private: r.private,
                            default_branch: r.default_branch.unwrap_or_else(|| "main".into()),
                        }),
                );
                if found.len() >= MAX_INSTALLED_REPOSITORIES {
                    break 'installations;
                }
                if last {
                    break;
                }
            }
        }
        found.truncate(MAX_INSTALLED_REPOSITORIES);
        found.sort_by_key(|r| r.full_name.to_lowercase());
        Ok(found)
    }

    async fn clone_token(&self, repository: &Repository) -> Result<String, SourceError> {
        let app = self
            .app
            .as_deref()
            .ok_or_else(|| SourceError::Unsupported("cloning needs the GitHub App's key".into()))?;
        let Repository::Github {
            full_name,
            installation_id,
        } = repository
        else {
            return Err(SourceError::Unsupported(
                "only GitHub repositories are cloned with a token".into(),
            ));
        };
        app.repository_token(*installation_id, full_name).await
    }

    async fn report(&self, feedback: &Feedback) -> SendOutcome {
        self.report_feedback(feedback).await
    }
}
