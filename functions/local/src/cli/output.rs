//! How records are shown as text.

use serde_json::Value;
use trellis_http::views::{AppView, DeploymentView, EnvironmentView};

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
        "{} {} {} {:<9} {:<8} {} {}{}{}",
        d.id,
        d.environment,
        d.kind,
        d.status,
        d.trigger,
        short(&d.commit.sha),
        d.commit.message.lines().next().unwrap_or(""),
        duration,
        error
    )
}
