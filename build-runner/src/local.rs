//! Local mode's contract with its launcher: `build-runner --job <job.json> --result
//! <result.json>`. The job file holds secret values and is deleted as soon as it is read.

use std::path::{Path, PathBuf};
use std::time::Duration;

use trellis_core::job::{RunnerJob, RunnerResult};

use crate::{EXIT_BAD_JOB, deploy, step};

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
