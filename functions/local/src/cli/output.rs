//! How records are shown as text.

use serde_json::Value;

pub(super) fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

pub(super) fn short(sha: &str) -> &str {
    sha.char_indices().nth(7).map_or(sha, |(i, _)| &sha[..i])
}

pub(super) fn env_line(e: &Value) -> String {
    let commit = &e["currentCommit"];
    let what = if commit.is_null() {
        "-".to_string()
    } else {
        format!(
            "{} {}",
            short(s(&commit["sha"])),
            s(&commit["message"]).lines().next().unwrap_or("")
        )
    };
    format!(
        "  {:<14} {:<10} {}{}\n",
        s(&e["name"]),
        s(&e["state"]),
        what,
        if e["protected"].as_bool() == Some(true) {
            "  [protected]"
        } else {
            ""
        }
    )
}

pub(super) fn deployment_line(d: &Value) -> String {
    let duration = d["durationMs"]
        .as_i64()
        .map(|ms| format!(" in {:.1}s", ms as f64 / 1000.0))
        .unwrap_or_default();
    let error = d["error"]
        .as_str()
        .map(|e| format!(" — {e}"))
        .unwrap_or_default();
    format!(
        "{} {} {} {:<9} {:<8} {} {}{}{}",
        s(&d["id"]),
        s(&d["environment"]),
        s(&d["kind"]),
        s(&d["status"]),
        s(&d["trigger"]),
        short(s(&d["commit"]["sha"])),
        s(&d["commit"]["message"]).lines().next().unwrap_or(""),
        duration,
        error
    )
}
