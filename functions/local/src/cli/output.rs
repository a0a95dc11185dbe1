//! How records are shown as text.

use serde_json::Value;
use trellis_http::views::{
    AppView, CacheView, ClearedCacheView, DeploymentView, EnvironmentView, PromotionPreviewView,
};

pub(super) fn short(sha: &str) -> &str {
    sha.char_indices().nth(7).map_or(sha, |(i, _)| &sha[..i])
}

/// An environment on one line; `value` is the API's environment record.
pub(super) fn env_line(value: &Value) -> String {
    match decode::<EnvironmentView>(value) {
        Ok(e) => environment_text(&e),
        Err(unexpected) => unexpected,
    }
}

/// Every app with its environments; `value` is the API's list of apps.
pub(super) fn apps_text(value: &Value) -> String {
    let apps: Vec<AppView> = match decode(value) {
        Ok(apps) => apps,
        Err(unexpected) => return unexpected,
    };
    let mut out = String::new();
    for app in &apps {
        out.push_str(&format!("{}\n", app.name));
        out.extend(app.environments.iter().map(environment_text));
    }
    if out.is_empty() {
        "no apps yet".into()
    } else {
        out.trim_end().to_string()
    }
}

/// An app's environments, one per line.
pub(super) fn environments_text(value: &Value) -> String {
    match decode::<Vec<EnvironmentView>>(value) {
        Ok(envs) => envs
            .iter()
            .map(environment_text)
            .collect::<String>()
            .trim_end()
            .to_string(),
        Err(unexpected) => unexpected,
    }
}

/// A deployment on one line; `value` is the API's deployment record.
pub(super) fn deployment_line(value: &Value) -> String {
    match decode::<DeploymentView>(value) {
        Ok(d) => deployment_text(&d),
        Err(unexpected) => unexpected,
    }
}

/// What a promotion would ship, for `promote --dry-run`.
pub(super) fn promotion_text(value: &Value) -> String {
    let p: PromotionPreviewView = match decode(value) {
        Ok(p) => p,
        Err(unexpected) => return unexpected,
    };
    let first_line = |m: &str| m.lines().next().unwrap_or_default().to_string();
    let mut out = format!(
        "{} → {}: {} {}\n",
        p.from,
        p.to,
        short(&p.candidate.sha),
        first_line(&p.candidate.message)
    );
    match &p.current {
        None => out.push_str(&format!("{} has nothing deployed yet\n", p.to)),
        Some(c) if c.sha == p.candidate.sha => {
            out.push_str(&format!("{} already runs this commit\n", p.to))
        }
        Some(c) => {
            out.push_str(&format!(
                "{} runs {} now; {} commit(s) to ship",
                p.to,
                short(&c.sha),
                p.total
            ));
            if p.behind > 0 {
                out.push_str(&format!(", and {} of its commits would go", p.behind));
            }
            out.push('\n');
        }
    }
    if let Some(why) = &p.commits_unavailable {
        out.push_str(&format!("(the commits cannot be listed: {why})\n"));
    }
    for c in &p.commits {
        out.push_str(&format!(
            "  {} {} ({})\n",
            short(&c.sha),
            first_line(&c.message),
            c.author
        ));
    }
    if p.config_changes.is_empty() {
        out.push_str(&format!(
            "settings of {}: unchanged since its deployment",
            p.to
        ));
    } else {
        out.push_str(&format!(
            "settings of {} changed since its deployment:",
            p.to
        ));
        for c in &p.config_changes {
            out.push_str(&format!("\n  {} ({})", c.setting, c.change));
        }
    }
    out
}

/// The API's record as its typed view, or a line saying what was not understood.
pub(super) fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_json::from_value(value.clone()).map_err(|e| format!("(unexpected answer: {e})"))
}

fn environment_text(e: &EnvironmentView) -> String {
    let what = match &e.current_commit {
        None => "-".to_string(),
        Some(c) => format!(
            "{} {}",
            short(&c.sha),
            c.message.lines().next().unwrap_or("")
        ),
    };
    format!(
        "  {:<14} {:<10} {}{}\n",
        e.name,
        e.state,
        what,
        if e.protected { "  [protected]" } else { "" }
    )
}

/// An environment's stored dependency archives.
pub(super) fn cache_text(value: &Value) -> String {
    let c: CacheView = match decode(value) {
        Ok(c) => c,
        Err(unexpected) => return unexpected,
    };
    let mut out = format!(
        "dependency cache: {}, {} stored\n",
        if c.enabled { "on" } else { "off" },
        megabytes(c.total_bytes)
    );
    for e in &c.entries {
        out.push_str(&format!(
            "  {} {} (used {})\n",
            e.key.as_deref().unwrap_or("archive"),
            megabytes(e.bytes),
            e.used_at
        ));
    }
    out.trim_end().to_string()
}

pub(super) fn cleared_cache_text(value: &Value) -> String {
    match decode::<ClearedCacheView>(value) {
        Ok(c) => format!(
            "cleared {} archive(s), {}; the next install starts clean",
            c.archives,
            megabytes(c.bytes)
        ),
        Err(unexpected) => unexpected,
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// `, cache hit (restored in 0.4s)` and the like, for a deployment's line.
fn cache_summary(d: &DeploymentView) -> String {
    let Some(c) = &d.cache else {
        return String::new();
    };
    let secs = |ms: Option<u64>| ms.map(|ms| format!("{:.1}s", ms as f64 / 1000.0));
    match c.status.as_str() {
        "hit" => format!(
            ", cache hit{}",
            secs(c.restore_ms)
                .map(|s| format!(" (restored in {s})"))
                .unwrap_or_default()
        ),
        "miss" => format!(
            ", cache miss{}",
            secs(c.save_ms)
                .map(|s| format!(" (saved in {s})"))
                .unwrap_or_default()
        ),
        "unusable" => ", cache unusable (installed from scratch)".into(),
        _ => String::new(),
    }
}

fn deployment_text(d: &DeploymentView) -> String {
    let duration = d
        .duration_ms
        .map(|ms| format!(" in {:.1}s", ms as f64 / 1000.0))
        .unwrap_or_default();
    let error = d
        .error
        .as_deref()
        .map(|e| format!(" — {e}"))
        .unwrap_or_default();
    format!(
        "{} {} {} {:<9} {:<8} {} {}{}{}{}",
        d.id,
        d.environment,
        d.kind,
        d.status,
        d.trigger,
        short(&d.commit.sha),
        d.commit.message.lines().next().unwrap_or(""),
        duration,
        cache_summary(d),
        error
    )
}
