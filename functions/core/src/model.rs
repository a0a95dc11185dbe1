//! The records Trellis keeps. Every record carries a `version` that the store bumps on each write,
//! so that every state change can be a compare-and-set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub type Timestamp = OffsetDateTime;

/// Where an app's source lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase", deny_unknown_fields)]
pub enum Repository {
    /// A git repository on this machine (local mode).
    Local { path: String },
    /// A GitHub repository reached through the Trellis GitHub App installation.
    #[serde(rename_all = "camelCase")]
    Github {
        full_name: String,
        installation_id: u64,
    },
}

impl Repository {
    /// The key push events are matched on.
    pub fn key(&self) -> String {
        match self {
            Repository::Local { path } => format!("local:{path}"),
            Repository::Github { full_name, .. } => {
                format!("github:{}", full_name.to_ascii_lowercase())
            }
        }
    }
}

/// Build commands. Every field is optional: an environment's value overrides the app's, which
/// overrides the preset default (SST).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
    /// An IAM role the runner assumes for the deploy (AWS mode); its temporary credentials
    /// reach the build as `AWS_*` variables and are masked like secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_role_arn: Option<String>,
}

impl Settings {
    /// `self` with every unset field taken from `fallback`.
    pub fn or(&self, fallback: &Settings) -> Settings {
        Settings {
            install_command: self
                .install_command
                .clone()
                .or_else(|| fallback.install_command.clone()),
            test_command: self
                .test_command
                .clone()
                .or_else(|| fallback.test_command.clone()),
            deploy_command: self
                .deploy_command
                .clone()
                .or_else(|| fallback.deploy_command.clone()),
            remove_command: self
                .remove_command
                .clone()
                .or_else(|| fallback.remove_command.clone()),
            timeout_minutes: self.timeout_minutes.or(fallback.timeout_minutes),
            deploy_role_arn: self
                .deploy_role_arn
                .clone()
                .or_else(|| fallback.deploy_role_arn.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub name: String,
    pub repository: Repository,
    pub settings: Settings,
    /// Branch heads already seen (local repositories): a head that differs is a push.
    pub branch_heads: BTreeMap<String, String>,
    /// Pull requests get preview environments made from this environment (`None`: off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previews_from: Option<String>,
    pub created_at: Timestamp,
    pub version: u64,
}

/// What makes an environment a pull request's preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewOf {
    pub number: u64,
    /// The pull request's branch, and the repository it lives in (`owner/name`).
    pub head_ref: String,
    pub head_repository: String,
    /// From another repository: no secrets, and each deployment waits for approval.
    pub fork: bool,
    /// The pull request was closed: the environment goes once it is torn down.
    #[serde(default)]
    pub closed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvState {
    Empty,
    Deploying,
    Deployed,
    Failed,
    Removing,
    Removed,
}

impl EnvState {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvState::Empty => "empty",
            EnvState::Deploying => "deploying",
            EnvState::Deployed => "deployed",
            EnvState::Failed => "failed",
            EnvState::Removing => "removing",
            EnvState::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub app: String,
    pub name: String,
    pub position: u32,
    pub branch: Option<String>,
    pub auto_deploy: bool,
    pub protected: bool,
    /// Deployments into it wait for an admin's approval; pushes do not deploy it.
    #[serde(default)]
    pub requires_approval: bool,
    pub tests_enabled: bool,
    /// Deployments restore and save the package manager's download cache.
    #[serde(default = "on")]
    pub dependency_cache: bool,
    pub state: EnvState,
    pub current_deployment: Option<String>,
    pub current_commit: Option<Commit>,
    /// The environment lock: the one deployment allowed to run here.
    pub running_deployment: Option<String>,
    /// The one deployment waiting for the lock; a newer one supersedes it.
    pub queued_deployment: Option<String>,
    pub variables: BTreeMap<String, String>,
    pub secret_names: Vec<String>,
    pub settings: Settings,
    /// A pull request's preview (beside the pipeline, never promoted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewOf>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Commit {
    pub sha: String,
    pub message: String,
    pub author: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentKind {
    Deploy,
    Teardown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Push,
    Manual,
    Promote,
    Rollback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentStatus {
    /// Into an environment that requires approval: waits for an admin other than the
    /// requester (it holds the environment's queue slot meanwhile).
    #[serde(rename = "awaiting_approval")]
    AwaitingApproval,
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl DeploymentStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            DeploymentStatus::Succeeded | DeploymentStatus::Failed | DeploymentStatus::Cancelled
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::AwaitingApproval => "awaiting_approval",
            DeploymentStatus::Queued => "queued",
            DeploymentStatus::Running => "running",
            DeploymentStatus::Succeeded => "succeeded",
            DeploymentStatus::Failed => "failed",
            DeploymentStatus::Cancelled => "cancelled",
        }
    }
}

/// The configuration a deployment ran with, resolved when it was queued. A rollback reuses it,
/// so it redeploys what ran then, not what is configured now. Secret values are never part of
/// it: secrets are read at run time (a rotated credential must not come back with a rollback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSnapshot {
    pub branch: Option<String>,
    pub tests_enabled: bool,
    /// `None`: detect the package manager from the lockfile.
    pub install_command: Option<String>,
    pub test_command: String,
    pub deploy_command: String,
    pub remove_command: String,
    pub timeout_minutes: u32,
    #[serde(default)]
    pub deploy_role_arn: Option<String>,
    pub variables: BTreeMap<String, String>,
    pub secret_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    pub app: String,
    pub environment: String,
    pub kind: DeploymentKind,
    pub trigger: Trigger,
    pub commit: Commit,
    pub status: DeploymentStatus,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub error: Option<String>,
    pub outputs: serde_json::Map<String, serde_json::Value>,
    pub promoted_from: Option<String>,
    pub rollback_of: Option<String>,
    pub config: ConfigSnapshot,
    /// The launcher's handle on the runner: a process id locally, a task ARN on ECS.
    pub runner: Option<String>,
    pub cancel_requested: bool,
    /// Who or what asked for it: a user's login, `admin token`, `push by <pusher>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    /// Who approved it, in an environment that requires approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// What the dependency cache did, as the runner reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<crate::cache::CacheReport>,
    pub version: u64,
}

fn on() -> bool {
    true
}

impl Deployment {
    pub fn duration_ms(&self) -> Option<i64> {
        match (self.started_at, self.finished_at) {
            (Some(s), Some(f)) => Some((f - s).whole_milliseconds() as i64),
            _ => None,
        }
    }
}

/// What a runner handle is looked up by: the task id of an ECS task ARN (the awslogs stream
/// names the task by it), otherwise the handle itself.
pub fn runner_key(runner: &str) -> &str {
    runner.rsplit('/').next().unwrap_or(runner)
}

/// One stored log line. `seq` starts at 1 and has no gaps within a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub seq: u64,
    /// Milliseconds since the Unix epoch, as CloudWatch Logs gives them.
    pub timestamp: i64,
    pub text: String,
}

/// A log line before the store has numbered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogLine {
    pub timestamp: i64,
    pub text: String,
}

/// What a live connection can subscribe to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "id")]
pub enum Topic {
    Deployment(String),
    App(String),
}

impl Topic {
    pub fn key(&self) -> String {
        match self {
            Topic::Deployment(id) => format!("deployment:{id}"),
            Topic::App(name) => format!("app:{name}"),
        }
    }
}

/// A WebSocket connection known to the store (API Gateway mode keeps them there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub id: String,
    /// Who opened it: a signed-in user's login; `None` for the admin token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    pub connected_at: Timestamp,
    /// When the store may forget the connection (a TTL in DynamoDB).
    pub expires_at: Timestamp,
}
