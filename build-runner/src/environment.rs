//! Who a build's steps run as and what they see: the environment is rebuilt for them (the
//! runner's own credentials and Trellis's internals stay out), and under a root local server
//! they run as the environment's own unprivileged user.

use std::collections::BTreeMap;
use std::path::Path;

use trellis_core::job::RunnerJob;

use crate::step::BuildUser;

/// `TRELLIS_BUILD_USER=<uid>:<gid>` (set by a local server running as root): the user the
/// build's own code runs as, so it cannot read the server's files or processes.
pub(crate) fn build_user() -> Result<Option<BuildUser>, String> {
    let Ok(value) = std::env::var("TRELLIS_BUILD_USER") else {
        return Ok(None);
    };
    let parsed = value
        .split_once(':')
        .and_then(|(u, g)| Some((u.parse().ok()?, g.parse().ok()?)));
    match parsed {
        Some((uid, gid)) if uid != 0 && gid != 0 => Ok(Some(BuildUser { uid, gid })),
        _ => Err(format!(
            "TRELLIS_BUILD_USER={value:?} is not <uid>:<gid> of an unprivileged user"
        )),
    }
}

/// Gives the workspace (checkout included) to the build's user; symlinks from the checkout
/// are changed themselves, never followed.
pub(crate) fn give_tree(dir: &Path, user: BuildUser) -> std::io::Result<()> {
    std::os::unix::fs::lchown(dir, Some(user.uid), Some(user.gid))?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            give_tree(&path, user)?;
        } else {
            std::os::unix::fs::lchown(&path, Some(user.uid), Some(user.gid))?;
        }
    }
    Ok(())
}

/// AWS credentials in the runner's environment reach a build only as the environment's deploy
/// role: on Fargate the task's role *is* that role (ECS serves it at the container
/// credentials endpoint), and a task without a deploy role has none. Anything else the runner
/// was started with (keys, an endpoint override) stays with the runner.
fn runner_credential(name: &str, job: &RunnerJob) -> bool {
    if name.starts_with("AWS_CONTAINER_CREDENTIALS_") || name == "AWS_CONTAINER_AUTHORIZATION_TOKEN"
    {
        return job.config.deploy_role_arn.is_none();
    }
    name.starts_with("AWS_CONTAINER_")
        || matches!(
            name,
            "AWS_ACCESS_KEY_ID"
                | "AWS_SECRET_ACCESS_KEY"
                | "AWS_SESSION_TOKEN"
                | "AWS_ENDPOINT_URL"
        )
}

/// The environment every step sees: the runner's own (less Trellis's internals), then the
/// environment's variables and secrets, then what Trellis tells the build.
pub(crate) fn step_env(job: &RunnerJob, outputs_file: &Path) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| !k.starts_with("TRELLIS_") && !runner_credential(k, job))
        .collect();
    // A line a build prints is a line sent: Python buffers a pipe's output in blocks unless
    // told not to (Node.js and most tools write lines as they go). Variables may override it.
    env.insert("PYTHONUNBUFFERED".into(), "1".into());
    env.extend(job.config.variables.clone());
    env.extend(job.secrets.clone());
    env.extend(job.extra_env.clone());
    for (k, v) in [
        ("TRELLIS_APP", job.app.as_str()),
        ("TRELLIS_STAGE", job.environment.as_str()),
        ("TRELLIS_ENVIRONMENT", job.environment.as_str()),
        ("TRELLIS_DEPLOYMENT_ID", job.deployment_id.as_str()),
        ("TRELLIS_COMMIT_SHA", job.commit_sha.as_str()),
        ("CI", "true"),
    ] {
        env.insert(k.into(), v.into());
    }
    env.insert(
        "TRELLIS_OUTPUTS_FILE".into(),
        outputs_file.display().to_string(),
    );
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_core::conformance::deployment;
    use trellis_core::model::{DeploymentStatus, Repository};

    #[test]
    fn python_writes_each_line_as_it_goes_unless_the_environment_says_otherwise() {
        let d = deployment("shop", "dev", 1, DeploymentStatus::Running);
        let mut job = RunnerJob::for_deployment(&d, &Repository::Local { path: "/x".into() });
        let env = step_env(&job, Path::new("/o"));
        assert_eq!(env["PYTHONUNBUFFERED"], "1");
        job.config
            .variables
            .insert("PYTHONUNBUFFERED".into(), "".into());
        assert_eq!(step_env(&job, Path::new("/o"))["PYTHONUNBUFFERED"], "");
    }
}
