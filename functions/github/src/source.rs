//! GitHub repositories read through the app's installations: branches, commits, comparisons
//! (what a promotion ships) and collaborators' permissions.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use trellis_core::SourceError;
use trellis_core::model::{Commit, Repository};
use trellis_core::ports::{Comparison, SourceRepository};

use crate::app::GithubApp;

/// GitHub repositories as a source; without app credentials, reading refs says so plainly
/// (pushes still arrive by webhook).
pub struct GithubSource {
    pub(crate) app: Option<Arc<GithubApp>>,
}

impl GithubSource {
    pub fn new(app: Option<Arc<GithubApp>>) -> Self {
        GithubSource { app }
    }

    fn parts<'a>(
        &'a self,
        repository: &'a Repository,
        what: &str,
    ) -> Result<(&'a GithubApp, &'a str, u64), SourceError> {
        let Repository::Github {
            full_name,
            installation_id,
        } = repository
        else {
            return Err(SourceError::Unsupported(
                "local repositories exist only in local mode".into(),
            ));
        };
        let app = self.app.as_deref().ok_or_else(|| {
            SourceError::Unsupported(format!(
                "{what} needs the GitHub App's credentials (TRELLIS_GITHUB_APP_SECRET), which \
                 this deployment does not have; push to the branch instead"
            ))
        })?;
        Ok((app, full_name, *installation_id))
    }
}

#[derive(Deserialize)]
struct CommitResponse {
    sha: String,
    commit: CommitBody,
}

#[derive(Clone, Deserialize)]
struct CommitBody {
    message: String,
    author: Option<CommitAuthor>,
}

/// GitHub's page size for a comparison's commits.
const COMPARE_PAGE: usize = 100;

/// For `total` commits listed oldest first, the positions `[start, end)` of the newest-first
/// window `skip..skip + limit`, and the (1-based) pages that hold them.
fn window(
    total: usize,
    skip: usize,
    limit: usize,
) -> (usize, usize, std::ops::RangeInclusive<usize>) {
    let end = total.saturating_sub(skip);
    let start = end.saturating_sub(limit);
    if end == 0 {
        // An empty range: no page to read.
        #[allow(clippy::reversed_empty_ranges)]
        return (0, 0, 1..=0);
    }
    (
        start,
        end,
        (start / COMPARE_PAGE + 1)..=((end - 1) / COMPARE_PAGE + 1),
    )
}

#[derive(Deserialize)]
struct CompareResponse {
    ahead_by: usize,
    behind_by: usize,
    total_commits: usize,
    #[serde(default)]
    commits: Vec<CompareCommit>,
}

#[derive(Clone, Deserialize)]
struct CompareCommit {
    sha: String,
    commit: CommitBody,
}

#[derive(Clone, Deserialize)]
struct CommitAuthor {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Branch {
    name: String,
    commit: BranchCommit,
}

#[derive(Deserialize)]
struct BranchCommit {
    sha: String,
}

#[async_trait]
impl SourceRepository for GithubSource {
    async fn branch_heads(
        &self,
        repository: &Repository,
    ) -> Result<BTreeMap<String, String>, SourceError> {
        let (app, full_name, installation) = self.parts(repository, "listing branches")?;
        let branches: Vec<Branch> = app
            .get(
                installation,
                &format!("/repos/{full_name}/branches?per_page=100"),
            )
            .await?;
        Ok(branches
            .into_iter()
            .map(|b| (b.name, b.commit.sha))
            .collect())
    }

    async fn resolve(
        &self,
        repository: &Repository,
        reference: &str,
    ) -> Result<Commit, SourceError> {
        let (app, full_name, installation) = self.parts(repository, "resolving a branch or ref")?;
        let c: CommitResponse = app
            .get(
                installation,
                &format!("/repos/{full_name}/commits/{reference}"),
            )
            .await
            .map_err(|e| match e {
                SourceError::NotFound(_) => SourceError::NotFound(format!(
                    "{reference:?} is not a commit, branch or tag of {full_name}"
                )),
                other => other,
            })?;
        Ok(Commit {
            sha: c.sha,
            message: c.commit.message,
            author: c.commit.author.and_then(|a| a.name).unwrap_or_default(),
        })
    }

    async fn compare(
        &self,
        repository: &Repository,
        base: &str,
        head: &str,
        skip: usize,
        limit: usize,
    ) -> Result<Comparison, SourceError> {
        let (app, full_name, installation) = self.parts(repository, "listing commits")?;
        // GitHub lists a comparison's commits oldest first, in pages: the newest-first window
        // [skip, skip + limit) is read from the one or two pages that hold it.
        let page_of = |page: usize| {
            format!(
                "/repos/{full_name}/compare/{base}...{head}?per_page={COMPARE_PAGE}&page={page}"
            )
        };
        let first: CompareResponse =
            app.get(installation, &page_of(1))
                .await
                .map_err(|e| match e {
                    SourceError::NotFound(_) => SourceError::NotFound(format!(
                        "{} or {} is not in {full_name} any more",
                        &base[..base.len().min(7)],
                        &head[..head.len().min(7)]
                    )),
                    other => other,
                })?;
        let (start, end, pages) = window(first.total_commits, skip, limit);
        let mut oldest_first: BTreeMap<usize, CompareCommit> = BTreeMap::new();
        let first_page = first.commits;
        for page in pages {
            let commits = if page == 1 {
                first_page.clone()
            } else {
                app.get::<CompareResponse>(installation, &page_of(page))
                    .await?
                    .commits
            };
            for (i, c) in commits.into_iter().enumerate() {
                oldest_first.insert((page - 1) * COMPARE_PAGE + i, c);
            }
        }
        let commits = (start..end)
            .rev()
            .filter_map(|i| oldest_first.remove(&i))
            .map(|c| Commit {
                sha: c.sha,
                message: c.commit.message,
                author: c.commit.author.and_then(|a| a.name).unwrap_or_default(),
            })
            .collect();
        Ok(Comparison {
            commits,
            ahead_by: first.ahead_by,
            behind_by: first.behind_by,
        })
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

#[derive(Deserialize)]
struct CollaboratorPermission {
    permission: Option<String>,
    role_name: Option<String>,
}

#[async_trait]
impl trellis_core::access::RepositoryPermissions for GithubSource {
    async fn collaborator_permission(
        &self,
        repository: &Repository,
        login: &str,
    ) -> Result<Option<String>, SourceError> {
        let (app, full_name, installation) = self.parts(repository, "checking a role")?;
        let path = format!("/repos/{full_name}/collaborators/{login}/permission");
        match app.get::<CollaboratorPermission>(installation, &path).await {
            // `role_name` tells maintain and triage apart; `permission` is the older field.
            Ok(p) => Ok(p.role_name.or(p.permission).filter(|p| p != "none")),
            Err(SourceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::window;

    #[test]
    fn a_newest_first_window_reads_only_the_pages_that_hold_it() {
        // 250 commits, oldest first: the newest 100 are positions 150..250, pages 2 and 3.
        assert_eq!(window(250, 0, 100), (150, 250, 2..=3));
        assert_eq!(window(250, 120, 50), (80, 130, 1..=2));
        assert_eq!(window(3, 1, 1), (1, 2, 1..=1));
        assert_eq!(window(3, 5, 10).2.count(), 0, "past the end: nothing");
        assert_eq!(window(0, 0, 10).2.count(), 0);
    }
}
