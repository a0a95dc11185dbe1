//! The records the API returns (camelCase), with their OpenAPI schemas. Domain records are
//! mapped into them here; nothing secret has a field to go into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use trellis_core::model::{
    App, Commit, ConfigSnapshot, Deployment, Environment, LogLine, Repository, Settings,
};
use utoipa::ToSchema;

use super::schema::{DeploymentKind, DeploymentStatus, EnvironmentState, Trigger};
use crate::FieldError;

pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// A git repository on the machine running Trellis (local mode).
    Local,
    /// A GitHub repository reached through the Trellis GitHub App.
    Github,
}

/// `{"provider":"local","path":...}` or
/// `{"provider":"github","fullName":"owner/repo","installationId":N}`. A plain struct rather
/// than a tagged enum so that a wrong field is named precisely in errors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepositoryView {
    pub provider: Provider,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation_id: Option<u64>,
}

impl From<Repository> for RepositoryView {
    fn from(r: Repository) -> Self {
        match r {
            Repository::Local { path } => RepositoryView {
                provider: Provider::Local,
                path: Some(path),
                full_name: None,
                installation_id: None,
            },
            Repository::Github {
                full_name,
                installation_id,
            } => RepositoryView {
                provider: Provider::Github,
                path: None,
                full_name: Some(full_name),
                installation_id: Some(installation_id),
            },
        }
    }
}

impl TryFrom<RepositoryView> for Repository {
    type Error = FieldError;

    fn try_from(r: RepositoryView) -> Result<Self, Self::Error> {
        let stray = |field: &str, provider: &str| {
            FieldError::new(
                format!("repository.{field}"),
                format!("{field} does not apply to provider {provider}"),
            )
        };
        match r.provider {
            Provider::Local => {
                if r.full_name.is_some() {
                    return Err(stray("fullName", "local"));
                }
                if r.installation_id.is_some() {
                    return Err(stray("installationId", "local"));
                }
                let path = r.path.ok_or_else(|| {
                    FieldError::new("repository.path", "a local repository needs its path")
                })?;
                Ok(Repository::Local { path })
            }
            Provider::Github => {
                if r.path.is_some() {
                    return Err(stray("path", "github"));
                }
                let full_name = r.full_name.ok_or_else(|| {
                    FieldError::new(
                        "repository.fullName",
                        "a GitHub repository needs its fullName (owner/repo)",
                    )
                })?;
                let installation_id = r.installation_id.ok_or_else(|| {
                    FieldError::new(
                        "repository.installationId",
                        "a GitHub repository needs the GitHub App installationId",
                    )
                })?;
                Ok(Repository::Github {
                    full_name,
                    installation_id,
                })
            }
        }
    }
}

/// Build commands; unset fields fall back to the app's, then to the SST preset.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
    /// AWS mode: an IAM role the runner assumes for this environment's deploys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_role_arn: Option<String>,
}

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        SettingsView {
            install_command: s.install_command,
            test_command: s.test_command,
            deploy_command: s.deploy_command,
            remove_command: s.remove_command,
            timeout_minutes: s.timeout_minutes,
            deploy_role_arn: s.deploy_role_arn,
        }
    }
}

impl From<SettingsView> for Settings {
    fn from(s: SettingsView) -> Self {
        Settings {
            install_command: s.install_command,
            test_command: s.test_command,
            deploy_command: s.deploy_command,
            remove_command: s.remove_command,
            timeout_minutes: s.timeout_minutes,
            deploy_role_arn: s.deploy_role_arn,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CommitView {
    pub sha: String,
    pub message: String,
    pub author: String,
}

impl From<Commit> for CommitView {
    fn from(c: Commit) -> Self {
        CommitView {
            sha: c.sha,
            message: c.message,
            author: c.author,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentView {
    pub name: String,
    pub position: u32,
    pub branch: Option<String>,
    pub auto_deploy: bool,
    pub protected: bool,
    /// Deployments into it wait for an admin's approval (and pushes do not deploy it).
    #[serde(default)]
    pub requires_approval: bool,
    pub tests_enabled: bool,
    /// Deployments restore and save the package manager's download cache.
    pub dependency_cache: bool,
    #[schema(value_type = EnvironmentState)]
    pub state: String,
    pub current_deployment: Option<String>,
    pub current_commit: Option<CommitView>,
    pub running_deployment: Option<String>,
    pub queued_deployment: Option<String>,
    pub variables: BTreeMap<String, String>,
    /// Secret values are write-only: only their names are ever returned.
    pub secret_names: Vec<String>,
    pub settings: SettingsView,
    /// A pull request's preview (beside the pipeline, never promoted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<super::PreviewView>,
}

impl From<Environment> for EnvironmentView {
    fn from(e: Environment) -> Self {
        EnvironmentView {
            name: e.name,
            position: e.position,
            branch: e.branch,
            auto_deploy: e.auto_deploy,
            protected: e.protected,
            requires_approval: e.requires_approval,
            tests_enabled: e.tests_enabled,
            dependency_cache: e.dependency_cache,
            state: e.state.as_str().to_string(),
            current_deployment: e.current_deployment,
            current_commit: e.current_commit.map(Into::into),
            running_deployment: e.running_deployment,
            queued_deployment: e.queued_deployment,
            variables: e.variables,
            secret_names: e.secret_names,
            settings: e.settings.into(),
            preview: e.preview.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub name: String,
    pub repository: RepositoryView,
    pub settings: SettingsView,
    pub environments: Vec<EnvironmentView>,
    pub created_at: String,
    /// The caller's role on this app (what the dashboard offers follows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub your_role: Option<super::team::RoleName>,
    /// Pull requests get previews made from this environment (absent: off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previews_from: Option<String>,
}

impl AppView {
    pub fn new(app: App, envs: Vec<Environment>) -> Self {
        AppView {
            name: app.name,
            repository: app.repository.into(),
            settings: app.settings.into(),
            environments: envs.into_iter().map(Into::into).collect(),
            created_at: rfc3339(app.created_at),
            your_role: None,
            previews_from: app.previews_from,
        }
    }

    /// The same view, saying what the caller's role is.
    pub fn with_role(mut self, role: Option<trellis_core::access::Role>) -> Self {
        self.your_role = role.map(Into::into);
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigView {
    pub branch: Option<String>,
    pub tests_enabled: bool,
    pub install_command: Option<String>,
    pub test_command: String,
    pub deploy_command: String,
    pub remove_command: String,
    pub timeout_minutes: u32,
    pub deploy_role_arn: Option<String>,
    pub variables: BTreeMap<String, String>,
    pub secret_names: Vec<String>,
}

impl From<ConfigSnapshot> for ConfigView {
    fn from(c: ConfigSnapshot) -> Self {
        ConfigView {
            branch: c.branch,
            tests_enabled: c.tests_enabled,
            install_command: c.install_command,
            test_command: c.test_command,
            deploy_command: c.deploy_command,
            remove_command: c.remove_command,
            timeout_minutes: c.timeout_minutes,
            deploy_role_arn: c.deploy_role_arn,
            variables: c.variables,
            secret_names: c.secret_names,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentView {
    pub id: String,
    pub app: String,
    pub environment: String,
    #[schema(value_type = DeploymentKind)]
    pub kind: String,
    #[schema(value_type = Trigger)]
    pub trigger: String,
    pub commit: CommitView,
    #[schema(value_type = DeploymentStatus)]
    pub status: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    /// The deploy's outputs (e.g. the environment's URL), as the app's IaC tool reported them.
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub outputs: serde_json::Map<String, serde_json::Value>,
    pub promoted_from: Option<String>,
    pub rollback_of: Option<String>,
    pub cancel_requested: bool,
    /// The launcher's handle on the runner (process id locally, ECS task ARN on AWS).
    pub runner: Option<String>,
    pub config: ConfigView,
    /// Who or what asked for it: a user's login, `admin token`, `push by <pusher>`, `push`.
    #[serde(default)]
    pub requested_by: Option<String>,
    /// Who approved it (environments that require approval).
    #[serde(default)]
    pub approved_by: Option<String>,
    /// How it was reported on GitHub (GitHub apps; `GET /api/deployments/{id}` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Vec<super::FeedbackView>>,
    /// What the dependency cache did (absent while it runs, and for runs before caching).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<super::CacheReportView>,
}

fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl From<Deployment> for DeploymentView {
    fn from(d: Deployment) -> Self {
        DeploymentView {
            duration_ms: d.duration_ms(),
            id: d.id,
            app: d.app,
            environment: d.environment,
            kind: enum_str(&d.kind),
            trigger: enum_str(&d.trigger),
            commit: d.commit.into(),
            status: d.status.as_str().to_string(),
            created_at: rfc3339(d.created_at),
            started_at: d.started_at.map(rfc3339),
            finished_at: d.finished_at.map(rfc3339),
            error: d.error,
            outputs: d.outputs,
            promoted_from: d.promoted_from,
            rollback_of: d.rollback_of,
            cancel_requested: d.cancel_requested,
            runner: d.runner,
            requested_by: d.requested_by,
            approved_by: d.approved_by,
            config: d.config.into(),
            feedback: None,
            cache: d.cache.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LogLineView {
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    pub text: String,
}

impl From<LogLine> for LogLineView {
    fn from(l: LogLine) -> Self {
        LogLineView {
            seq: l.seq,
            timestamp: l.timestamp,
            text: l.text,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogsView {
    pub lines: Vec<LogLineView>,
    /// True once the deployment has ended and every line is stored: nothing more will come.
    pub complete: bool,
}
