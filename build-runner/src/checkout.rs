//! The clone step: the exact commit, shallowly, into a fresh directory. It runs no code of
//! the build, so it runs as the runner's own user; the token it uses is masked like a secret.

use std::path::Path;

use trellis_core::job::RunnerJob;
use trellis_core::model::Repository;

use crate::short;
use crate::step::{self, StepContext, StepError};

/// Why a part of the deployment stopped it.
pub(crate) enum Failure {
    /// A step's command failed, timed out or was cancelled.
    Step(&'static str, StepError),
    /// Something around the steps failed (one sentence for the deployment's error).
    Other(String),
}

/// The HTTP header value git sends for a GitHub App installation token.
pub fn git_auth_header(token: &str) -> String {
    use base64::Engine;
    let pair = format!("x-access-token:{token}");
    format!(
        "basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn clone_url(job: &RunnerJob) -> String {
    match &job.repository {
        Repository::Local { path } => format!("file://{path}"),
        Repository::Github { full_name, .. } => {
            let host = job.github_web.as_deref().unwrap_or("https://github.com");
            format!("{}/{full_name}.git", host.trim_end_matches('/'))
        }
    }
}

/// Fetches `job`'s commit into `checkout` and checks it out; on return, steps run there.
pub(crate) async fn fetch_commit<'a>(
    ctx: &mut StepContext<'a>,
    job: &RunnerJob,
    checkout: &'a Path,
    auth_header: Option<&str>,
) -> Result<(), Failure> {
    let url = clone_url(job);
    let checkout_str = checkout.display().to_string();
    let sha = job.commit_sha.as_str();
    let clone = |e| Failure::Step("clone", e);
    step::run(
        ctx,
        "clone",
        &format!("git init {checkout_str}"),
        "git",
        &["init", "-q", &checkout_str],
    )
    .await
    .map_err(clone)?;
    ctx.dir = checkout;
    let fetch = format!("fetching {} from {url}", short(sha));
    let auth_config = auth_header.map(|h| format!("http.extraheader=AUTHORIZATION: {h}"));
    let mut fetch_args: Vec<&str> = Vec::new();
    if let Some(c) = &auth_config {
        // Per command, never written to the checkout's config.
        fetch_args.extend(["-c", c.as_str()]);
    }
    fetch_args.extend(["fetch", "-q", "--depth", "1", &url, sha]);
    step::run(ctx, "clone", &fetch, "git", &fetch_args)
        .await
        .map_err(clone)?;
    step::run(
        ctx,
        "clone",
        "git checkout FETCH_HEAD",
        "git",
        &[
            "-c",
            "advice.detachedHead=false",
            "checkout",
            "-q",
            "FETCH_HEAD",
        ],
    )
    .await
    .map_err(clone)?;
    match std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(checkout)
        .output()
    {
        Ok(out) if String::from_utf8_lossy(&out.stdout).trim() == sha => Ok(()),
        _ => Err(Failure::Other(format!(
            "the checkout is not at commit {sha}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_repositories_clone_from_github_or_the_enterprise_server_named() {
        let mut job: RunnerJob = serde_json::from_value(serde_json::json!({
            "deploymentId": "d", "app": "shop", "environment": "development", "kind": "deploy",
            "repository": {"provider": "github", "fullName": "acme/shop", "installationId": 1},
            "commitSha": "a".repeat(40),
            "config": {"testsEnabled": false, "testCommand": "true", "deployCommand": "true",
                "removeCommand": "true", "timeoutMinutes": 5, "variables": {}, "secretNames": []},
        }))
        .expect("a job");
        assert_eq!(clone_url(&job), "https://github.com/acme/shop.git");
        job.github_web = Some("https://github.acme.example/".into());
        assert_eq!(clone_url(&job), "https://github.acme.example/acme/shop.git");
    }
}
