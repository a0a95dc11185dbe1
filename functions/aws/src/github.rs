//! GitHub repositories as a source. Pushes arrive by webhook; reading refs needs the GitHub
//! App's installation token, which is not wired yet, so those calls say so plainly.

use std::collections::BTreeMap;

use async_trait::async_trait;
use trellis_core::SourceError;
use trellis_core::model::{Commit, Repository};
use trellis_core::ports::SourceRepository;

pub struct GithubSource;

fn unsupported(what: &str) -> SourceError {
    SourceError::Unsupported(format!(
        "{what} needs the GitHub App's API access, which this deployment does not have yet; \
         push to the branch instead"
    ))
}

#[async_trait]
impl SourceRepository for GithubSource {
    async fn branch_heads(
        &self,
        _repository: &Repository,
    ) -> Result<BTreeMap<String, String>, SourceError> {
        Err(unsupported("listing branches"))
    }

    async fn resolve(
        &self,
        _repository: &Repository,
        _reference: &str,
    ) -> Result<Commit, SourceError> {
        Err(unsupported("resolving a branch or ref"))
    }

    async fn check(&self, repository: &Repository) -> Result<(), SourceError> {
        match repository {
            Repository::Github { .. } => Ok(()),
            Repository::Local { .. } => Err(SourceError::Unsupported(
                "local repositories exist only in local mode; on AWS connect a GitHub repository"
                    .into(),
            )),
        }
    }
}
