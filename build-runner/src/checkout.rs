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

fn clone_url(repository: &Repository) -> String {
    match repository {
        Repository::Local { path } => format!("file://{path}"),
        Repository::Github { full_name, .. } => format!("https://github.com/{full_name}.git"),
    }
}

/// Fetches `job`'s commit into `checkout` and checks it out; on return, steps run there.
pub(crate) async fn fetch_commit<'a>(
    ctx: &mut StepContext<'a>,
    job: &RunnerJob,
    checkout: &'a Path,
    auth_header: Option<&str>,
) -> Result<(), Failure> {
    let url = clone_url(&job.repository);
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
