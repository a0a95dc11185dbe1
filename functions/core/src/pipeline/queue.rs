//! The queue: one running and one queued deployment per environment; an older queued one is
//! superseded; the queued one starts when the environment is free.

use super::*;

impl Pipeline {
    /// Queues a deployment; an older queued one is superseded. Then starts it if the
    /// environment is free.
    pub(super) async fn enqueue(
        &self,
        app: &App,
        env: &str,
        (kind, trigger): (DeploymentKind, Trigger),
        commit: Commit,
        origin: Origin,
        requested_by: Option<&str>,
    ) -> Result<Deployment, DomainError> {
        let id = self.new_id();
        let commit = &validate::commit(commit);
        let (id, origin) = (&id, &origin);
        let (dep, superseded) = self
            .commit_with_retry("environment", move || async move {
                let mut e = self.get_environment(&app.name, env).await?;
                let config = match origin {
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
                    status: if e.requires_approval {
                        DeploymentStatus::AwaitingApproval
                    } else {
                        DeploymentStatus::Queued
                    },
                    created_at: self.ports.clock.now(),
                    started_at: None,
                    finished_at: None,
                    error: None,
                    outputs: Default::default(),
                    cache: None,
                    promoted_from: match origin {
                        Origin::PromotedFrom(p) => Some(p.clone()),
                        _ => None,
                    },
                    rollback_of: match origin {
                        Origin::RollbackOf(d) => Some(d.id.clone()),
                        _ => None,
                    },
                    config,
                    runner: None,
                    cancel_requested: false,
                    requested_by: requested_by.map(str::to_string),
                    approved_by: None,
                    version: 0,
                };
                let mut writes = vec![Write::PutDeployment(dep.clone(), Expect::Absent)];
                let mut superseded = None;
                if let Some(old_id) = &e.queued_deployment
                    && let Some(mut old) = self.ports.store.get_deployment(old_id).await?
                    && matches!(
                        old.status,
                        DeploymentStatus::Queued | DeploymentStatus::AwaitingApproval
                    )
                {
                    let v = old.version;
                    old.status = DeploymentStatus::Cancelled;
                    old.finished_at = Some(self.ports.clock.now());
                    old.error = Some(format!("superseded by {id}"));
                    writes.push(Write::PutDeployment(old.clone(), Expect::Version(v)));
                    old.version = v + 1;
                    superseded = Some(old);
                }
                let v = e.version;
                e.queued_deployment = Some(id.clone());
                writes.push(Write::PutEnvironment(e, Expect::Version(v)));
                dep.version = 1;
                Ok(Attempt::Write(writes, (dep, superseded)))
            })
            .await?;
        if let Some(old) = superseded {
            self.publish(&old).await;
        }
        self.publish(&dep).await;
        self.dispatch(&app.name, env).await?;
        Ok(self.ports.store.get_deployment(id).await?.unwrap_or(dep))
    }

    /// Starts the queued deployment of an environment if nothing runs there.
    pub async fn dispatch(&self, app: &str, env: &str) -> Result<(), DomainError> {
        /// What one look at the environment found to do.
        enum Step {
            Nothing,
            /// The queue pointed at a deployment that no longer waits: cleared, look again.
            Cleared,
            Start(Box<Deployment>),
        }
        loop {
            let step = self
                .commit_with_retry("environment", move || async move {
                    let Some(mut e) = self.ports.store.get_environment(app, env).await? else {
                        return Ok(Attempt::Done(Step::Nothing));
                    };
                    if e.running_deployment.is_some() {
                        return Ok(Attempt::Done(Step::Nothing));
                    }
                    let Some(queued) = e.queued_deployment.clone() else {
                        return Ok(Attempt::Done(Step::Nothing));
                    };
                    let Some(mut dep) = self.ports.store.get_deployment(&queued).await? else {
                        return Err(DomainError::Internal(format!(
                            "queued deployment {queued} is missing"
                        )));
                    };
                    // It waits for an admin: it keeps the slot, and nothing starts.
                    if dep.status == DeploymentStatus::AwaitingApproval {
                        return Ok(Attempt::Done(Step::Nothing));
                    }
                    let (ev, dv) = (e.version, dep.version);
                    e.queued_deployment = None;
                    if dep.status != DeploymentStatus::Queued {
                        let writes = vec![Write::PutEnvironment(e, Expect::Version(ev))];
                        return Ok(Attempt::Write(writes, Step::Cleared));
                    }
                    e.running_deployment = Some(dep.id.clone());
                    e.state = match dep.kind {
                        DeploymentKind::Deploy => EnvState::Deploying,
                        DeploymentKind::Teardown => EnvState::Removing,
                    };
                    dep.status = DeploymentStatus::Running;
                    dep.started_at = Some(self.ports.clock.now());
                    let writes = vec![
                        Write::PutEnvironment(e, Expect::Version(ev)),
                        Write::PutDeployment(dep.clone(), Expect::Version(dv)),
                    ];
                    dep.version = dv + 1;
                    Ok(Attempt::Write(writes, Step::Start(Box::new(dep))))
                })
                .await?;
            match step {
                Step::Nothing => return Ok(()),
                Step::Cleared => continue,
                Step::Start(dep) => {
                    self.publish(&dep).await;
                    return self.launch(*dep).await;
                }
            }
        }
    }

    /// Boxed because it closes a cycle: a failed launch finishes the deployment, which
    /// dispatches the next one, which launches again.
    pub(super) fn launch(
        &self,
        dep: Deployment,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DomainError>> + Send + '_>>
    {
        Box::pin(async move {
            let app = self.ports.store.get_app(&dep.app).await?;
            let launched = match app {
                Some(app) => {
                    let mut job = RunnerJob::for_deployment(&dep, &app.repository);
                    // A preview uses its base environment's secrets, read now (nothing is
                    // copied, so a rotation reaches it); a fork's gets none.
                    let env = self
                        .ports
                        .store
                        .get_environment(&dep.app, &dep.environment)
                        .await?;
                    // Read at launch, not from the snapshot: turning a broken cache off must
                    // also reach rollbacks and deployments already queued.
                    job.cache_wanted = env.as_ref().is_some_and(|e| e.dependency_cache);
                    if let Some(preview) = env.as_ref().and_then(|e| e.preview.as_ref()) {
                        job.secrets_from = if preview.fork {
                            Some(crate::job::SecretsFrom::Nowhere)
                        } else {
                            app.previews_from
                                .clone()
                                .map(crate::job::SecretsFrom::Environment)
                                .or(Some(crate::job::SecretsFrom::Nowhere))
                        };
                    }
                    self.ports.launcher.launch(job).await
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
}
