//! Each local runner leads a session of its own: every process of a build can be found, and
//! killed, by that session id (through /proc on Linux).

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The pid in a local runner handle (`pid:<n>`).
pub fn parse_runner(runner: &str) -> Option<i32> {
    runner.strip_prefix("pid:")?.parse().ok()
}

/// Kills every process of the session a runner leads (its builds included). Where /proc is
/// missing, the runner's process group is the best that can be done.
pub fn kill_session(sid: i32) {
    let _ = nix::sys::signal::killpg(Pid::from_raw(sid), Signal::SIGKILL);
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if session_of(pid) == Some(sid) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

pub(crate) fn session_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(3)?.parse().ok()
}

/// Stops what is left of a runner's session from an earlier server run, whether or not the
/// runner itself still lives: its build may well outlive it. A session id cannot be handed to
/// a new process while any member of the session remains, so the only case to leave alone is
/// a live leader that is not a runner (the old session is gone and its id reused).
pub fn kill_orphaned_session(sid: i32) {
    // A zombie leader is a dead one (nobody may have reaped it yet).
    let leader_alive = std::fs::read_to_string(format!("/proc/{sid}/stat"))
        .ok()
        .and_then(|stat| Some(stat[stat.rfind(')')? + 2..].starts_with('Z')))
        .is_some_and(|zombie| !zombie);
    if leader_alive && !is_runner_process(sid) {
        return;
    }
    kill_session(sid);
}

/// Whether a pid from an earlier server run is still one of our runners.
fn is_runner_process(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("build-runner"))
        .unwrap_or(false)
}
