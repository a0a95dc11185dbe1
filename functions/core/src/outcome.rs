//! How a runner's end becomes a deployment's outcome, the same for a local child process and
//! a Fargate task: the exit code decides, the result the runner handed back adds the outputs
//! or the precise reason. Nothing a build prints can change it.

use crate::job::RunnerResult;
use crate::requests::RunnerOutcome;

/// How a runner ended, as its launcher saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunnerEnd {
    Exited(i64),
    /// Killed by a signal (its name).
    Killed(String),
}

/// The outcome of a runner's end. `unreported` says why a run that ended without a usable
/// result (no result at all, or a result contradicting exit code 0) failed.
pub fn runner_outcome(
    end: RunnerEnd,
    result: Option<RunnerResult>,
    unreported: impl FnOnce() -> String,
) -> RunnerOutcome {
    match (end, result) {
        (RunnerEnd::Exited(0), Some(r)) if r.succeeded => {
            RunnerOutcome::Succeeded { outputs: r.outputs }
        }
        (RunnerEnd::Killed(signal), _) => RunnerOutcome::Failed {
            reason: format!("the build runner was killed by {signal} before it finished"),
        },
        (RunnerEnd::Exited(code), Some(r)) if code != 0 => RunnerOutcome::Failed {
            reason: r
                .error
                .unwrap_or_else(|| format!("the build runner exited with code {code}")),
        },
        _ => RunnerOutcome::Failed {
            reason: unreported(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(succeeded: bool, error: Option<&str>) -> Option<RunnerResult> {
        Some(RunnerResult {
            succeeded,
            error: error.map(str::to_string),
            outputs: serde_json::Map::from_iter([("url".to_string(), "u".into())]),
            cache: None,
        })
    }

    fn reason(o: RunnerOutcome) -> String {
        match o {
            RunnerOutcome::Failed { reason } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_exit_code_decides_and_the_result_adds_detail() {
        let ok = runner_outcome(RunnerEnd::Exited(0), result(true, None), String::new);
        assert!(matches!(ok, RunnerOutcome::Succeeded { ref outputs } if outputs["url"] == "u"));
        // A result claiming success does not beat a failing exit code.
        let failed = runner_outcome(RunnerEnd::Exited(1), result(true, None), String::new);
        assert_eq!(reason(failed), "the build runner exited with code 1");
        let precise = runner_outcome(
            RunnerEnd::Exited(1),
            result(false, Some("deploy exited with code 3")),
            String::new,
        );
        assert_eq!(reason(precise), "deploy exited with code 3");
        let killed = runner_outcome(RunnerEnd::Killed("SIGKILL".into()), None, String::new);
        assert!(reason(killed).contains("SIGKILL"));
        let silent = runner_outcome(RunnerEnd::Exited(0), None, || "no result".into());
        assert_eq!(reason(silent), "no result");
    }
}
