//! Ending deployments: cancel, the runner's outcome, abandoning a lost run, recovery after a
//! restart.

use super::*;
use crate::cache::CacheReport;

impl Pipeline {
    // ----- ending deployments ---------------------------------------------------------------

    /// Cancels a queued deployment at once, or asks a running one's runner to stop.
    pub async fn cancel(&self, id: &str) -> Result<Deployment, DomainError> {
        // `Some`: a queued deployment, cancelled here; `None`: a running one, whose runner
        // is asked to stop below.
        let cancelled = self
            .commit_with_retry("deployment", move || async move {
                let mut dep = self.require_deployment(id).await?;
                match dep.status {
                    DeploymentStatus::Queued | DeploymentStatus::AwaitingApproval => {
                        let mut e = self.get_environment(&dep.app, &dep.environment).await?;
                        let (dv, ev) = (dep.version, e.version);
                        dep.status = DeploymentStatus::Cancelled;
                        dep.finished_at = Some(self.ports.clock.now());
                        dep.error = Some("cancelled by a user".into());
                        let mut writes =
                            vec![Write::PutDeployment(dep.clone(), Expect::Version(dv))];
                        if e.queued_deployment.as_deref() == Some(id) {
                            e.queued_deployment = None;
                            writes.push(Write::PutEnvironment(e, Expect::Version(ev)));
                        }
                        dep.version = dv + 1;
                        Ok(Attempt::Write(writes, Some(dep)))
                    }
                    DeploymentStatus::Running => Ok(Attempt::Done(None)),
                    status => Err(DomainError::Conflict(format!(
                        "deployment {id} has already {}",
                        status.as_str()
                    ))),
                }
            })
            .await?;
        if let Some(dep) = cancelled {
            self.publish(&dep).await;
            return Ok(dep);
        }
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
            && let Err(err) = self.ports.launcher.stop(runner).await
        {
            tracing::warn!(deployment = %id, "stopping runner failed: {err}");
        }
        Ok(dep)
    }

    /// A runner ended. The outcome decides the deployment's status; a failure never changes
    /// the environment's current deployment. Then the next queued deployment starts.
    pub async fn finish(&self, id: &str, outcome: RunnerOutcome) -> Result<(), DomainError> {
        self.finish_run(id, outcome, None).await
    }

    /// [`Pipeline::finish`] for a runner that said what its dependency cache did.
    pub async fn finish_run(
        &self,
        id: &str,
        outcome: RunnerOutcome,
        cache: Option<CacheReport>,
    ) -> Result<(), DomainError> {
        let outcome = &outcome;
        let cache = &cache;
        let ended = self
            .commit_with_retry("deployment", move || async move {
                let mut dep = self.require_deployment(id).await?;
                if dep.status.is_terminal() {
                    return Ok(Attempt::Done(None));
                }
                let Some(mut e) = self
                    .ports
                    .store
                    .get_environment(&dep.app, &dep.environment)
                    .await?
                else {
                    return Err(DomainError::Internal(format!(
                        "environment of deployment {id} is missing"
                    )));
                };
                let (dv, ev) = (dep.version, e.version);
                let now = self.ports.clock.now();
                dep.finished_at = Some(now);
                dep.cache = cache.clone();
                if dep.started_at.is_none() {
                    dep.started_at = Some(now);
                }
                match outcome {
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
                let writes = vec![
                    Write::PutDeployment(dep.clone(), Expect::Version(dv)),
                    Write::PutEnvironment(e, Expect::Version(ev)),
                ];
                dep.version = dv + 1;
                Ok(Attempt::Write(writes, Some(dep)))
            })
            .await?;
        let Some(dep) = ended else {
            return Ok(());
        };
        self.publish(&dep).await;
        self.dispatch(&dep.app, &dep.environment).await?;
        // A closed pull request's preview goes once it is torn down.
        if dep.kind == DeploymentKind::Teardown
            && dep.status == DeploymentStatus::Succeeded
            && let Some(e) = self
                .ports
                .store
                .get_environment(&dep.app, &dep.environment)
                .await?
            && e.preview.as_ref().is_some_and(|p| p.closed)
        {
            self.remove_closed_preview(&dep.app, &dep.environment)
                .await?;
        }
        Ok(())
    }

    /// Gives up on a deployment whose runner stopped reporting: its runner is asked to stop
    /// and the deployment fails with `reason`.
    pub async fn abandon(&self, id: &str, reason: String) -> Result<(), DomainError> {
        let dep = self.require_deployment(id).await?;
        if let Some(runner) = &dep.runner
            && let Err(e) = self.ports.launcher.stop(runner).await
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
        for dep in self.ports.store.list_active_deployments().await? {
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

    /// The backstop pass (run on a schedule on AWS): fails running deployments stuck past
    /// their timeout plus [`SWEEP_GRACE`], puts recorded pushes in line, and starts queued
    /// deployments whose environment is free. One deployment it cannot handle never stops the
    /// rest: what failed is listed, and the next pass tries again.
    pub async fn sweep(&self, now: crate::model::Timestamp) -> Result<SweepSummary, DomainError> {
        let mut summary = SweepSummary::default();
        let mut queued_envs = std::collections::BTreeSet::new();
        for d in self.ports.store.list_active_deployments().await? {
            match d.status {
                DeploymentStatus::Running => {
                    let Some(reason) = overdue(&d, now) else {
                        continue;
                    };
                    match self.abandon(&d.id, reason).await {
                        Ok(()) => summary.failed.push(d.id),
                        Err(e) => summary.errors.push(format!("ending {}: {e}", d.id)),
                    }
                }
                DeploymentStatus::Queued => {
                    // A push recorded under contention is put in line (or superseded) here.
                    if let Err(e) = self.settle_queued(&d).await {
                        summary.errors.push(format!("settling {}: {e}", d.id));
                    }
                    queued_envs.insert((d.app, d.environment));
                }
                _ => {}
            }
        }
        for (app, env) in queued_envs {
            match self.dispatch(&app, &env).await {
                Ok(()) => summary.dispatched += 1,
                Err(e) => summary.errors.push(format!("starting {app}/{env}: {e}")),
            }
        }
        Ok(summary)
    }
}

/// How long past its timeout a running deployment may go before the sweeper ends it (the
/// runner enforces the timeout itself; this is the backstop).
pub const SWEEP_GRACE: time::Duration = time::Duration::minutes(10);

/// What a sweep pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepSummary {
    pub failed: Vec<String>,
    pub dispatched: usize,
    /// What could not be done this time (the next run tries again); one broken deployment
    /// never stops the rest of the pass.
    pub errors: Vec<String>,
}

/// Why a running deployment is overdue at `now`, if it is.
pub fn overdue(d: &Deployment, now: crate::model::Timestamp) -> Option<String> {
    let limit = time::Duration::minutes(i64::from(d.config.timeout_minutes));
    let started = d.started_at.unwrap_or(d.created_at);
    (now - started > limit + SWEEP_GRACE).then(|| {
        format!(
            "timed out: the runner did not report within {} min",
            d.config.timeout_minutes
        )
    })
}
