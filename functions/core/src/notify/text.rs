//! A deployment event in a chat message.

use super::EventKind;
use crate::model::Deployment;

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// Slack's incoming-webhook body: one line, with a link to the deployment when known.
pub fn slack_body(event: EventKind, dep: &Deployment, link: Option<&str>) -> String {
    let subject = dep.commit.message.lines().next().unwrap_or_default();
    let what = match event {
        EventKind::DeploymentStarted => "is deploying",
        EventKind::DeploymentSucceeded => "deployed",
        EventKind::DeploymentFailed => "failed to deploy",
        EventKind::DeploymentCancelled => "cancelled deploying",
        EventKind::Promotion => "is promoting",
        EventKind::Rollback => "is rolling back to",
        EventKind::Teardown => "is tearing down",
        EventKind::ApprovalNeeded => "waits for approval to deploy",
    };
    let mut text = format!(
        "{}: {what} {} ({subject}) to {}",
        dep.app,
        short(&dep.commit.sha),
        dep.environment
    );
    if let Some(error) = &dep.error {
        text.push_str(&format!(": {error}"));
    }
    if let Some(link) = link {
        text.push_str(&format!(" — <{link}|details>"));
    }
    serde_json::json!({ "text": text }).to_string()
}
