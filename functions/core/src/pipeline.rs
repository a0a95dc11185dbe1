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

mod push;

/// The preset a new app starts with: an SST app.
pub const DEFAULT_TEST_COMMAND: &str = "npm test";
pub const DEFAULT_DEPLOY_COMMAND: &str = "npx sst deploy --stage \"$TRELLIS_STAGE\"";
pub const DEFAULT_REMOVE_COMMAND: &str = "npx sst remove --stage \"$TRELLIS_STAGE\"";
pub const DEFAULT_TIMEOUT_MINUTES: u32 = 60;

/// How often a batch that lost a race is retried before the caller is told to try again.
const MAX_ATTEMPTS: usize = 16;

pub struct Ports {
    pub store: Arc<dyn DeploymentStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub launcher: Arc<dyn RunnerLauncher>,
    pub notifier: Arc<dyn Notifier>,
    pub source: Arc<dyn SourceRepository>,
    pub clock: Arc<dyn crate::ports::Clock>,
}

pub struct Pipeline {
    store: Arc<dyn DeploymentStore>,
    secrets: Arc<dyn SecretStore>,
    launcher: Arc<dyn RunnerLauncher>,
    notifier: Arc<dyn Notifier>,
    source: Arc<dyn SourceRepository>,
    clock: Arc<dyn Clock>,
    ids: Mutex<ulid::Generator>,
}

impl Pipeline {
    pub fn new(ports: Ports) -> Self {
        Pipeline {
            store: ports.store,
            secrets: ports.secrets,
            launcher: ports.launcher,
            notifier: ports.notifier,
            source: ports.source,
            clock: ports.clock,
            ids: Mutex::new(ulid::Generator::new()),
        }
    }

    pub fn store(&self) -> &Arc<dyn DeploymentStore> {
        &self.store
    }

    pub fn notifier(&self) -> &Arc<dyn Notifier> {
        &self.notifier
    }

    /// Monotonic ULIDs: ids sort in creation order even within one millisecond.
    fn new_id(&self) -> String {
        let now = self.clock.now();
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

    // ----- apps -----------------------------------------------------------------------------

    pub async fn create_app(&self, req: NewApp) -> Result<(App, Vec<Environment>), DomainError> {
        validate::slug("name", &req.name)?;
        validate_repository(&req.repository)?;
        validate_settings("settings", &req.settings)?;
        let envs = req.environments.clone().unwrap_or_else(default_pipeline);
        if envs.len() > validate::MAX_ENVIRONMENTS {
            return Err(DomainError::invalid(
                "environments",
                format!(
                    "{} environments; a pipeline has at most {}",
                    envs.len(),
                    validate::MAX_ENVIRONMENTS
                ),
            ));
        }
        if envs.is_empty() {
            return Err(DomainError::invalid(
                "environments",
                "a pipeline needs at least one environment",
            ));
        }
        let mut environments = Vec::new();
        for (i, e) in envs.iter().enumerate() {
            let field = format!("environments[{i}]");
            validate::slug(&format!("{field}.name"), &e.name)?;
            if envs[..i].iter().any(|o| o.name == e.name) {
                return Err(DomainError::invalid(
                    format!("{field}.name"),
                    format!("environment {:?} appears twice", e.name),
                ));
            }
            if let Some(b) = &e.branch {
                validate::branch(&format!("{field}.branch"), b)?;
            }
            let protected = e.protected.unwrap_or(false);
            let auto_deploy = e.auto_deploy.unwrap_or(e.branch.is_some() && !protected);
            if auto_deploy && protected {
                return Err(DomainError::invalid(
                    format!("{field}.autoDeploy"),
                    "a protected environment is never deployed by a push",
                ));
            }
            if auto_deploy && e.branch.is_none() {
                return Err(DomainError::invalid(
                    format!("{field}.autoDeploy"),
                    "auto-deploy needs a branch to track",
                ));
            }
            environments.push(Environment {
                app: req.name.clone(),
                name: e.name.clone(),
                position: i as u32,
                branch: e.branch.clone(),
                auto_deploy,
                protected,
                tests_enabled: e.tests_enabled.unwrap_or(false),
                state: EnvState::Empty,
                current_deployment: None,
                current_commit: None,
                running_deployment: None,
                queued_deployment: None,
                variables: BTreeMap::new(),
                secret_names: Vec::new(),
                settings: Settings::default(),
                version: 1,
            });
        }
        if self.store.get_app(&req.name).await?.is_some() {
            return Err(DomainError::Conflict(format!(
                "an app named {:?} already exists",
                req.name
            )));
        }
        self.source.check(&req.repository).await.map_err(|e| {
            DomainError::invalid("repository", format!("repository cannot be read: {e}"))
        })?;
        // Heads that exist now count as seen: registering an app deploys nothing.
        let branch_heads = match &req.repository {
            crate::model::Repository::Local { .. } => {
                self.source.branch_heads(&req.repository).await?
            }
            crate::model::Repository::Github { .. } => BTreeMap::new(),
        };
        let app = App {
            name: req.name.clone(),
            repository: req.repository,
            settings: req.settings,
            branch_heads,
            created_at: self.clock.now(),
            version: 1,
        };
        let mut writes = vec![Write::PutApp(app.clone(), Expect::Absent)];
        writes.extend(
            environments
                .iter()
                .map(|e| Write::PutEnvironment(e.clone(), Expect::Absent)),
        );
        match self.store.commit(writes).await {
            Ok(()) => Ok((app, environments)),
            Err(crate::error::StoreError::Conflict) => Err(DomainError::Conflict(format!(
                "an app named {:?} already exists",
                app.name
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_app(&self, name: &str) -> Result<(App, Vec<Environment>), DomainError> {
        let app = self
            .store
            .get_app(name)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("no app named {name:?}")))?;
        let envs = self.store.list_environments(name).await?;
        Ok((app, envs))
    }

    pub async fn list_apps(&self) -> Result<Vec<(App, Vec<Environment>)>, DomainError> {
        let mut out = Vec::new();
        for app in self.store.list_apps().await? {
            let envs = self.store.list_environments(&app.name).await?;
            out.push((app, envs));
        }
        Ok(out)
    }

    pub async fn update_app_settings(
        &self,
        name: &str,
        patch: SettingsPatch,
    ) -> Result<(App, Vec<Environment>), DomainError> {
        validate_settings_patch("settings", &patch)?;
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let (mut app, envs) = self.get_app(name).await?;
            let expected = app.version;
            app.settings = apply_settings_patch(&app.settings, &patch);
            match self
                .store
                .commit(vec![Write::PutApp(app.clone(), Expect::Version(expected))])
                .await
            {
                Ok(()) => {
                    app.version += 1;
                    return Ok((app, envs));
                }
                Err(crate::error::StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Busy("app"))
    }

    /// Records new branch heads of an app (local repository watcher); returns the pushes to
    /// raise, or nothing if another writer recorded them first.
    pub async fn record_branch_heads(
        &self,
        app: &App,
        heads: BTreeMap<String, String>,
    ) -> Result<Vec<String>, DomainError> {
        let changed: Vec<String> = heads
            .iter()
            .filter(|(b, sha)| app.branch_heads.get(*b) != Some(*sha))
            .map(|(b, _)| b.clone())
            .collect();
        let mut updated = app.clone();
        updated.branch_heads = heads;
        match self
            .store
            .commit(vec![Write::PutApp(updated, Expect::Version(app.version))])
            .await
        {
            Ok(()) => Ok(changed),
            Err(crate::error::StoreError::Conflict) => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_app(&self, name: &str) -> Result<(), DomainError> {
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let (app, envs) = self.get_app(name).await?;
            if let Some(e) = envs.iter().find(|e| {
                e.current_deployment.is_some()
                    || e.running_deployment.is_some()
                    || e.queued_deployment.is_some()
            }) {
                return Err(DomainError::Conflict(format!(
                    "app {name:?} cannot be deleted while environment {:?} is deployed or \
                     deploying; tear it down first",
                    e.name
                )));
            }
            let mut writes = vec![Write::DeleteApp {
                name: app.name.clone(),
                version: app.version,
            }];
            writes.extend(envs.iter().map(|e| Write::DeleteEnvironment {
                app: e.app.clone(),
                name: e.name.clone(),
                version: e.version,
            }));
            match self.store.commit(writes).await {
                Ok(()) => {
                    for e in &envs {
                        self.secrets.delete_all(name, &e.name).await?;
                    }
                    return Ok(());
                }
                Err(crate::error::StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Busy("app"))
    }

    // ----- environments ---------------------------------------------------------------------

    pub async fn get_environment(&self, app: &str, env: &str) -> Result<Environment, DomainError> {
        if self.store.get_app(app).await?.is_none() {
            return Err(DomainError::NotFound(format!("no app named {app:?}")));
        }
        self.store.get_environment(app, env).await?.ok_or_else(|| {
            DomainError::NotFound(format!("app {app:?} has no environment named {env:?}"))
        })
    }

    pub async fn update_environment(
        &self,
        app: &str,
        env: &str,
        patch: EnvironmentPatch,
    ) -> Result<Environment, DomainError> {
        if let Some(Some(b)) = &patch.branch {
            validate::branch("branch", b)?;
        }
        for (field, map) in [("variables", &patch.variables), ("secrets", &patch.secrets)] {
            for (name, value) in map.iter().flatten() {
                validate::variable_name(&format!("{field}.{name}"), name)?;
                match (field, value) {
                    (_, None) => {}
                    ("secrets", Some(v)) => validate::secret_value(&format!("{field}.{name}"), v)?,
                    (_, Some(v)) => validate::variable_value(&format!("{field}.{name}"), v)?,
                }
            }
        }
        if let Some(s) = &patch.settings {
            validate_settings_patch("settings", s)?;
        }
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let mut e = self.get_environment(app, env).await?;
            let expected = e.version;
            if let Some(branch) = &patch.branch {
                e.branch = branch.clone();
            }
            if let Some(auto) = patch.auto_deploy {
                e.auto_deploy = auto;
            }
            if e.auto_deploy && e.protected {
                return Err(DomainError::invalid(
                    "autoDeploy",
                    format!("{env} is protected: only a promotion or rollback deploys it"),
                ));
            }
            if e.auto_deploy && e.branch.is_none() {
                return Err(DomainError::invalid(
                    "autoDeploy",
                    "auto-deploy needs a branch to track",
                ));
            }
            if let Some(t) = patch.tests_enabled {
                e.tests_enabled = t;
            }
            if let Some(vars) = &patch.variables {
                for (k, v) in vars {
                    match v {
                        Some(v) => e.variables.insert(k.clone(), v.clone()),
                        None => e.variables.remove(k),
                    };
                }
            }
            if let Some(s) = &patch.settings {
                e.settings = apply_settings_patch(&e.settings, s);
            }
            // Every check before the first write: a refused change leaves no secret behind.
            let mut secret_names: std::collections::BTreeSet<&str> =
                e.secret_names.iter().map(String::as_str).collect();
            for (name, value) in patch.secrets.iter().flatten() {
                if e.variables.contains_key(name) && value.is_some() {
                    return Err(DomainError::invalid(
                        "secrets",
                        "a name cannot be both a variable and a secret",
                    ));
                }
                match value {
                    Some(_) => secret_names.insert(name),
                    None => secret_names.remove(name.as_str()),
                };
            }
            if e.variables
                .keys()
                .any(|k| secret_names.contains(k.as_str()))
            {
                return Err(DomainError::invalid(
                    "variables",
                    "a name cannot be both a variable and a secret",
                ));
            }
            validate::variables_total(
                "variables",
                e.variables.iter(),
                validate::MAX_VARIABLES,
                validate::MAX_VARIABLES_BYTES,
            )?;
            if secret_names.len() > validate::MAX_VARIABLES {
                return Err(DomainError::invalid(
                    "secrets",
                    format!(
                        "{} secrets; at most {} are allowed",
                        secret_names.len(),
                        validate::MAX_VARIABLES
                    ),
                ));
            }
            if let Some(secrets) = &patch.secrets {
                self.check_app_secrets_fit(app, env, secrets).await?;
                // Secret values go to the secret store first; the environment keeps names only.
                e.secret_names = self.secrets.update(app, env, secrets.clone()).await?;
            }
            match self
                .store
                .commit(vec![Write::PutEnvironment(
                    e.clone(),
                    Expect::Version(expected),
                )])
                .await
            {
                Ok(()) => {
                    e.version += 1;
                    return Ok(e);
                }
                Err(crate::error::StoreError::Conflict) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(DomainError::Busy("environment"))
    }

    /// All of an app's secrets share one secret on AWS: the change must leave them within it.
    async fn check_app_secrets_fit(
        &self,
        app: &str,
        env: &str,
        change: &BTreeMap<String, Option<String>>,
    ) -> Result<(), DomainError> {
        let mut bytes = 0;
        for other in self.store.list_environments(app).await? {
            let mut values = self.secrets.get(app, &other.name).await?;
            if other.name == env {
                for (name, value) in change {
                    match value {
                        Some(v) => values.insert(name.clone(), v.clone()),
                        None => values.remove(name),
                    };
                }
            }
            // As stored: JSON, escapes included.
            bytes += other.name.len() + 4 + serde_json::to_string(&values).map_or(0, |j| j.len());
        }
        if bytes > validate::MAX_APP_SECRETS_BYTES {
            return Err(DomainError::invalid(
                "secrets",
                format!(
                    "the app's secrets would take about {bytes} bytes; all of an app's secrets \
                     must fit in {} (one Secrets Manager secret per app)",
                    validate::MAX_APP_SECRETS_BYTES
                ),
            ));
        }
        Ok(())
    }

    // ----- starting deployments -------------------------------------------------------------

    /// A manual deploy of the tracked branch head, or of `reference`.
    pub async fn deploy(
        &self,
        app: &str,
        env: &str,
        reference: Option<&str>,
    ) -> Result<Deployment, DomainError> {
        let (app_rec, _) = self.get_app(app).await?;
        let e = self.get_environment(app, env).await?;
        if e.protected {
            return Err(DomainError::Conflict(format!(
                "{env} is protected: only a promotion or rollback deploys it"
            )));
        }
        let reference = match reference {
            Some(r) => {
                validate::reference("ref", r)?;
                r.to_string()
            }
            None => e.branch.clone().ok_or_else(|| {
                DomainError::invalid(
                    "ref",
                    format!("{env} tracks no branch: give the ref to deploy"),
                )
            })?,
        };
        let commit = self
            .source
            .resolve(&app_rec.repository, &reference)
            .await
            .map_err(|err| match err {
                crate::error::SourceError::NotFound(m) => DomainError::invalid("ref", m),
                other => other.into(),
            })?;
        self.enqueue(
            &app_rec,
            env,
            DeploymentKind::Deploy,
            Trigger::Manual,
            commit,
            Origin::Fresh,
        )
        .await
    }

    /// Deploys `env`'s last succeeded commit to the next environment of the pipeline.
    pub async fn promote(&self, app: &str, env: &str) -> Result<Deployment, DomainError> {
        let (app_rec, envs) = self.get_app(app).await?;
        let source = envs.iter().find(|e| e.name == env).ok_or_else(|| {
            DomainError::NotFound(format!("app {app:?} has no environment named {env:?}"))
        })?;
        let target = envs
            .iter()
            .find(|e| e.position > source.position)
            .ok_or_else(|| {
                DomainError::Conflict(format!(
                    "{env} is the last environment of the pipeline: there is nothing to \
                     promote to"
                ))
            })?;
        let (Some(dep_id), Some(commit)) = (&source.current_deployment, &source.current_commit)
        else {
            return Err(DomainError::Conflict(format!(
                "{env} has no succeeded deployment to promote"
            )));
        };
        self.enqueue(
            &app_rec,
            &target.name,
            DeploymentKind::Deploy,
            Trigger::Promote,
            commit.clone(),
            Origin::PromotedFrom(dep_id.clone()),
        )
        .await
    }

    /// Redeploys the commit and configuration of an earlier succeeded deployment.
    pub async fn rollback(
        &self,
        app: &str,
        env: &str,
        deployment_id: &str,
    ) -> Result<Deployment, DomainError> {
        let (app_rec, _) = self.get_app(app).await?;
        self.get_environment(app, env).await?;
        let earlier = self
            .store
            .get_deployment(deployment_id)
            .await?
            .filter(|d| d.app == app && d.environment == env)
            .ok_or_else(|| {
                DomainError::invalid(
                    "deploymentId",
                    format!("{env} has no deployment {deployment_id:?}"),
                )
            })?;
        if earlier.kind != DeploymentKind::Deploy || earlier.status != DeploymentStatus::Succeeded {
            return Err(DomainError::Conflict(format!(
                "deployment {deployment_id} is a {} that {}: only a succeeded deploy can be \
                 rolled back to",
                match earlier.kind {
                    DeploymentKind::Deploy => "deploy",
                    DeploymentKind::Teardown => "teardown",
                },
                earlier.status.as_str()
            )));
        }
        self.enqueue(
            &app_rec,
            env,
            DeploymentKind::Deploy,
            Trigger::Rollback,
            earlier.commit.clone(),
            Origin::RollbackOf(Box::new(earlier)),
        )
        .await
    }

    /// Runs the remove command for what the environment has deployed.
    pub async fn teardown(&self, app: &str, env: &str) -> Result<Deployment, DomainError> {
        let (app_rec, _) = self.get_app(app).await?;
        let e = self.get_environment(app, env).await?;
        let commit = match (&e.current_commit, e.state) {
            (Some(c), _) => c.clone(),
            _ => {
                return Err(DomainError::Conflict(format!(
                    "{env} has nothing deployed to tear down"
                )));
            }
        };
        self.enqueue(
            &app_rec,
            env,
            DeploymentKind::Teardown,
            Trigger::Manual,
            commit,
            Origin::Fresh,
        )
        .await
    }

    /// A push: queue a deployment in every auto-deploy environment that tracks the branch.
    /// Protected environments are never deployed by a push.
    pub async fn handle_push(&self, push: PushEvent) -> Result<Vec<Deployment>, DomainError> {
        let mut created = Vec::new();
        for app in self.store.list_apps().await? {
            if app.repository.key() != push.repository_key
                || push.only_app.as_ref().is_some_and(|only| *only != app.name)
            {
                continue;
            }
            for e in self.store.list_environments(&app.name).await? {
                if e.auto_deploy
                    && !e.protected
                    && e.branch.as_deref() == Some(&push.branch)
                    && let Some(d) = self
                        .enqueue_push(&app, &e.name, push.commit.clone())
                        .await?
                {
                    created.push(d);
                }
            }
        }
        Ok(created)
    }

    /// Queues a deployment; an older queued one is superseded. Then starts it if the
    /// environment is free.
    async fn enqueue(
        &self,
        app: &App,
        env: &str,
        kind: DeploymentKind,
        trigger: Trigger,
        commit: Commit,
        origin: Origin,
    ) -> Result<Deployment, DomainError> {
        let id = self.new_id();
        let commit = validate::commit(commit);
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let mut e = self.get_environment(&app.name, env).await?;
            let config = match &origin {
                Origin::RollbackOf(d) => d.config.clone(),
                _ => snapshot(app, &e),
            };
            let mut dep = Deployment {
                id: id.clone(),
                app: app.name.clone(),
                environment: env.to_string(),
                kind,
                trigger,
                commit: commit.clone(),
                status: DeploymentStatus::Queued,
                created_at: self.clock.now(),
                started_at: None,
                finished_at: None,
                error: None,
                outputs: Default::default(),
                promoted_from: match &origin {
                    Origin::PromotedFrom(p) => Some(p.clone()),
                    _ => None,
                },
                rollback_of: match &origin {
                    Origin::RollbackOf(d) => Some(d.id.clone()),
                    _ => None,
                },
                config,
                runner: None,
                cancel_requested: false,
                version: 0,
            };
            let mut writes = vec![Write::PutDeployment(dep.clone(), Expect::Absent)];
            let mut superseded = None;
            if let Some(old_id) = &e.queued_deployment
                && let Some(mut old) = self.store.get_deployment(old_id).await?
                && old.status == DeploymentStatus::Queued
            {
                let v = old.version;
                old.status = DeploymentStatus::Cancelled;
                old.finished_at = Some(self.clock.now());
                old.error = Some(format!("superseded by {id}"));
                writes.push(Write::PutDeployment(old.clone(), Expect::Version(v)));
                old.version = v + 1;
                superseded = Some(old);
            }
            let v = e.version;
            e.queued_deployment = Some(id.clone());
            writes.push(Write::PutEnvironment(e, Expect::Version(v)));
            match self.store.commit(writes).await {
                Ok(()) => {
                    dep.version = 1;
                    if let Some(old) = superseded {
                        self.publish(&old).await;
                    }
                    self.publish(&dep).await;
                    self.dispatch(&app.name, env).await?;
                    return Ok(self.store.get_deployment(&id).await?.unwrap_or(dep));
                }
                Err(crate::error::StoreError::Conflict) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(DomainError::Busy("environment"))
    }

    /// Starts the queued deployment of an environment if nothing runs there.
    pub async fn dispatch(&self, app: &str, env: &str) -> Result<(), DomainError> {
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let Some(mut e) = self.store.get_environment(app, env).await? else {
                return Ok(());
            };
            if e.running_deployment.is_some() {
                return Ok(());
            }
            let Some(queued) = e.queued_deployment.clone() else {
                return Ok(());
            };
            let Some(mut dep) = self.store.get_deployment(&queued).await? else {
                return Err(DomainError::Internal(format!(
                    "queued deployment {queued} is missing"
                )));
            };
            let ev = e.version;
            let dv = dep.version;
            e.queued_deployment = None;
            let starts = dep.status == DeploymentStatus::Queued;
            if starts {
                e.running_deployment = Some(dep.id.clone());
                e.state = match dep.kind {
                    DeploymentKind::Deploy => EnvState::Deploying,
                    DeploymentKind::Teardown => EnvState::Removing,
                };
                dep.status = DeploymentStatus::Running;
                dep.started_at = Some(self.clock.now());
            }
            let mut writes = vec![Write::PutEnvironment(e, Expect::Version(ev))];
            if starts {
                writes.push(Write::PutDeployment(dep.clone(), Expect::Version(dv)));
            }
            match self.store.commit(writes).await {
                Ok(()) => {}
                Err(crate::error::StoreError::Conflict) => continue,
                Err(err) => return Err(err.into()),
            }
            if !starts {
                continue;
            }
            dep.version = dv + 1;
            self.publish(&dep).await;
            self.launch(dep).await?;
            return Ok(());
        }
        Err(DomainError::Busy("environment"))
    }

    /// Boxed because it closes a cycle: a failed launch finishes the deployment, which
    /// dispatches the next one, which launches again.
    fn launch(
        &self,
        dep: Deployment,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DomainError>> + Send + '_>>
    {
        Box::pin(async move {
            let app = self.store.get_app(&dep.app).await?;
            let launched = match app {
                Some(app) => {
                    self.launcher
                        .launch(RunnerJob::for_deployment(&dep, &app.repository))
                        .await
                }
                None => Err(crate::error::LaunchError("the app was deleted".into())),
            };
            match launched {
                Ok(runner) => {
                    self.update_deployment(&dep.id, |d| {
                        d.runner = Some(runner.clone());
                        true
                    })
                    .await?;
                    Ok(())
                }
                Err(err) => {
                    tracing::error!(deployment = %dep.id, "runner launch failed: {err}");
                    self.finish(
                        &dep.id,
                        RunnerOutcome::Failed {
                            reason: format!("could not start the build runner: {err}"),
                        },
                    )
                    .await
                }
            }
        })
    }

    // ----- ending deployments ---------------------------------------------------------------

    /// Cancels a queued deployment at once, or asks a running one's runner to stop.
    pub async fn cancel(&self, id: &str) -> Result<Deployment, DomainError> {
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let mut dep = self.require_deployment(id).await?;
            match dep.status {
                DeploymentStatus::Queued => {
                    let mut e = self.get_environment(&dep.app, &dep.environment).await?;
                    let (dv, ev) = (dep.version, e.version);
                    dep.status = DeploymentStatus::Cancelled;
                    dep.finished_at = Some(self.clock.now());
                    dep.error = Some("cancelled by a user".into());
                    let mut writes = vec![Write::PutDeployment(dep.clone(), Expect::Version(dv))];
                    if e.queued_deployment.as_deref() == Some(id) {
                        e.queued_deployment = None;
                        writes.push(Write::PutEnvironment(e, Expect::Version(ev)));
                    }
                    match self.store.commit(writes).await {
                        Ok(()) => {
                            dep.version = dv + 1;
                            self.publish(&dep).await;
                            return Ok(dep);
                        }
                        Err(crate::error::StoreError::Conflict) => continue,
                        Err(err) => return Err(err.into()),
                    }
                }
                DeploymentStatus::Running => {
                    let dep = self
                        .update_deployment(id, |d| {
                            if d.status != DeploymentStatus::Running || d.cancel_requested {
                                return false;
                            }
                            d.cancel_requested = true;
                            true
                        })
                        .await?;
                    if let Some(runner) = &dep.runner
                        && let Err(err) = self.launcher.stop(runner).await
                    {
                        tracing::warn!(deployment = %id, "stopping runner failed: {err}");
                    }
                    return Ok(dep);
                }
                status => {
                    return Err(DomainError::Conflict(format!(
                        "deployment {id} has already {}",
                        status.as_str()
                    )));
                }
            }
        }
        Err(DomainError::Busy("deployment"))
    }

    /// A runner ended. The outcome decides the deployment's status; a failure never changes
    /// the environment's current deployment. Then the next queued deployment starts.
    pub async fn finish(&self, id: &str, outcome: RunnerOutcome) -> Result<(), DomainError> {
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let mut dep = self.require_deployment(id).await?;
            if dep.status.is_terminal() {
                return Ok(());
            }
            let Some(mut e) = self
                .store
                .get_environment(&dep.app, &dep.environment)
                .await?
            else {
                return Err(DomainError::Internal(format!(
                    "environment of deployment {id} is missing"
                )));
            };
            let (dv, ev) = (dep.version, e.version);
            let now = self.clock.now();
            dep.finished_at = Some(now);
            if dep.started_at.is_none() {
                dep.started_at = Some(now);
            }
            match &outcome {
                RunnerOutcome::Succeeded { outputs } => {
                    dep.status = DeploymentStatus::Succeeded;
                    dep.outputs = outputs.clone();
                    match dep.kind {
                        DeploymentKind::Deploy => {
                            e.state = EnvState::Deployed;
                            e.current_deployment = Some(dep.id.clone());
                            e.current_commit = Some(dep.commit.clone());
                        }
                        DeploymentKind::Teardown => {
                            e.state = EnvState::Removed;
                            e.current_deployment = None;
                            e.current_commit = None;
                        }
                    }
                }
                RunnerOutcome::Failed { reason } => {
                    if dep.cancel_requested {
                        dep.status = DeploymentStatus::Cancelled;
                        dep.error = Some("cancelled by a user".into());
                        e.state = if e.current_deployment.is_some() {
                            EnvState::Deployed
                        } else {
                            EnvState::Empty
                        };
                    } else {
                        dep.status = DeploymentStatus::Failed;
                        dep.error = Some(reason.clone());
                        e.state = EnvState::Failed;
                    }
                }
            }
            if e.running_deployment.as_deref() == Some(id) {
                e.running_deployment = None;
            }
            if e.queued_deployment.as_deref() == Some(id) {
                e.queued_deployment = None;
            }
            match self
                .store
                .commit(vec![
                    Write::PutDeployment(dep.clone(), Expect::Version(dv)),
                    Write::PutEnvironment(e, Expect::Version(ev)),
                ])
                .await
            {
                Ok(()) => {
                    dep.version = dv + 1;
                    self.publish(&dep).await;
                    return self.dispatch(&dep.app, &dep.environment).await;
                }
                Err(crate::error::StoreError::Conflict) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(DomainError::Busy("deployment"))
    }

    /// Gives up on a deployment whose runner stopped reporting: its runner is asked to stop
    /// and the deployment fails with `reason`.
    pub async fn abandon(&self, id: &str, reason: String) -> Result<(), DomainError> {
        let dep = self.require_deployment(id).await?;
        if let Some(runner) = &dep.runner
            && let Err(e) = self.launcher.stop(runner).await
        {
            tracing::warn!(deployment = %id, "stopping an abandoned runner failed: {e}");
        }
        self.finish(id, RunnerOutcome::Failed { reason }).await
    }

    /// After a restart of a process-bound launcher: every running deployment whose runner is
    /// not alive is failed, and queued ones are started.
    pub async fn recover(
        &self,
        runner_alive: impl Fn(&Deployment) -> bool,
    ) -> Result<(), DomainError> {
        for dep in self.store.list_active_deployments().await? {
            match dep.status {
                DeploymentStatus::Running if !runner_alive(&dep) => {
                    self.finish(
                        &dep.id,
                        RunnerOutcome::Failed {
                            reason: "the build runner was lost (the server stopped while it ran)"
                                .into(),
                        },
                    )
                    .await?
                }
                DeploymentStatus::Queued => self.settle_queued(&dep).await?,
                _ => {}
            }
        }
        Ok(())
    }

    // ----- reading --------------------------------------------------------------------------

    pub async fn require_deployment(&self, id: &str) -> Result<Deployment, DomainError> {
        self.store
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
            .store
            .list_deployments(app, env, limit.clamp(1, 200), before)
            .await?)
    }

    // ----- helpers --------------------------------------------------------------------------

    /// Read-modify-write of one deployment; `change` returns false to leave it as it is.
    async fn update_deployment(
        &self,
        id: &str,
        change: impl Fn(&mut Deployment) -> bool,
    ) -> Result<Deployment, DomainError> {
        for attempt in 0..MAX_ATTEMPTS {
            push::backoff(attempt).await;
            let mut dep = self.require_deployment(id).await?;
            let v = dep.version;
            if !change(&mut dep) {
                return Ok(dep);
            }
            match self
                .store
                .commit(vec![Write::PutDeployment(dep.clone(), Expect::Version(v))])
                .await
            {
                Ok(()) => {
                    dep.version = v + 1;
                    return Ok(dep);
                }
                Err(crate::error::StoreError::Conflict) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(DomainError::Busy("deployment"))
    }

    async fn publish(&self, dep: &Deployment) {
        self.notifier
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

fn validate_repository(repo: &crate::model::Repository) -> Result<(), DomainError> {
    match repo {
        crate::model::Repository::Local { path } => {
            if path.trim().is_empty() {
                return Err(DomainError::invalid("repository.path", "path is empty"));
            }
            if !path.starts_with('/') {
                return Err(DomainError::invalid(
                    "repository.path",
                    "path must be absolute",
                ));
            }
        }
        crate::model::Repository::Github { full_name, .. } => {
            let parts: Vec<&str> = full_name.split('/').collect();
            let part_ok = |p: &str| {
                !p.is_empty()
                    && p.len() <= 100
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            };
            if parts.len() != 2 || !parts.iter().all(|p| part_ok(p)) {
                return Err(DomainError::invalid(
                    "repository.fullName",
                    format!("{full_name:?} is not of the form owner/repo"),
                ));
            }
        }
    }
    Ok(())
}

fn validate_settings(field: &str, s: &Settings) -> Result<(), DomainError> {
    for (name, value) in [
        ("installCommand", &s.install_command),
        ("testCommand", &s.test_command),
        ("deployCommand", &s.deploy_command),
        ("removeCommand", &s.remove_command),
    ] {
        if let Some(v) = value {
            validate::command(&format!("{field}.{name}"), v)?;
        }
    }
    if let Some(t) = s.timeout_minutes {
        validate::timeout_minutes(&format!("{field}.timeoutMinutes"), t)?;
    }
    if let Some(arn) = &s.deploy_role_arn {
        validate::role_arn(&format!("{field}.deployRoleArn"), arn)?;
    }
    Ok(())
}

fn validate_settings_patch(field: &str, p: &SettingsPatch) -> Result<(), DomainError> {
    validate_settings(field, &apply_settings_patch(&Settings::default(), p))
}

fn apply_settings_patch(s: &Settings, p: &SettingsPatch) -> Settings {
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
