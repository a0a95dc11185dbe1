//! Ending deployments: cancel, the runner's outcome, abandoning a lost run, recovery after a
//! restart.

use super::*;

impl Pipeline {
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
}
