//! Apps: creation with their pipeline of environments, settings, branch heads, deletion.

use super::*;

impl Pipeline {
    // ----- apps -----------------------------------------------------------------------------

    pub async fn create_app(&self, req: NewApp) -> Result<(App, Vec<Environment>), DomainError> {
        validate::slug("name", &req.name)?;
        validate::repository(&req.repository)?;
        validate::settings("settings", &req.settings)?;
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
                requires_approval: false,
                preview: None,
                tests_enabled: e.tests_enabled.unwrap_or(false),
                dependency_cache: true,
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
        if self.ports.store.get_app(&req.name).await?.is_some() {
            return Err(DomainError::Conflict(format!(
                "an app named {:?} already exists",
                req.name
            )));
        }
        self.ports
            .source
            .check(&req.repository)
            .await
            .map_err(|e| {
                DomainError::invalid("repository", format!("repository cannot be read: {e}"))
            })?;
        // Heads that exist now count as seen: registering an app deploys nothing.
        let branch_heads = match &req.repository {
            crate::model::Repository::Local { .. } => {
                self.ports.source.branch_heads(&req.repository).await?
            }
            crate::model::Repository::Github { .. } => BTreeMap::new(),
        };
        let app = App {
            name: req.name.clone(),
            repository: req.repository,
            settings: req.settings,
            branch_heads,
            previews_from: None,
            created_at: self.ports.clock.now(),
            version: 1,
        };
        let mut writes = vec![Write::PutApp(app.clone(), Expect::Absent)];
        writes.extend(
            environments
                .iter()
                .map(|e| Write::PutEnvironment(e.clone(), Expect::Absent)),
        );
        match self.ports.store.commit(writes).await {
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
            .ports
            .store
            .get_app(name)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("no app named {name:?}")))?;
        let envs = self.ports.store.list_environments(name).await?;
        Ok((app, envs))
    }

    /// The branches of an app's repository and their heads, by name.
    pub async fn branches(&self, app: &str) -> Result<Vec<(String, String)>, DomainError> {
        let app = self.get_app(app).await?.0;
        let heads = self.ports.source.branch_heads(&app.repository).await?;
        Ok(heads.into_iter().collect())
    }

    pub async fn list_apps(&self) -> Result<Vec<(App, Vec<Environment>)>, DomainError> {
        let mut out = Vec::new();
        for app in self.ports.store.list_apps().await? {
            let envs = self.ports.store.list_environments(&app.name).await?;
            out.push((app, envs));
        }
        Ok(out)
    }

    pub async fn update_app_settings(
        &self,
        name: &str,
        patch: SettingsPatch,
    ) -> Result<(App, Vec<Environment>), DomainError> {
        validate::settings_patch("settings", &patch)?;
        let patch = &patch;
        self.commit_with_retry("app", move || async move {
            let (mut app, envs) = self.get_app(name).await?;
            let expected = app.version;
            app.settings = app.settings.patched(patch);
            let write = Write::PutApp(app.clone(), Expect::Version(expected));
            app.version += 1;
            Ok(Attempt::Write(vec![write], (app, envs)))
        })
        .await
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
            .ports
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
        let envs = self
            .commit_with_retry("app", move || async move {
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
                Ok(Attempt::Write(writes, envs))
            })
            .await?;
        for e in &envs {
            self.ports.secrets.delete_all(name, &e.name).await?;
        }
        Ok(())
    }
}
