//! Runs one step's process in a process group of its own, streams its output (masked) to the
//! runner's stdout, and stops the whole group on timeout or cancellation.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::signal::unix::Signal as SignalStream;

use crate::mask::Masker;

/// How long a step gets between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// Why a step did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    Exited(i32),
    Signalled(i32),
    TimedOut,
    Cancelled,
    Spawn(String),
    /// Nobody reads the runner's output any more (the local server died): the build stops
    /// rather than deploy unseen, and unstoppable once its server is back.
    LogLost,
}

/// The user steps run as (install, test, deploy): never the runner's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildUser {
    pub uid: u32,
    pub gid: u32,
}

/// Where a step runs and what it sees.
pub struct StepContext<'a> {
    pub dir: &'a Path,
    pub env: &'a BTreeMap<String, String>,
    pub masker: &'a Masker,
    pub deadline: tokio::time::Instant,
    pub cancel: &'a mut SignalStream,
    /// `None`: steps run as the runner (Fargate, or a server that is not root).
    pub user: Option<BuildUser>,
}

static LOG_LOST: AtomicBool = AtomicBool::new(false);
static LOG_LOST_NOW: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Whether the runner's output can no longer be written.
pub fn log_lost() -> bool {
    LOG_LOST.load(Ordering::SeqCst)
}

/// Writes one line of the log. A closed stdout is remembered (the running step is stopped),
/// never a panic: `println!` would abort the runner and leave its step running unwatched.
pub fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err()
        && !LOG_LOST.swap(true, Ordering::SeqCst)
    {
        LOG_LOST_NOW.notify_one();
    }
}

pub fn say(masker: &Masker, line: &str) {
    emit(&masker.mask(line));
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Logs work the runner did itself as a step of its own: `==> name: detail`, then its end
/// (`<== name succeeded in …` or `failed in …`) unless the detail says it was skipped, so the
/// dashboard's step list never shows it running forever.
pub fn note(masker: &Masker, name: &str, detail: &str, took_ms: Option<u64>, ok: bool) {
    say(masker, &format!("==> {name}: {detail}"));
    if !detail.starts_with("skipped") {
        let took = secs(Duration::from_millis(took_ms.unwrap_or(0)));
        let end = if ok { "succeeded" } else { "failed" };
        say(masker, &format!("<== {name} {end} in {took}"));
    }
}

/// Runs `program args...` as the step `name`, logging its start, end and duration.
pub async fn run(
    ctx: &mut StepContext<'_>,
    name: &str,
    shown: &str,
    program: &str,
    args: &[&str],
) -> Result<(), StepError> {
    say(ctx.masker, &format!("==> {name}: {shown}"));
    let started = Instant::now();
    let result = execute(ctx, program, args).await;
    let took = secs(started.elapsed());
    match &result {
        Ok(()) => say(ctx.masker, &format!("<== {name} succeeded in {took}")),
        Err(StepError::Exited(code)) => say(
            ctx.masker,
            &format!("<== {name} failed in {took} (exit code {code})"),
        ),
        Err(StepError::Signalled(sig)) => say(
            ctx.masker,
            &format!("<== {name} failed in {took} (killed by signal {sig})"),
        ),
        Err(StepError::TimedOut) => say(ctx.masker, &format!("<== {name} timed out after {took}")),
        Err(StepError::Cancelled) => say(ctx.masker, &format!("<== {name} cancelled after {took}")),
        Err(StepError::Spawn(e)) => say(ctx.masker, &format!("<== {name} could not start: {e}")),
        Err(StepError::LogLost) => say(
            ctx.masker,
            &format!("<== {name} stopped after {took}: its log is no longer read"),
        ),
    }
    result
}

/// A shell command from the settings.
pub async fn run_shell(
    ctx: &mut StepContext<'_>,
    name: &str,
    command: &str,
) -> Result<(), StepError> {
    run(ctx, name, command, "sh", &["-c", command]).await
}

async fn execute(ctx: &mut StepContext<'_>, program: &str, args: &[&str]) -> Result<(), StepError> {
    if log_lost() {
        return Err(StepError::LogLost);
    }
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(ctx.dir)
        .env_clear()
        .envs(ctx.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: the runner can stop the step and everything it started.
        .process_group(0);
    if let Some(user) = ctx.user {
        // std drops supplementary groups too when a root parent sets the uid.
        cmd.uid(user.uid).gid(user.gid);
    }
    let mut child = cmd.spawn().map_err(|e| StepError::Spawn(e.to_string()))?;
    let pgid = child.id().map(|id| Pid::from_raw(id as i32));
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let masker = ctx.masker;
    let readers = async move {
        tokio::join!(forward_opt(stdout, masker), forward_opt(stderr, masker));
    };
    tokio::pin!(readers);

    let mut stopped = None;
    let mut drained = false;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            _ = tokio::time::sleep_until(ctx.deadline), if stopped.is_none() => {
                stopped = Some(StepError::TimedOut);
                stop_group(pgid, &mut child).await;
            }
            _ = ctx.cancel.recv(), if stopped.is_none() => {
                stopped = Some(StepError::Cancelled);
                stop_group(pgid, &mut child).await;
            }
            _ = LOG_LOST_NOW.notified(), if stopped.is_none() => {
                stopped = Some(StepError::LogLost);
                stop_group(pgid, &mut child).await;
            }
            // Output is drained while the step runs, so a chatty step never blocks on a pipe.
            _ = &mut readers, if !drained => drained = true,
        }
    };
    // Whatever the step left running in the background would hold the pipes open.
    if let Some(pgid) = pgid {
        let _ = killpg(pgid, Signal::SIGKILL);
    }
    if !drained {
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut readers).await;
    }
    if let Some(reason) = stopped {
        return Err(reason);
    }
    let status = status.map_err(|e| StepError::Spawn(e.to_string()))?;
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(0), _) => Ok(()),
        (Some(code), _) => Err(StepError::Exited(code)),
        (None, Some(sig)) => Err(StepError::Signalled(sig)),
        (None, None) => Err(StepError::Exited(-1)),
    }
}

async fn stop_group(pgid: Option<Pid>, child: &mut tokio::process::Child) {
    let Some(pgid) = pgid else { return };
    let _ = killpg(pgid, Signal::SIGTERM);
    if tokio::time::timeout(KILL_GRACE, child.wait())
        .await
        .is_err()
    {
        let _ = killpg(pgid, Signal::SIGKILL);
    }
}

async fn forward_opt(stream: Option<impl AsyncRead + Unpin>, masker: &Masker) {
    if let Some(s) = stream {
        forward(s, masker).await;
    }
}

async fn forward(stream: impl AsyncRead + Unpin, masker: &Masker) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                say(masker, line.trim_end_matches(['\n', '\r']));
            }
        }
    }
}
