//! Starting deployments: manual deploy, promotion, rollback, teardown, and pushes.

use super::*;

impl Pipeline {
    // ----- starting deployments -------------------------------------------------------------

    /// A manual deploy of the tracked branch head, or of `reference`.
    pub async fn deploy(
        &self,
        app: &str,
        env: &str,
        reference: Option<&str>,
    ) -> Result<Deployment, DomainError> {
        self.deploy_as(app, env, reference, None).await
    }

    /// As [`Pipeline::deploy`], recording who asked.
    pub async fn deploy_as(
        &self,
        app: &str,
        env: &str,
        reference: Option<&str>,
        by: Option<&str>,
    ) -> Result<Deployment, DomainError> {
        let (app_rec, _) = self.get_app(app).await?;
        let e = self.get_environment(app, env).await?;
        if e.protected {
            return Err(DomainError::Conflict(format!(
                "{env} is protected: only a promotion or rollback deploys it"
            )));
        }
        if let Some(p) = &e.preview {
            // A fork's branch is not in this repository: what it deploys comes with the pull
            // request's events; a closed one is on its way out.
            if p.fork || p.closed {
                return Err(DomainError::Conflict(format!(
                    "{env} is the preview of pull request #{}{}: it deploys when the pull \
                     request is pushed to",
                    p.number,
                    if p.closed {
                        ", which is closed"
                    } else {
                        " from a fork"
                    }
                )));
            }
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
            .ports
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
            (DeploymentKind::Deploy, Trigger::Manual),
            commit,
            Origin::Fresh,
            by,
        )
        .await
    }

    /// Deploys `env`'s last succeeded commit to the next environment of the pipeline.
    pub async fn promote(&self, app: &str, env: &str) -> Result<Deployment, DomainError> {
        self.promote_as(app, env, None).await
    }

    /// As [`Pipeline::promote`], recording who asked.
    pub async fn promote_as(
        &self,
        app: &str,
        env: &str,
        by: Option<&str>,
    ) -> Result<Deployment, DomainError> {
        let (app_rec, envs) = self.get_app(app).await?;
        let source = envs.iter().find(|e| e.name == env).ok_or_else(|| {
            DomainError::NotFound(format!("app {app:?} has no environment named {env:?}"))
        })?;
        if source.preview.is_some() {
            return Err(DomainError::Conflict(format!(
                "{env} is a pull request's preview: previews are not promoted"
            )));
        }
        let target = envs
            .iter()
            .find(|e| e.position > source.position && e.preview.is_none())
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
            (DeploymentKind::Deploy, Trigger::Promote),
            commit.clone(),
            Origin::PromotedFrom(dep_id.clone()),
            by,
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
        self.rollback_as(app, env, deployment_id, None).await
    }

    /// As [`Pipeline::rollback`], recording who asked.
    pub async fn rollback_as(
        &self,
        app: &str,
        env: &str,
        deployment_id: &str,
        by: Option<&str>,
    ) -> Result<Deployment, DomainError> {
        let (app_rec, _) = self.get_app(app).await?;
        self.get_environment(app, env).await?;
        let earlier = self
            .ports
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
            (DeploymentKind::Deploy, Trigger::Rollback),
            earlier.commit.clone(),
            Origin::RollbackOf(Box::new(earlier)),
            by,
        )
        .await
    }

    /// Runs the remove command for what the environment has deployed.
    pub async fn teardown(&self, app: &str, env: &str) -> Result<Deployment, DomainError> {
        self.teardown_as(app, env, None).await
    }

    /// As [`Pipeline::teardown`], recording who asked.
    pub async fn teardown_as(
        &self,
        app: &str,
        env: &str,
        by: Option<&str>,
    ) -> Result<Deployment, DomainError> {
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
            (DeploymentKind::Teardown, Trigger::Manual),
            commit,
            Origin::Fresh,
            by,
        )
        .await
    }

    /// A push: queue a deployment in every auto-deploy environment that tracks the branch.
    /// Protected environments are never deployed by a push.
    pub async fn handle_push(&self, push: PushEvent) -> Result<Vec<Deployment>, DomainError> {
        let mut created = Vec::new();
        for app in self.ports.store.list_apps().await? {
            if app.repository.key() != push.repository_key
                || push.only_app.as_ref().is_some_and(|only| *only != app.name)
            {
                continue;
            }
            for e in self.ports.store.list_environments(&app.name).await? {
                if e.auto_deploy
                    && !e.protected
                    && e.branch.as_deref() == Some(&push.branch)
                    && let Some(d) = self
                        .enqueue_push(
                            &app,
                            &e.name,
                            push.commit.clone(),
                            push.pushed_by.as_deref(),
                        )
                        .await?
                {
                    created.push(d);
                }
            }
        }
        Ok(created)
    }
}
