//! Runs each deployment's build runner as a child process, as Fargate runs it as a task.
//!
//! The runner's output is wrapped into CloudWatch Logs subscription payloads and handed to the
//! same [`LogForwarder`] the subscription Lambda runs, so that code path is the one exercised
//! locally. When the runner exits, every line is forwarded first, then the exit is reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::Command;
use tokio::sync::mpsc;
use trellis_core::LaunchError;
use trellis_core::cache::DependencyCaches;
use trellis_core::github_connection::GithubConnection;
use trellis_core::job::RunnerJob;
use trellis_core::model::Repository;
use trellis_core::ports::{RunnerLauncher, SecretStore};
use trellis_core::requests::RunnerOutcome;
use trellis_http::forwarder::LogForwarder;

pub use crate::sessions::{kill_orphaned_session, kill_session, parse_runner};
pub use crate::site_space::SiteSpace;

mod output;
use output::{forward_lines, outcome_of, spawn_reader};

/// The log group local runner output is reported under (CloudWatch's name on AWS).
pub const LOG_GROUP: &str = "/trellis/local/build-runner";
/// A cancelled runner gets this long to stop its step before everything is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The runner's environment is built from scratch: the server's own secrets (API token,
/// webhook secret) must never reach a build. Only what builds commonly need passes through.
const PASSED_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TZ",
    "SHELL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "npm_config_cache",
    "npm_config_registry",
    "NODE_EXTRA_CA_CERTS",
    "TRELLIS_RUNNER_TIMEOUT_SECS",
];

/// A runner ended; the server turns this into the deployment's final status.
#[derive(Debug)]
pub struct RunnerExit {
    pub deployment_id: String,
    pub outcome: RunnerOutcome,
    pub cache: Option<trellis_core::cache::CacheReport>,
}

pub struct ProcessLauncher {
    runner_bin: PathBuf,
    runs_dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
    forwarder: Arc<LogForwarder>,
    sites: SiteSpace,
    /// Clone tokens for GitHub repositories, through the connected GitHub App.
    github: Option<Arc<GithubConnection>>,
    exits: mpsc::UnboundedSender<RunnerExit>,
    /// Where environments keep their dependency caches (`None`: nowhere).
    caches: Option<Arc<dyn DependencyCaches>>,
    /// pid → deployment id of every live runner.
    running: Arc<Mutex<HashMap<i32, String>>>,
}

impl ProcessLauncher {
    pub fn new(
        runner_bin: PathBuf,
        runs_dir: PathBuf,
        secrets: Arc<dyn SecretStore>,
        forwarder: Arc<LogForwarder>,
        sites: SiteSpace,
        github: Option<Arc<GithubConnection>>,
    ) -> (Self, mpsc::UnboundedReceiver<RunnerExit>) {
        let (exits, rx) = mpsc::unbounded_channel();
        (
            ProcessLauncher {
                runner_bin,
                runs_dir,
                secrets,
                forwarder,
                sites,
                github,
                exits,
                caches: None,
                running: Arc::new(Mutex::new(HashMap::new())),
            },
            rx,
        )
    }

    /// Runners restore and save dependency caches kept by `caches`.
    pub fn with_caches(mut self, caches: Arc<dyn DependencyCaches>) -> Self {
        self.caches = Some(caches);
        self
    }

    /// Kills every runner and its builds (server shutdown).
    pub fn kill_all(&self) {
        let pids: Vec<i32> = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect();
        for pid in pids {
            kill_session(pid);
        }
    }

    fn write_job(&self, job: &RunnerJob) -> Result<(PathBuf, PathBuf), LaunchError> {
        let dir = self.runs_dir.join(&job.deployment_id);
        std::fs::create_dir_all(&dir)
            .map_err(|e| LaunchError(format!("cannot create {}: {e}", dir.display())))?;
        let job_path = dir.join("job.json");
        let result_path = dir.join("result.json");
        let _ = std::fs::remove_file(&result_path);
        let body = serde_json::to_vec(job).map_err(|e| LaunchError(e.to_string()))?;
        write_private(&job_path, &body)
            .map_err(|e| LaunchError(format!("cannot write the job file: {e}")))?;
        Ok((job_path, result_path))
    }
}

/// Writes a file readable by its owner only, from the moment it exists (job files hold
/// secrets; token files are secrets).
pub fn write_private(path: &Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(body)
}

#[async_trait]
impl RunnerLauncher for ProcessLauncher {
    async fn launch(&self, mut job: RunnerJob) -> Result<String, LaunchError> {
        job.secrets = match job.secrets_environment() {
            Some(env) => self
                .secrets
                .get(&job.app, env)
                .await
                .map_err(|e| LaunchError(e.to_string()))?,
            None => Default::default(),
        };
        let site = self
            .sites
            .prepare(&job.app, &job.environment)
            .map_err(|e| LaunchError(format!("cannot prepare the site directory: {e}")))?;
        job.extra_env.extend(site.env);
        if let (Some(github), Repository::Github { full_name, .. }) =
            (&self.github, &job.repository)
        {
            let access = github.clone_access(&job.repository).await.map_err(|e| {
                LaunchError(format!("cannot get a token to clone {full_name}: {e}"))
            })?;
            if let Some(access) = access {
                job.git_token = Some(access.token);
                job.github_web = access.web_url;
            }
        }
        if job.cache_wanted
            && let Some(caches) = &self.caches
        {
            // A cache is a speed-up: without one the build installs from scratch.
            match caches.access(&job.app, &job.environment).await {
                Ok(access) => job.cache = Some(access),
                Err(e) => tracing::warn!(deployment = %job.deployment_id, "{e}"),
            }
        }
        let (job_path, result_path) = self.write_job(&job)?;

        let mut cmd = Command::new(&self.runner_bin);
        cmd.arg("--job")
            .arg(&job_path)
            .arg("--result")
            .arg(&result_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_clear()
            .kill_on_drop(false);
        for name in PASSED_ENV {
            if let Ok(v) = std::env::var(name) {
                cmd.env(name, v);
            }
        }
        cmd.env("TRELLIS_SITE_PUBLISH_DIR", &site.publish_dir);
        if let Some(user) = site.user {
            cmd.env("TRELLIS_BUILD_USER", format!("{0}:{0}", user));
        }
        // Its own session: every process of the build can be found, and killed, by session id.
        // Builds create files for others to read (sites): not the server's private umask.
        // SAFETY: setsid and umask are async-signal-safe and touch no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
                nix::unistd::setsid()
                    .map(|_| ())
                    .map_err(std::io::Error::from)
            });
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                // Nothing will read (and delete) the job file: its secrets must not stay.
                let _ = std::fs::remove_file(&job_path);
                return Err(LaunchError(format!(
                    "cannot start {}: {e}",
                    self.runner_bin.display()
                )));
            }
        };
        let pid = child
            .id()
            .ok_or_else(|| LaunchError("runner exited at once".into()))? as i32;
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(pid, job.deployment_id.clone());

        let (line_tx, line_rx) = mpsc::channel::<(i64, String)>(10_000);
        let readers = [
            child
                .stdout
                .take()
                .map(|s| spawn_reader(s, line_tx.clone())),
            child
                .stderr
                .take()
                .map(|s| spawn_reader(s, line_tx.clone())),
        ];
        drop(line_tx);
        let forwarding = tokio::spawn(forward_lines(
            self.forwarder.clone(),
            format!("deployments/{}", job.deployment_id),
            line_rx,
        ));

        let exits = self.exits.clone();
        let running = self.running.clone();
        let deployment_id = job.deployment_id.clone();
        // Backstop for a runner that ignores its own timeout.
        let deadline = Duration::from_secs(u64::from(job.config.timeout_minutes) * 60 + 120);
        tokio::spawn(async move {
            let status = match tokio::time::timeout(deadline, child.wait()).await {
                Ok(status) => status,
                Err(_) => {
                    tracing::warn!(deployment = %deployment_id, "runner overran its timeout; killing it");
                    kill_session(pid);
                    child.wait().await
                }
            };
            // Builds the runner left behind would hold the pipes open forever.
            kill_session(pid);
            for reader in readers.into_iter().flatten() {
                let _ = tokio::time::timeout(Duration::from_secs(5), reader).await;
            }
            let _ = forwarding.await;
            running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&pid);
            let (outcome, cache) = outcome_of(status, &result_path);
            if let Some(dir) = result_path.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
            let _ = exits.send(RunnerExit {
                deployment_id,
                outcome,
                cache,
            });
        });
        Ok(format!("pid:{pid}"))
    }

    async fn stop(&self, runner: &str) -> Result<(), LaunchError> {
        let pid = parse_runner(runner)
            .ok_or_else(|| LaunchError(format!("{runner:?} is not a local runner")))?;
        if !self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&pid)
        {
            return Ok(());
        }
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        let running = self.running.clone();
        tokio::spawn(async move {
            tokio::time::sleep(STOP_GRACE).await;
            if running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(&pid)
            {
                kill_session(pid);
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::session_of;
    use std::collections::BTreeMap;

    #[tokio::test]
    async fn a_runner_that_cannot_start_leaves_no_job_file_with_secrets() {
        use trellis_core::model::{DeploymentStatus, Repository};
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(
            crate::sqlite::SqliteSecretStore::open(&dir.path().join("secrets.db")).unwrap(),
        );
        secrets
            .update(
                "shop",
                "dev",
                BTreeMap::from([("API_KEY".into(), Some("do-not-leave-me".into()))]),
            )
            .await
            .unwrap();
        let store = Arc::new(crate::sqlite::SqliteStore::open(&dir.path().join("t.db")).unwrap());
        let forwarder = Arc::new(LogForwarder::new(
            store,
            Arc::new(crate::hub::LocalHub::new()),
        ));
        let runs = dir.path().join("runs");
        let (launcher, _exits) = ProcessLauncher::new(
            dir.path().join("no-such-runner"),
            runs.clone(),
            secrets,
            forwarder,
            SiteSpace::new(dir.path().join("sites"), "http://127.0.0.1:1".into(), false),
            None,
        );
        let dep = trellis_core::conformance::deployment("shop", "dev", 1, DeploymentStatus::Queued);
        let job = RunnerJob::for_deployment(&dep, &Repository::Local { path: "/x".into() });
        let err = launcher.launch(job).await.unwrap_err();
        assert!(err.0.contains("cannot start"), "{err}");
        let left = runs.join(&dep.id).join("job.json");
        assert!(!left.exists(), "{} still holds the secrets", left.display());
    }

    #[test]
    fn reads_the_session_of_this_process() {
        let me = std::process::id() as i32;
        assert!(session_of(me).is_some());
        assert_eq!(parse_runner("pid:42"), Some(42));
        assert_eq!(parse_runner("arn:aws:ecs:task/1"), None);
    }
}
