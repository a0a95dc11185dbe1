//! How a deployment was reported on GitHub, as its page shows it.

use serde::{Deserialize, Serialize};
use trellis_core::feedback::Feedback;
use utoipa::ToSchema;

use super::resources::rfc3339;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackView {
    /// `github-deployment` or `github-status`.
    pub target: String,
    /// What GitHub should say now (`queued`, `in_progress`, `pending`, `success`, …).
    pub desired: String,
    /// What it was last told.
    pub delivered: Option<String>,
    pub attempts: u32,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// No more tries until the deployment's state changes again.
    pub gave_up: bool,
    /// When the next try is due, while something is left to say.
    pub next_attempt_at: Option<String>,
}

impl From<Feedback> for FeedbackView {
    fn from(f: Feedback) -> Self {
        FeedbackView {
            target: f.target.as_str().into(),
            next_attempt_at: f.pending().then(|| rfc3339(f.next_attempt_at)),
            desired: f.desired,
            delivered: f.delivered,
            attempts: f.attempts,
            last_error: f.last_error,
            gave_up: f.gave_up,
        }
    }
}
