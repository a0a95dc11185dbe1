//! Reads local git repositories with the git command line.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tokio::process::Command;
use trellis_core::SourceError;
use trellis_core::model::{Commit, Repository};
use trellis_core::ports::{Comparison, SourceRepository};

pub struct GitSource;

async fn git(path: &str, args: &[&str]) -> Result<String, SourceError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(path)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .await
        .map_err(|e| SourceError::Failed(format!("cannot run git: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(SourceError::NotFound(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ))
    }
}

fn github_unsupported() -> SourceError {
    SourceError::Unsupported(
        "reading GitHub repositories needs the GitHub App connection (AWS mode); in local mode, \
         GitHub apps are deployed by push webhooks"
            .into(),
    )
}

#[async_trait]
impl SourceRepository for GitSource {
    async fn branch_heads(
        &self,
        repository: &Repository,
    ) -> Result<BTreeMap<String, String>, SourceError> {
        let Repository::Local { path } = repository else {
            return Err(github_unsupported());
        };
        let out = git(
            path,
            &[
                "for-each-ref",
                "--format=%(objectname) %(refname)",
                "refs/heads",
            ],
        )
        .await?;
        Ok(out
            .lines()
            .filter_map(|l| {
                let (sha, name) = l.split_once(' ')?;
                Some((
                    name.strip_prefix("refs/heads/")?.to_string(),
                    sha.to_string(),
                ))
            })
            .collect())
    }

    async fn resolve(
        &self,
        repository: &Repository,
        reference: &str,
    ) -> Result<Commit, SourceError> {
        let Repository::Local { path } = repository else {
            return Err(github_unsupported());
        };
        // `--end-of-options` keeps a ref from being read as an option.
        let out = git(
            path,
            &[
                "log",
                "-1",
                "--format=%H%x00%an%x00%B",
                "--end-of-options",
                &format!("{reference}^{{commit}}"),
                "--",
            ],
        )
        .await
        .map_err(|_| {
            SourceError::NotFound(format!(
                "{reference:?} is not a commit, branch or tag of the repository"
            ))
        })?;
        let mut parts = out.splitn(3, '\0');
        let sha = parts.next().unwrap_or_default().trim().to_string();
        let author = parts.next().unwrap_or_default().to_string();
        let message = parts.next().unwrap_or_default().trim().to_string();
        if sha.len() != 40 {
            return Err(SourceError::NotFound(format!(
                "{reference:?} did not resolve to a commit"
            )));
        }
        Ok(Commit {
            sha,
            message,
            author,
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
        let Repository::Local { path } = repository else {
            return Err(github_unsupported());
        };
        for sha in [base, head] {
            if !sha.chars().all(|c| c.is_ascii_hexdigit()) || sha.is_empty() {
                return Err(SourceError::NotFound(format!("{sha:?} is not a commit id")));
            }
        }
        let gone = |_| {
            SourceError::NotFound(format!(
                "{} or {} is not in the repository any more",
                &base[..base.len().min(7)],
                &head[..head.len().min(7)]
            ))
        };
        let count = |range: String| async move {
            git(path, &["rev-list", "--count", &range, "--"])
                .await
                .map(|n| n.trim().parse::<usize>().unwrap_or(0))
        };
        let ahead_by = count(format!("{base}..{head}")).await.map_err(gone)?;
        let behind_by = count(format!("{head}..{base}")).await.map_err(gone)?;
        let log = git(
            path,
            &[
                "log",
                "--format=%H%x00%an%x00%B%x1e",
                &format!("--skip={skip}"),
                &format!("--max-count={limit}"),
                &format!("{base}..{head}"),
                "--",
            ],
        )
        .await
        .map_err(gone)?;
        let commits = log
            .split('\x1e')
            .filter_map(|record| {
                let mut parts = record.trim_start_matches('\n').splitn(3, '\0');
                let sha = parts.next()?.trim().to_string();
                (sha.len() == 40).then(|| Commit {
                    sha,
                    author: parts.next().unwrap_or_default().to_string(),
                    message: parts.next().unwrap_or_default().trim().to_string(),
                })
            })
            .collect();
        Ok(Comparison {
            commits,
            ahead_by,
            behind_by,
        })
    }

    async fn check(&self, repository: &Repository) -> Result<(), SourceError> {
        match repository {
            Repository::Local { path } => {
                git(path, &["rev-parse", "--git-dir"]).await.map_err(|_| {
                    SourceError::NotFound(format!("{path} is not a git repository"))
                })?;
                Ok(())
            }
            // Reachability is checked when the GitHub App delivers its first push.
            Repository::Github { .. } => Ok(()),
        }
    }
}
