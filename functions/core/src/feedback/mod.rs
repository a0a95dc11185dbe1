//! Deployments reported where developers look: each deployment of a GitHub app becomes a
//! GitHub deployment of its environment with its status kept current, the first
//! environment's deployments also a commit status (so a pull request shows it), and a
//! preview's deployments one comment on its pull request, updated in place.
//!
//! Reporting never blocks or fails a deployment: a status change records what GitHub should
//! say ([`Feedback::desired`]); a delivery round later says it, retrying with backoff, and a
//! failure stays visible on the deployment. Only the latest state is sent — GitHub keeps a
//! status history of its own, and a stale state is never worth a retry.

mod github;
mod notifier;
mod service;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::model::Timestamp;
use crate::ports::Expect;

pub use github::GithubFeedback;
pub use notifier::FeedbackNotifier;
pub use service::{DeliveryRound, FeedbackService, MAX_FEEDBACK_ATTEMPTS};

/// Where a deployment is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedbackTarget {
    /// A GitHub deployment of the environment, and its statuses.
    GithubDeployment,
    /// A commit status (`trellis/<environment>`) on the deployed commit.
    GithubStatus,
    /// The comment on a pull request that says where its preview is, updated in place.
    PullRequestComment,
}

impl FeedbackTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackTarget::GithubDeployment => "github-deployment",
            FeedbackTarget::GithubStatus => "github-status",
            FeedbackTarget::PullRequestComment => "pull-request-comment",
        }
    }
}

/// What one target should say of one deployment, and what it was last told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feedback {
    pub deployment_id: String,
    pub target: FeedbackTarget,
    pub app: String,
    pub environment: String,
    /// `owner/name` and the installation that reaches it.
    pub repository: String,
    pub installation_id: u64,
    pub sha: String,
    /// The environment is protected (GitHub: a production environment).
    pub production: bool,
    /// GitHub's state to report: `queued`, `in_progress`, `success`, `failure`, `error` for a
    /// deployment; `pending`, `success`, `failure`, `error` for a commit status.
    pub desired: String,
    pub delivered: Option<String>,
    /// The deployment's page in the dashboard, when Trellis knows its own address.
    pub log_url: Option<String>,
    /// The deployed app's address (its `url` output), once it has one.
    pub environment_url: Option<String>,
    /// The GitHub deployment made for it (statuses are added to it).
    pub github_deployment_id: Option<u64>,
    /// The pull request a preview's deployment belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
    /// Tries of the current `desired` state.
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    /// Stopped trying after [`MAX_FEEDBACK_ATTEMPTS`]; a newer state tries again.
    pub gave_up: bool,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub version: u64,
}

impl Feedback {
    /// Something is left to say, and it will be tried.
    pub fn pending(&self) -> bool {
        !self.gave_up && self.delivered.as_deref() != Some(self.desired.as_str())
    }
}

/// Where feedback is kept until it is delivered (and after: the deployment shows it).
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    async fn get_feedback(
        &self,
        deployment: &str,
        target: FeedbackTarget,
    ) -> Result<Option<Feedback>, StoreError>;
    /// `Expect::Absent` creates it, `Expect::Version(v)` replaces version `v`; it is stored
    /// with the next version. A lost race is `StoreError::Conflict`.
    async fn put_feedback(&self, feedback: &Feedback, expect: Expect) -> Result<(), StoreError>;
    /// Pending feedback whose next try is due at `now`, the earliest first, at most `limit`.
    async fn due_feedback(&self, now: Timestamp, limit: usize)
    -> Result<Vec<Feedback>, StoreError>;
    /// A deployment's feedback, by target.
    async fn feedback_of(&self, deployment: &str) -> Result<Vec<Feedback>, StoreError>;
}

/// What a delivery achieved: the GitHub deployment it made (even when a later call of the
/// same delivery failed, so it is not made twice), and whether the state was said.
#[derive(Debug)]
pub struct SendOutcome {
    pub github_deployment_id: Option<u64>,
    pub result: Result<(), String>,
}

/// Says a feedback's desired state to its target.
#[async_trait]
pub trait FeedbackSender: Send + Sync {
    async fn send(&self, feedback: &Feedback) -> SendOutcome;
}
