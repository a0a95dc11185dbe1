//! Deployments reported on GitHub: a GitHub deployment per Trellis deployment with its
//! statuses, and a commit status for the first environment (what a pull request shows).

use serde_json::json;
use trellis_core::feedback::{Feedback, FeedbackTarget, SendOutcome};

use crate::source::GithubSource;

/// The commit status's name on GitHub.
pub fn status_context(environment: &str) -> String {
    format!("trellis/{environment}")
}

fn description(f: &Feedback) -> String {
    let what = match f.desired.as_str() {
        "queued" => "queued",
        "pending" | "in_progress" => "deploying",
        "success" => "deployed",
        "failure" => "failed",
        "error" => "cancelled",
        "inactive" => "torn down",
        other => other,
    };
    format!("Trellis: {what} in {}", f.environment)
}

impl GithubSource {
    /// Says `f` on GitHub with the app's installation token.
    pub(crate) async fn report_feedback(&self, f: &Feedback) -> SendOutcome {
        let Some(app) = self.app.as_deref() else {
            return SendOutcome {
                github_deployment_id: None,
                result: Err("the GitHub App's key is not known".into()),
            };
        };
        let repo = &f.repository;
        match f.target {
            FeedbackTarget::PullRequestComment => SendOutcome {
                github_deployment_id: None,
                result: self
                    .preview_comment(app, f)
                    .await
                    .map_err(|e| e.to_string()),
            },
            FeedbackTarget::GithubStatus => {
                let body = json!({
                    "state": f.desired, "context": status_context(&f.environment),
                    "description": description(f), "target_url": f.log_url,
                });
                let result = app
                    .post_json(
                        f.installation_id,
                        &format!("/repos/{repo}/statuses/{}", f.sha),
                        &body,
                    )
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string());
                SendOutcome {
                    github_deployment_id: None,
                    result,
                }
            }
            FeedbackTarget::GithubDeployment => {
                let mut made = None;
                let id = match f.github_deployment_id {
                    Some(id) => id,
                    None => {
                        let body = json!({
                            "ref": f.sha, "environment": f.environment, "auto_merge": false,
                            // Trellis's own checks already ran; GitHub's must not hold it back.
                            "required_contexts": [], "production_environment": f.production,
                            "description": format!("Trellis deployment {}", f.deployment_id),
                            "payload": {"trellisDeployment": f.deployment_id},
                        });
                        match app
                            .post_json(
                                f.installation_id,
                                &format!("/repos/{repo}/deployments"),
                                &body,
                            )
                            .await
                        {
                            Ok(created) => match created["id"].as_u64() {
                                Some(id) => {
                                    made = Some(id);
                                    id
                                }
                                None => {
                                    return SendOutcome {
                                        github_deployment_id: None,
                                        result: Err(format!(
                                            "GitHub made no deployment: {}",
                                            created["message"]
                                                .as_str()
                                                .unwrap_or("no id in its answer")
                                        )),
                                    };
                                }
                            },
                            Err(e) => {
                                return SendOutcome {
                                    github_deployment_id: None,
                                    result: Err(e.to_string()),
                                };
                            }
                        }
                    }
                };
                // A teardown's end: its own success makes every earlier deployment of the
                // environment inactive (GitHub's auto_inactive), then itself.
                if f.desired == "inactive" {
                    let success = json!({
                        "state": "success", "log_url": f.log_url, "auto_inactive": true,
                        "description": description(f),
                    });
                    if let Err(e) = app
                        .post_json(
                            f.installation_id,
                            &format!("/repos/{repo}/deployments/{id}/statuses"),
                            &success,
                        )
                        .await
                    {
                        return SendOutcome {
                            github_deployment_id: made,
                            result: Err(e.to_string()),
                        };
                    }
                }
                let body = json!({
                    "state": f.desired, "log_url": f.log_url, "environment_url": f.environment_url,
                    "description": description(f), "auto_inactive": true,
                });
                let result = app
                    .post_json(
                        f.installation_id,
                        &format!("/repos/{repo}/deployments/{id}/statuses"),
                        &body,
                    )
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string());
                SendOutcome {
                    github_deployment_id: made,
                    result,
                }
            }
        }
    }
}

/// Marks Trellis's comment for an app among a pull request's comments.
fn marker(app: &str) -> String {
    format!("<!-- trellis-preview:{app} -->")
}

fn comment_body(f: &Feedback) -> String {
    let state = match f.desired.as_str() {
        "queued" => "⏳ queued",
        "in_progress" => "🚧 deploying",
        "success" => "✅ deployed",
        "failure" => "❌ failed",
        "error" => "⛔ cancelled",
        "inactive" => "🧹 torn down",
        other => other,
    };
    let short = f.sha.get(..7).unwrap_or(&f.sha);
    let mut body = format!(
        "**Trellis preview** of `{}`: {state}\n\n- Environment: `{}`\n- Commit: `{short}`",
        f.app, f.environment
    );
    if let Some(url) = &f.environment_url {
        body.push_str(&format!("\n- Preview: {url}"));
    }
    if let Some(url) = &f.log_url {
        body.push_str(&format!("\n- Details and logs: {url}"));
    }
    body.push_str(&format!("\n\n{}", marker(&f.app)));
    body
}

#[derive(serde::Deserialize)]
struct IssueComment {
    id: u64,
    #[serde(default)]
    body: String,
}

impl GithubSource {
    /// The pull request's Trellis comment, made once and then edited: found again by its
    /// marker, so nothing needs remembering between deployments.
    async fn preview_comment(
        &self,
        app: &crate::app::GithubApp,
        f: &Feedback,
    ) -> Result<(), trellis_core::SourceError> {
        let Some(number) = f.pull_request else {
            return Ok(());
        };
        let repo = &f.repository;
        let comments: Vec<IssueComment> = app
            .get(
                f.installation_id,
                &format!("/repos/{repo}/issues/{number}/comments?per_page=100"),
            )
            .await?;
        let body = json!({ "body": comment_body(f) });
        let mark = marker(&f.app);
        match comments.iter().find(|c| c.body.contains(&mark)) {
            Some(c) => app
                .send_json(
                    http::Method::PATCH,
                    f.installation_id,
                    &format!("/repos/{repo}/issues/comments/{}", c.id),
                    &body,
                )
                .await
                .map(drop),
            None => app
                .post_json(
                    f.installation_id,
                    &format!("/repos/{repo}/issues/{number}/comments"),
                    &body,
                )
                .await
                .map(drop),
        }
    }
}
