//! The deployment pipeline: every business rule about apps, environments and deployments.
//!
//! Each state change reads records, decides, and commits the new versions as one conditional
//! batch. A batch that loses a race is retried from a fresh read, so two writers never both win
//! and no decision is made on stale state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::error::DomainError;
use crate::job::RunnerJob;
use crate::model::{
    App, Commit, ConfigSnapshot, Deployment, DeploymentKind, DeploymentStatus, EnvState,
    Environment, Settings, Trigger,
};
use crate::ports::{
    Clock, DeploymentStore, Expect, LiveEvent, Notifier, RunnerLauncher, SecretStore,
    SourceRepository, Write,
};
use crate::requests::{
    EnvironmentPatch, NewApp, NewEnvironment, PushEvent, RunnerOutcome, SettingsPatch,
};
use crate::validate;

mod approvals;
mod apps;
mod end;
pub use end::{SWEEP_GRACE, SweepSummary, overdue};
mod environments;
mod logs;
mod preview;
mod previews;
pub use logs::LogsPage;
pub use preview::{ConfigChange, MAX_PREVIEW_PAGE, PromotionPreview, config_changes};
pub use previews::{MAX_PREVIEWS, preview_name};
mod push;
mod queue;
mod start;

/// The preset a new app starts with: an SST app.
pub const DEFAULT_TEST_COMMAND: &str = "npm test";
pub const DEFAULT_DEPLOY_COMMAND: &str = "npx sst deploy --stage \"$TRELLIS_STAGE\"";
pub const DEFAULT_REMOVE_COMMAND: &str = "npx sst remove --stage \"$TRELLIS_STAGE\"";
pub const DEFAULT_TIMEOUT_MINUTES: u32 = 60;

/// How often a batch that lost a race is retried before the caller is told to try again.
const MAX_ATTEMPTS: usize = 16;

/// What the pipeline works through: one value, handed over once.
pub struct Ports {
    pub store: Arc<dyn DeploymentStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub launcher: Arc<dyn RunnerLauncher>,
    pub notifier: Arc<dyn Notifier>,
    pub source: Arc<dyn SourceRepository>,
    pub clock: Arc<dyn Clock>,
}

/// What one attempt of a read–decide–write decided.
pub(super) enum Attempt<T> {
    /// Write this batch (all or nothing); once it is written the operation answers `T`.
    Write(Vec<Write>, T),
    /// Nothing (more) to write: answer `T`.
    Done(T),
}

/// Every rule of apps, environments and deployments, over the ports.
pub struct Pipeline {
    ports: Ports,
    ids: Mutex<ulid::Generator>,
}

impl Pipeline {
    pub fn new(ports: Ports) -> Self {
        Pipeline {
            ports,
            ids: Mutex::new(ulid::Generator::new()),
        }
    }

    pub fn store(&self) -> &Arc<dyn DeploymentStore> {
        &self.ports.store
    }

    pub fn notifier(&self) -> &Arc<dyn Notifier> {
        &self.ports.notifier
    }

    /// Monotonic ULIDs: ids sort in creation order even within one millisecond.
    fn new_id(&self) -> String {
        let now = self.ports.clock.now();
        let system_time = std::time::SystemTime::UNIX_EPOCH
            + std::time::Duration::from_millis(
                u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
            );
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        match ids.generate_from_datetime(system_time) {
            Ok(id) => id.to_string(),
            // The random part overflowed within one millisecond: take a fresh one.
            Err(_) => ulid::Ulid::from_datetime(system_time).to_string(),
        }
    }
    // ----- reading --------------------------------------------------------------------------

    pub async fn require_deployment(&self, id: &str) -> Result<Deployment, DomainError> {
        self.ports
            .store
            .get_deployment(id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("no deployment with id {id:?}")))
    }

    pub async fn list_deployments(
        &self,
        app: &str,
        env: &str,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Vec<Deployment>, DomainError> {
        self.get_environment(app, env).await?;
        Ok(self
            .ports
            .store
            .list_deployments(app, env, limit.clamp(1, 200), before)
            .await?)
    }

    // ----- helpers --------------------------------------------------------------------------

    /// The one read–decide–conditional-write loop every operation goes through. `attempt`
    /// reads what it needs and decides; if the batch it decided on lost a race (a version
    /// moved), it reads and decides again after a jittered pause. `what` names the record in
    /// the `Busy` answer when the races never end.
    pub(super) async fn commit_with_retry<T, F, Fut>(
        &self,
        what: &'static str,
        attempt: F,
    ) -> Result<T, DomainError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Attempt<T>, DomainError>>,
    {
        for n in 0..MAX_ATTEMPTS {
            push::backoff(n).await;
            match attempt().await? {
                Attempt::Done(value) => return Ok(value),
                Attempt::Write(writes, value) => match self.ports.store.commit(writes).await {
                    Ok(()) => return Ok(value),
                    Err(crate::error::StoreError::Conflict) => continue,
                    Err(err) => return Err(err.into()),
                },
            }
        }
        Err(DomainError::Busy(what))
    }

    /// Read-modify-write of one deployment; `change` returns false to leave it as it is.
    async fn update_deployment(
        &self,
        id: &str,
        change: impl Fn(&mut Deployment) -> bool,
    ) -> Result<Deployment, DomainError> {
        let change = &change;
        self.commit_with_retry("deployment", move || async move {
            let mut dep = self.require_deployment(id).await?;
            let v = dep.version;
            if !change(&mut dep) {
                return Ok(Attempt::Done(dep));
            }
            let write = Write::PutDeployment(dep.clone(), Expect::Version(v));
            dep.version = v + 1;
            Ok(Attempt::Write(vec![write], dep))
        })
        .await
    }

    async fn publish(&self, dep: &Deployment) {
        self.ports
            .notifier
            .publish(LiveEvent::Deployment(Box::new(dep.clone())))
            .await;
    }
}

enum Origin {
    Fresh,
    PromotedFrom(String),
    RollbackOf(Box<Deployment>),
}

fn default_pipeline() -> Vec<NewEnvironment> {
    vec![
        NewEnvironment {
            name: "development".into(),
            branch: Some("main".into()),
            auto_deploy: Some(true),
            ..Default::default()
        },
        NewEnvironment {
            name: "staging".into(),
            ..Default::default()
        },
        NewEnvironment {
            name: "production".into(),
            protected: Some(true),
            ..Default::default()
        },
    ]
}

/// The configuration an environment would deploy with now.
pub fn snapshot(app: &App, env: &Environment) -> ConfigSnapshot {
    let s = env.settings.or(&app.settings);
    ConfigSnapshot {
        branch: env.branch.clone(),
        tests_enabled: env.tests_enabled,
        install_command: s.install_command,
        test_command: s
            .test_command
            .unwrap_or_else(|| DEFAULT_TEST_COMMAND.into()),
        deploy_command: s
            .deploy_command
            .unwrap_or_else(|| DEFAULT_DEPLOY_COMMAND.into()),
        remove_command: s
            .remove_command
            .unwrap_or_else(|| DEFAULT_REMOVE_COMMAND.into()),
        timeout_minutes: s.timeout_minutes.unwrap_or(DEFAULT_TIMEOUT_MINUTES),
        deploy_role_arn: s.deploy_role_arn,
        variables: env.variables.clone(),
        secret_names: env.secret_names.clone(),
    }
}
