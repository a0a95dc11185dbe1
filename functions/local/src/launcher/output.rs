//! What a runner process gives back: its output, as subscription payloads for the log
//! forwarder, and its end, as an outcome.

use std::path::Path;
use std::sync::Arc;

use nix::sys::signal::Signal;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;
use trellis_core::cache::CacheReport;
use trellis_core::job::RunnerResult;
use trellis_core::outcome::{RunnerEnd, runner_outcome};
use trellis_core::requests::RunnerOutcome;
use trellis_http::forwarder::{LogForwarder, subscription_payload};

use super::LOG_GROUP;

const BATCH_MAX_LINES: usize = 500;

pub(super) fn spawn_reader(
    stream: impl AsyncRead + Unpin + Send + 'static,
    tx: mpsc::Sender<(i64, String)>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_string();
                    if tx.send((now_ms(), text)).await.is_err() {
                        break;
                    }
                }
            }
        }
    })
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Forwards lines as subscription payloads, in order, one payload at a time. A line goes
/// out as soon as it is read, with whatever else is already waiting (up to 500): a quiet
/// build's lines are sent at once, and a burst batches itself while the previous payload is
/// written. (A fixed 50 ms window used to hold every line back for half of it on average.)
pub(super) async fn forward_lines(
    forwarder: Arc<LogForwarder>,
    stream: String,
    mut rx: mpsc::Receiver<(i64, String)>,
) {
    let mut next_id = 1u64;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX_LINES {
            match rx.try_recv() {
                Ok(line) => batch.push(line),
                Err(_) => break,
            }
        }
        let payload = subscription_payload(LOG_GROUP, &stream, &batch, next_id);
        next_id += batch.len() as u64;
        if let Err(e) = forwarder.handle_json(&payload).await {
            tracing::error!(%stream, "forwarding {} log lines failed: {e}", batch.len());
        }
    }
}

/// The runner's end as the shared rule sees it (see [`trellis_core::outcome`]).
pub(super) fn outcome_of(
    status: std::io::Result<std::process::ExitStatus>,
    result_path: &Path,
) -> (RunnerOutcome, Option<CacheReport>) {
    let result: Option<RunnerResult> = std::fs::read(result_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let cache = result.as_ref().and_then(|r| r.cache.clone());
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            let outcome = RunnerOutcome::Failed {
                reason: format!("lost track of the build runner: {e}"),
            };
            return (outcome, cache);
        }
    };
    use std::os::unix::process::ExitStatusExt;
    let end = match (status.code(), status.signal()) {
        (Some(code), _) => RunnerEnd::Exited(i64::from(code)),
        (None, Some(signal)) => RunnerEnd::Killed(
            Signal::try_from(signal)
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|_| signal.to_string()),
        ),
        (None, None) => RunnerEnd::Exited(-1),
    };
    let outcome = runner_outcome(end, result, || {
        "the build runner exited without reporting a result".into()
    });
    (outcome, cache)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_core::cache::CacheStatus;

    #[test]
    fn outcome_is_decided_by_the_exit_status() {
        use std::os::unix::process::ExitStatusExt;
        let dir = tempfile::tempdir().unwrap();
        let result = dir.path().join("result.json");
        std::fs::write(
            &result,
            br#"{"succeeded":true,"error":null,"outputs":{"url":"u"},"cache":{"status":"hit"}}"#,
        )
        .unwrap();
        let (ok, cache) = outcome_of(Ok(std::process::ExitStatus::from_raw(0)), &result);
        assert!(matches!(ok, RunnerOutcome::Succeeded { ref outputs } if outputs["url"] == "u"));
        assert_eq!(cache.map(|c| c.status), Some(CacheStatus::Hit));
        // A result claiming success does not beat a failing exit code.
        let (failed, _) = outcome_of(Ok(std::process::ExitStatus::from_raw(1 << 8)), &result);
        assert!(matches!(failed, RunnerOutcome::Failed { .. }));
        let (killed, _) = outcome_of(
            Ok(std::process::ExitStatus::from_raw(9)),
            &dir.path().join("none"),
        );
        match killed {
            RunnerOutcome::Failed { reason } => assert!(reason.contains("SIGKILL"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
