//! The build runner performs one deployment: fresh workspace, shallow clone of the exact
//! commit, install, optional tests, deploy (or remove). It runs as a Fargate task on AWS and as
//! a child process locally.
//!
//! AWS mode: with no arguments and `TRELLIS_JOB_URL` set, the job comes through that link and
//! the result goes back through the job's own (see [`aws`]).
//!
//! Local contract with its launcher: `build-runner --job <job.json> --result <result.json>`. The job
//! file (a `RunnerJob`, with secret values) is deleted as soon as it is read. The result file
//! gets a `RunnerResult`. Exit codes: 0 succeeded, 1 a step failed or timed out, 2 unusable
//! job or arguments, 143 cancelled (SIGTERM). Success is decided by exit codes only: nothing a
//! build prints can change it. Every secret value is masked as `***` in all output.

pub mod aws;
pub mod cache;
mod checkout;
pub mod detect;
mod environment;
mod local;
pub mod mask;
pub mod outputs;
pub mod site;
pub mod step;

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::signal::unix::{SignalKind, signal};
use trellis_core::cache::CacheReport;
use trellis_core::job::{RunnerJob, RunnerResult};
use trellis_core::model::DeploymentKind;

use checkout::Failure;
pub use checkout::git_auth_header;
use environment::{build_user, give_tree, step_env};
pub use local::{Args, main_with, parse_args};
use mask::Masker;
use step::{StepContext, StepError, say};

pub const EXIT_SUCCEEDED: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_BAD_JOB: i32 = 2;
pub const EXIT_CANCELLED: i32 = 143;

/// What went wrong, in one sentence for the deployment's error.
fn describe(step: &str, e: &StepError, timeout: Duration) -> String {
    match e {
        StepError::Exited(code) => format!("{step} exited with code {code}"),
        StepError::Signalled(sig) => format!("{step} was killed by signal {sig}"),
        StepError::TimedOut => format!(
            "deployment timed out after {} min during {step}",
            timeout.as_secs().div_ceil(60)
        ),
        StepError::Cancelled => "cancelled".into(),
        StepError::Spawn(err) => format!("{step} could not start: {err}"),
        StepError::LogLost => {
            format!("{step} was stopped: the build's log was no longer read (the server went away)")
        }
    }
}

/// The first 12 characters of a commit id (never slicing inside a character).
fn short(sha: &str) -> &str {
    sha.char_indices().nth(12).map_or(sha, |(i, _)| &sha[..i])
}

pub async fn deploy(job: &RunnerJob, timeout: Duration) -> (RunnerResult, i32) {
    let mut cache = None;
    let (mut result, code) = run(job, timeout, &mut cache).await;
    result.cache = cache;
    (result, code)
}

/// The deployment; `cache` gets what the dependency cache did, whatever the outcome.
async fn run(
    job: &RunnerJob,
    timeout: Duration,
    cache: &mut Option<CacheReport>,
) -> (RunnerResult, i32) {
    let started = Instant::now();
    let auth_header = job.git_token.as_deref().map(git_auth_header);
    let masker = Masker::new(
        job.secrets
            .values()
            .chain(job.git_token.iter())
            .chain(auth_header.iter()),
    );
    let failed = |error: String, code: i32| {
        say(&masker, &format!("==> deployment failed: {error}"));
        (
            RunnerResult {
                succeeded: false,
                error: Some(masker.mask(&error)),
                outputs: Default::default(),
                cache: None,
            },
            code,
        )
    };
    for name in mask::unmaskable(&job.secrets) {
        say(
            &masker,
            &format!(
                "warning: secret {name} has fewer than {} characters and is not masked in this \
                 log: replace it with a longer value",
                mask::MIN_MASKED
            ),
        );
    }
    let mut cancel = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => return failed(format!("cannot watch for cancellation: {e}"), EXIT_FAILED),
    };
    let workspace = match tempfile::Builder::new().prefix("trellis-build-").tempdir() {
        Ok(w) => w,
        Err(e) => return failed(format!("cannot create a workspace: {e}"), EXIT_FAILED),
    };
    let checkout = workspace.path().join("src");
    let private = workspace.path().join("trellis");
    if let Err(e) = std::fs::create_dir_all(&private) {
        return failed(format!("cannot create a workspace: {e}"), EXIT_FAILED);
    }
    let outputs_file = private.join("outputs.json");
    let user = match build_user() {
        Ok(u) => u,
        Err(e) => return failed(e, EXIT_BAD_JOB),
    };
    let mut env = step_env(job, &outputs_file);
    // Package managers keep their caches in the workspace (restored and saved below), never
    // in a home directory other environments' builds share.
    env.extend(cache::key::cache_env(
        &cache::cache_dir(workspace.path()),
        None,
    ));
    if job.cache_wanted {
        // What a restored cache holds need not be asked of the registry again.
        env.insert("npm_config_prefer_offline".into(), "true".into());
    }
    let publish_to = site::publish_dir();
    let site_dir = workspace.path().join("site");
    if publish_to.is_some() {
        if let Err(e) = std::fs::create_dir_all(&site_dir) {
            return failed(format!("cannot create a workspace: {e}"), EXIT_FAILED);
        }
        env.insert(
            "TRELLIS_LOCAL_SITE_DIR".into(),
            site_dir.display().to_string(),
        );
    }
    if user.is_some() {
        // Another user's home is not the build's to write (npm, caches): it gets its own.
        let home = workspace.path().join("home");
        if let Err(e) = std::fs::create_dir_all(&home) {
            return failed(format!("cannot create a workspace: {e}"), EXIT_FAILED);
        }
        env.insert("HOME".into(), home.display().to_string());
    }
    let action = match job.kind {
        DeploymentKind::Deploy => "deploying",
        DeploymentKind::Teardown => "tearing down",
    };
    say(
        &masker,
        &format!(
            "==> Trellis build runner: {action} {} ({}) at {}",
            job.app,
            job.environment,
            short(&job.commit_sha)
        ),
    );
    let mut ctx = StepContext {
        dir: workspace.path(),
        env: &env,
        masker: &masker,
        deadline: tokio::time::Instant::now() + timeout,
        cancel: &mut cancel,
        // Cloning runs no code of the build; what follows does, as the build's own user.
        user: None,
    };
    let end = |step: &str, e: StepError| {
        let code = if e == StepError::Cancelled {
            EXIT_CANCELLED
        } else {
            EXIT_FAILED
        };
        failed(describe(step, &e, timeout), code)
    };

    if let Err(f) = checkout::fetch_commit(&mut ctx, job, &checkout, auth_header.as_deref()).await {
        return match f {
            Failure::Step(step, e) => end(step, e),
            Failure::Other(message) => failed(message, EXIT_FAILED),
        };
    }
    // Restored by the runner before the build's user gets the workspace (and the cache in it).
    let (mut dependencies, line) = cache::CacheSession::restore(
        job,
        &checkout,
        workspace.path(),
        env.get("PATH").map(String::as_str),
    )
    .await;
    let restored = dependencies.report.status != trellis_core::cache::CacheStatus::Unusable;
    step::note(
        &masker,
        "cache-restore",
        &line,
        dependencies.report.restore_ms,
        restored,
    );
    *cache = Some(dependencies.report.clone());
    // The build's steps: the same, with the package manager's own cache settings now that the
    // checkout says which one it uses.
    let build_env = {
        let mut e = env.clone();
        e.extend(cache::key::cache_env(
            &cache::cache_dir(workspace.path()),
            dependencies.manager(),
        ));
        e
    };
    ctx.env = &build_env;
    if let Some(u) = user {
        if let Err(e) = give_tree(workspace.path(), u) {
            return failed(
                format!("cannot hand the workspace to the build: {e}"),
                EXIT_FAILED,
            );
        }
        ctx.user = Some(u);
    }

    // install
    let install = job
        .config
        .install_command
        .clone()
        .or_else(|| detect::install_command(&checkout).map(str::to_string));
    let restored_install = dependencies.modules_restored && job.config.install_command.is_none();
    match install {
        Some(_) if restored_install => say(
            &masker,
            "==> install: skipped (node_modules restored from the cache for this exact lockfile \
             and Node.js version)",
        ),
        Some(cmd) => {
            if let Err(e) = step::run_shell(&mut ctx, "install", &cmd).await {
                return end("install", e);
            }
            if let Some((line, saved)) = dependencies.save().await {
                let took = dependencies.report.save_ms;
                step::note(&masker, "cache-save", &line, took, saved);
            }
            *cache = Some(dependencies.report.clone());
        }
        None => say(&masker, "==> install: skipped (no package.json)"),
    }

    // test
    if job.kind == DeploymentKind::Deploy {
        if job.config.tests_enabled {
            if let Err(e) = step::run_shell(&mut ctx, "test", &job.config.test_command).await {
                return end("test", e);
            }
        } else {
            say(
                &masker,
                "==> test: skipped (unit tests are off for this environment)",
            );
        }
    }

    // deploy or remove
    let (name, cmd) = match job.kind {
        DeploymentKind::Deploy => ("deploy", &job.config.deploy_command),
        DeploymentKind::Teardown => ("remove", &job.config.remove_command),
    };
    if let Err(e) = step::run_shell(&mut ctx, name, cmd).await {
        return end(name, e);
    }
    if let Some(to) = &publish_to {
        match site::publish(&site_dir, to) {
            Ok(files) => step::note(
                &masker,
                "site",
                &format!("published {files} files"),
                None,
                true,
            ),
            Err(e) => return failed(format!("cannot publish the site: {e}"), EXIT_FAILED),
        }
    }

    let mut outputs = outputs::Outputs::new();
    if job.kind == DeploymentKind::Deploy {
        let (found, warning) = outputs::read(
            workspace.path(),
            &[
                Path::new("trellis/outputs.json"),
                Path::new("src/.sst/outputs.json"),
            ],
        );
        if let Some(w) = warning {
            say(&masker, &format!("warning: {w}"));
        }
        // Outputs are stored and shown to anyone who can read the deployment: a secret
        // written there would be readable, write-only or not.
        if let serde_json::Value::Object(masked) =
            masker.mask_json(&serde_json::Value::Object(found))
        {
            outputs = masked;
        }
    }
    say(
        &masker,
        &format!(
            "==> deployment succeeded in {:.1}s",
            started.elapsed().as_secs_f64()
        ),
    );
    (
        RunnerResult {
            succeeded: true,
            error: None,
            outputs,
            cache: None,
        },
        EXIT_SUCCEEDED,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_short_commit_id_never_cuts_a_character() {
        assert_eq!(super::short(&"a".repeat(40)), "a".repeat(12));
        assert_eq!(super::short("ééééééééééééééé"), "éééééééééééé");
        assert_eq!(super::short("abc"), "abc");
    }
}
