//! What the operating system says about runners: their processes, sessions and exits.

use std::time::Duration;

use serde_json::Value;

pub fn is_terminal(d: &Value) -> bool {
    matches!(
        d["status"].as_str(),
        Some("succeeded" | "failed" | "cancelled")
    )
}

/// Every live process whose environment names this deployment (its build's processes).
pub fn processes_of_deployment(id: &str) -> Vec<i32> {
    let needle = format!("TRELLIS_DEPLOYMENT_ID={id}");
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if environ
            .split(|b| *b == 0)
            .any(|var| var == needle.as_bytes())
        {
            pids.push(pid);
        }
    }
    pids
}

/// The session a process belongs to (a local runner leads its build's session).
pub fn session_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(3)?.parse().ok()
}

/// Waits, without polling, until a process that is not our child has exited (a pidfd becomes
/// readable then). Returns false if it is still running after `limit`.
pub async fn process_exit(pid: i32, limit: Duration) -> bool {
    use std::os::fd::{FromRawFd, OwnedFd};
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return true; // no such process: it is gone already
    }
    // SAFETY: the descriptor was just created and is owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    // SAFETY: the OwnedFd stays open, and the same descriptor, for the AsyncFd's lifetime.
    let watched = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE)
    }
    .map_err(|e| e.to_string())
    .expect("a pidfd can be watched");
    tokio::time::timeout(limit, watched.readable())
        .await
        .is_ok()
}
