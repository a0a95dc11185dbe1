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
pub mod mask;
pub mod outputs;
pub mod site;
pub mod step;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::signal::unix::{SignalKind, signal};
use trellis_core::cache::CacheReport;
use trellis_core::job::{RunnerJob, RunnerResult};
use trellis_core::model::DeploymentKind;

use checkout::Failure;
pub use checkout::git_auth_header;
use environment::{build_user, give_tree, step_env};
use mask::Masker;
use step::{StepContext, StepError, say};

pub const EXIT_SUCCEEDED: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_BAD_JOB: i32 = 2;
pub const EXIT_CANCELLED: i32 = 143;

pub struct Args {
    pub job: PathBuf,
    pub result: PathBuf,
}

pub fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut job = None;
    let mut result = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--job" => job = it.next().map(PathBuf::from),
            "--result" => result = it.next().map(PathBuf::from),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    match (job, result) {
        (Some(job), Some(result)) => Ok(Args { job, result }),
        _ => Err("usage: build-runner --job <job.json> --result <result.json>".into()),
    }
}

fn write_result(path: &Path, result: &RunnerResult) {
    let body = serde_json::to_vec_pretty(result).unwrap_or_default();
    if let Err(e) = std::fs::write(path, body) {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "build-runner: cannot write {}: {e}",
            path.display()
        );
    }
}

/// Reads and deletes the job file: it holds secret values.
fn take_job(path: &Path) -> Result<RunnerJob, String> {
    let body = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let _ = std::fs::remove_file(path);
    serde_json::from_slice(&body).map_err(|e| format!("job file is not a valid job: {e}"))
}

/// Runs the whole deployment; returns the process exit code.
pub async fn main_with(args: Args) -> i32 {
    let job = match take_job(&args.job) {
        Ok(j) => j,
        Err(e) => {
            step::emit(&format!("==> deployment failed: {e}"));
            write_result(
                &args.result,
                &RunnerResult {
                    succeeded: false,
                    error: Some(e),
                    outputs: Default::default(),
                    cache: None,
                },
            );
            return EXIT_BAD_JOB;
        }
    };
    let timeout = std::env::var("TRELLIS_RUNNER_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(
            u64::from(job.config.timeout_minutes) * 60,
        ));
    let (result, code) = deploy(&job, timeout).await;
    write_result(&args.result, &result);
    code
}

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
    env.extend(cache::key::cache_env(&cache::cache_dir(workspace.path())));
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
    say(&masker, &line);
    *cache = Some(dependencies.report.clone());
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
            if let Some(line) = dependencies.save().await {
                say(&masker, &line);
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
            Ok(files) => say(&masker, &format!("==> site: published {files} files")),
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
