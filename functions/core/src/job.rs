//! What a build runner is told to do. The launcher hands it over; the runner never sees the
//! store. Secret values are not part of it: each launcher adds them its own way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cache::{CacheAccess, CacheReport};
use crate::model::{ConfigSnapshot, Deployment, DeploymentKind, Repository};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunnerJob {
    pub deployment_id: String,
    pub app: String,
    pub environment: String,
    pub kind: DeploymentKind,
    pub repository: Repository,
    pub commit_sha: String,
    pub config: ConfigSnapshot,
    /// Secret values, filled in by the launcher that owns the secret store (never logged).
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// A short-lived token for cloning a private repository (GitHub App installation token);
    /// masked in all output, never passed to build steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_token: Option<String>,
    /// Whose secrets the launcher reads (`None`: the environment's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_from: Option<SecretsFrom>,
    /// Where GitHub repositories are cloned from: a GitHub Enterprise Server's address
    /// (`https://github.com` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_web: Option<String>,
    /// Extra non-secret environment the launcher adds (e.g. where local mode publishes sites).
    #[serde(default)]
    pub extra_env: BTreeMap<String, String>,
    /// On AWS: where the runner hands its result back and how it discards the job once read
    /// (single-object, short-lived links). Never passed to build steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_back: Option<HandBack>,
    /// The environment keeps a dependency cache (its setting when the job was launched).
    #[serde(default)]
    pub cache_wanted: bool,
    /// How the runner reaches that cache: the launcher fills it in when `cache_wanted`.
    /// Never passed to build steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheAccess>,
}

/// A preview's secrets: its base environment's, or none at all (a fork).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretsFrom {
    Environment(String),
    Nowhere,
}

impl RunnerJob {
    /// The environment whose secrets the job gets, if any.
    pub fn secrets_environment(&self) -> Option<&str> {
        match &self.secrets_from {
            None => Some(&self.environment),
            Some(SecretsFrom::Environment(e)) => Some(e),
            Some(SecretsFrom::Nowhere) => None,
        }
    }
}

/// Single-object presigned links a Fargate runner uses instead of any AWS credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandBack {
    /// `PUT` the [`RunnerResult`] here.
    pub result_url: String,
    /// `DELETE` the job object once read, so its link (visible in the task's overrides) is dead.
    pub discard_job_url: String,
}

impl RunnerJob {
    pub fn for_deployment(deployment: &Deployment, repository: &Repository) -> Self {
        RunnerJob {
            deployment_id: deployment.id.clone(),
            app: deployment.app.clone(),
            environment: deployment.environment.clone(),
            kind: deployment.kind,
            repository: repository.clone(),
            commit_sha: deployment.commit.sha.clone(),
            config: deployment.config.clone(),
            secrets: BTreeMap::new(),
            git_token: None,
            github_web: None,
            secrets_from: None,
            extra_env: BTreeMap::new(),
            hand_back: None,
            cache_wanted: false,
            cache: None,
        }
    }
}

/// What a runner reports when it ends (written to its result file / the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunnerResult {
    pub succeeded: bool,
    pub error: Option<String>,
    #[serde(default)]
    pub outputs: serde_json::Map<String, serde_json::Value>,
    /// What the dependency cache did (absent from runners that predate it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheReport>,
}
