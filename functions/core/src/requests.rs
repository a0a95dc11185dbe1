//! What callers ask the pipeline for, already parsed but not yet validated.

use std::collections::BTreeMap;

use crate::model::{Commit, Repository, Settings};

#[derive(Debug, Clone, Default)]
pub struct NewEnvironment {
    pub name: String,
    pub branch: Option<String>,
    pub auto_deploy: Option<bool>,
    pub protected: Option<bool>,
    pub tests_enabled: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NewApp {
    pub name: String,
    pub repository: Repository,
    pub settings: Settings,
    /// `None`: development (tracks `main`, auto-deploy) → staging → production (protected).
    pub environments: Option<Vec<NewEnvironment>>,
}

/// A change to some settings: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub install_command: Option<Option<String>>,
    pub test_command: Option<Option<String>>,
    pub deploy_command: Option<Option<String>>,
    pub remove_command: Option<Option<String>>,
    pub timeout_minutes: Option<Option<u32>>,
    pub deploy_role_arn: Option<Option<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct EnvironmentPatch {
    pub branch: Option<Option<String>>,
    pub auto_deploy: Option<bool>,
    pub requires_approval: Option<bool>,
    pub tests_enabled: Option<bool>,
    pub dependency_cache: Option<bool>,
    /// Set (`Some`) or remove (`None`) each variable.
    pub variables: Option<BTreeMap<String, Option<String>>>,
    /// Set (`Some`) or remove (`None`) each secret; values are write-only.
    pub secrets: Option<BTreeMap<String, Option<String>>>,
    pub settings: Option<SettingsPatch>,
}

/// A push to a branch, from a GitHub webhook or a local repository watcher.
#[derive(Debug, Clone)]
pub struct PushEvent {
    /// [`Repository::key`] of the pushed repository.
    pub repository_key: String,
    pub branch: String,
    pub commit: Commit,
    /// Limits the push to one app (a local watcher sees each app's repository on its own).
    pub only_app: Option<String>,
    /// Who pushed (GitHub's `pusher`); a local repository's new commit does not say.
    pub pushed_by: Option<String>,
}

/// What a pull request did, as its webhook says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullRequestAction {
    /// Opened, reopened or pushed to: its head is (re)deployed.
    Updated,
    Closed,
}

/// A pull request's event, for its preview environment.
#[derive(Debug, Clone)]
pub struct PullRequestEvent {
    /// [`Repository::key`] of the repository the pull request is into.
    pub repository_key: String,
    pub number: u64,
    pub action: PullRequestAction,
    pub head: Commit,
    pub head_ref: String,
    /// `owner/name` of the repository the head branch is in.
    pub head_repository: String,
    /// The head is in another repository than the base (a fork).
    pub fork: bool,
    pub sender: Option<String>,
}

/// How a runner ended, as its launcher saw it.
#[derive(Debug, Clone)]
pub enum RunnerOutcome {
    Succeeded {
        outputs: serde_json::Map<String, serde_json::Value>,
    },
    Failed {
        reason: String,
    },
}

impl Settings {
    /// These settings with a change applied: `Some(None)` clears a field, `None` keeps it.
    pub fn patched(&self, p: &SettingsPatch) -> Settings {
        let s = self;
        fn pick<T: Clone>(current: &Option<T>, change: &Option<Option<T>>) -> Option<T> {
            match change {
                Some(v) => v.clone(),
                None => current.clone(),
            }
        }
        Settings {
            install_command: pick(&s.install_command, &p.install_command),
            test_command: pick(&s.test_command, &p.test_command),
            deploy_command: pick(&s.deploy_command, &p.deploy_command),
            remove_command: pick(&s.remove_command, &p.remove_command),
            timeout_minutes: pick(&s.timeout_minutes, &p.timeout_minutes),
            deploy_role_arn: pick(&s.deploy_role_arn, &p.deploy_role_arn),
        }
    }
}
