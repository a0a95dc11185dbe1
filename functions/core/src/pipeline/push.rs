//! Pushes are automatic, frequent and concurrent; GitHub does not redeliver a refused one. So
//! a push is never refused for contention: when the environment keeps changing under it, it
//! is recorded on its own and put in line later (the sweeper, the local watcher). Between
//! pushes the newest received wins, whatever order their writes land in; a push never
//! replaces a queued deployment someone asked for (manual deploy, promotion, rollback,
//! teardown), and a commit already running or queued there is not queued again.

use super::*;

/// What becomes of a push in its environment.
enum Placement {
    /// It takes the queue slot (superseding an older queued push, if any).
    Queue,
    /// It is recorded as not deployed, with the reason.
    Skip(String),
    /// The same commit is already running or queued there: nothing to record.
    Duplicate,
}

fn describe(d: &Deployment) -> &'static str {
    match (d.kind, d.trigger) {
        (DeploymentKind::Teardown, _) => "teardown",
        (_, Trigger::Rollback) => "rollback",
        (_, Trigger::Promote) => "promotion",
        (_, Trigger::Manual) => "manual deploy",
        (_, Trigger::Push) => "push",
    }
}

impl Pipeline {
    /// Queues a push's deployment in one environment; `None` when that commit is already
    /// running or queued there.
    pub(super) async fn enqueue_push(
        &self,
        app: &App,
        env: &str,
        commit: Commit,
        pushed_by: Option<&str>,
    ) -> Result<Option<Deployment>, DomainError> {
        validate::commit_sha("commit.sha", &commit.sha)?;
        let e = self.get_environment(&app.name, env).await?;
        let dep = self.push_deployment(app, &e, validate::commit(commit), pushed_by);
        self.place_push(dep, false).await
    }

    /// Puts a recorded push that no environment points at in line (or supersedes it), then
    /// starts the environment's queue. A no-op for a deployment already in line.
    pub async fn settle_queued(&self, dep: &Deployment) -> Result<(), DomainError> {
        if dep.status == DeploymentStatus::Queued && dep.trigger == Trigger::Push {
            self.place_push(dep.clone(), true).await?;
        }
        self.dispatch(&dep.app, &dep.environment).await
    }

    /// Settles every queued push no environment points at yet; returns what failed.
    pub async fn settle_recorded_pushes(&self) -> Vec<String> {
        let active = match self.ports.store.list_active_deployments().await {
            Ok(a) => a,
            Err(e) => return vec![format!("listing active deployments: {e}")],
        };
        let mut errors = Vec::new();
        for d in active {
            if d.status == DeploymentStatus::Queued
                && let Err(e) = self.settle_queued(&d).await
            {
                errors.push(format!("settling {}: {e}", d.id));
            }
        }
        errors
    }

    fn push_deployment(
        &self,
        app: &App,
        e: &Environment,
        commit: Commit,
        pushed_by: Option<&str>,
    ) -> Deployment {
        Deployment {
            id: self.new_id(),
            app: app.name.clone(),
            environment: e.name.clone(),
            kind: DeploymentKind::Deploy,
            trigger: Trigger::Push,
            commit,
            status: DeploymentStatus::Queued,
            created_at: self.ports.clock.now(),
            started_at: None,
            finished_at: None,
            error: None,
            outputs: Default::default(),
            cache: None,
            promoted_from: None,
            rollback_of: None,
            config: snapshot(app, e),
            runner: None,
            cancel_requested: false,
            approved_by: None,
            requested_by: Some(match pushed_by {
                Some(p) => format!("push by {p}"),
                None => "push".into(),
            }),
            version: 0,
        }
    }

    async fn placement(
        &self,
        dep: &Deployment,
        e: &Environment,
        queued: Option<&Deployment>,
    ) -> Result<Placement, DomainError> {
        let running = match &e.running_deployment {
            Some(id) => self.ports.store.get_deployment(id).await?,
            None => None,
        };
        let same_commit = |d: &Deployment| d.id != dep.id && d.commit.sha == dep.commit.sha;
        let idle_at_commit = queued.is_none()
            && running.is_none()
            && e.current_commit.as_ref().map(|c| c.sha.as_str()) == Some(dep.commit.sha.as_str());
        if queued.is_some_and(same_commit)
            || running.as_ref().is_some_and(same_commit)
            || idle_at_commit
        {
            return Ok(Placement::Duplicate);
        }
        if let Some(q) = queued {
            if q.trigger != Trigger::Push || q.kind != DeploymentKind::Deploy {
                return Ok(Placement::Skip(format!(
                    "not deployed: the queued {} {} is not replaced by a push",
                    describe(q),
                    q.id
                )));
            }
            if q.id > dep.id {
                return Ok(Placement::Skip(format!("superseded by {}", q.id)));
            }
        }
        if let Some(r) = &running
            && r.trigger == Trigger::Push
            && r.id > dep.id
        {
            return Ok(Placement::Skip(format!("superseded by {}", r.id)));
        }
        Ok(Placement::Queue)
    }

    /// `stored`: the deployment is already recorded (settling), else it is new.
    async fn place_push(
        &self,
        dep: Deployment,
        stored: bool,
    ) -> Result<Option<Deployment>, DomainError> {
        /// What one look decided: answer now, or the push's own record (and the queued push
        /// it supersedes) as written.
        enum Placed {
            Answer(Option<Box<Deployment>>),
            Written(Box<Deployment>, Option<Box<Deployment>>),
        }
        let original = &dep;
        let placed = self
            .commit_with_retry("environment", move || async move {
                let Some(mut e) = self
                    .ports
                    .store
                    .get_environment(&original.app, &original.environment)
                    .await?
                else {
                    return Err(DomainError::NotFound(format!(
                        "environment {} of {}",
                        original.environment, original.app
                    )));
                };
                let dep = if stored {
                    let dep = self.require_deployment(&original.id).await?;
                    if dep.status != DeploymentStatus::Queued
                        || e.queued_deployment.as_deref() == Some(dep.id.as_str())
                    {
                        return Ok(Attempt::Done(Placed::Answer(Some(Box::new(dep)))));
                    }
                    dep
                } else {
                    original.clone()
                };
                let expect = if stored {
                    Expect::Version(dep.version)
                } else {
                    Expect::Absent
                };
                let queued = match &e.queued_deployment {
                    Some(id) => self
                        .ports
                        .store
                        .get_deployment(id)
                        .await?
                        .filter(|d| d.status == DeploymentStatus::Queued),
                    None => None,
                };
                let mut superseded = None;
                let mut own = match self.placement(&dep, &e, queued.as_ref()).await? {
                    Placement::Duplicate if !stored => {
                        return Ok(Attempt::Done(Placed::Answer(None)));
                    }
                    Placement::Duplicate => self.ended(
                        &dep,
                        "not deployed: the same commit is already in line".into(),
                    ),
                    // Its own record only: the environment is not touched.
                    Placement::Skip(reason) => self.ended(&dep, reason),
                    Placement::Queue => dep.clone(),
                };
                let mut writes = vec![Write::PutDeployment(own.clone(), expect)];
                if own.status == DeploymentStatus::Queued {
                    if let Some(q) = queued {
                        let mut old = self.ended(&q, format!("superseded by {}", dep.id));
                        writes.push(Write::PutDeployment(
                            old.clone(),
                            Expect::Version(q.version),
                        ));
                        old.version = q.version + 1;
                        superseded = Some(old);
                    }
                    let v = e.version;
                    e.queued_deployment = Some(dep.id.clone());
                    writes.push(Write::PutEnvironment(e, Expect::Version(v)));
                }
                own.version = if stored { dep.version + 1 } else { 1 };
                Ok(Attempt::Write(
                    writes,
                    Placed::Written(Box::new(own), superseded.map(Box::new)),
                ))
            })
            .await;
        let (placed, superseded) = match placed {
            Ok(Placed::Answer(answer)) => return Ok(answer.map(|d| *d)),
            Ok(Placed::Written(placed, superseded)) => (*placed, superseded),
            // Still recorded: the next sweep tries again.
            Err(DomainError::Busy(_)) if stored => return Ok(Some(dep)),
            Err(DomainError::Busy(_)) => return self.record_alone(dep).await.map(Some),
            Err(e) => return Err(e),
        };
        if let Some(old) = superseded {
            self.publish(&old).await;
        }
        self.publish(&placed).await;
        if placed.status != DeploymentStatus::Queued {
            return Ok(Some(placed));
        }
        self.dispatch(&placed.app, &placed.environment).await?;
        Ok(Some(
            self.ports
                .store
                .get_deployment(&placed.id)
                .await?
                .unwrap_or(placed),
        ))
    }

    /// The environment kept changing: the push is recorded on its own (its key is new, so
    /// nothing contends); the sweeper or the local watcher puts it in line.
    async fn record_alone(&self, mut dep: Deployment) -> Result<Deployment, DomainError> {
        tracing::warn!(deployment = %dep.id, "push recorded; it is put in line by the next sweep");
        self.ports
            .store
            .commit(vec![Write::PutDeployment(dep.clone(), Expect::Absent)])
            .await?;
        dep.version = 1;
        self.publish(&dep).await;
        Ok(dep)
    }

    /// A queued deployment that will not run, and why.
    fn ended(&self, d: &Deployment, reason: String) -> Deployment {
        let mut ended = d.clone();
        ended.status = DeploymentStatus::Cancelled;
        ended.finished_at = Some(self.ports.clock.now());
        ended.error = Some(reason);
        ended
    }
}

/// Waits before retry `attempt` (none before the first): exponential, capped, with full jitter,
/// so writers that collided spread out instead of colliding again in step.
pub(super) async fn backoff(attempt: usize) {
    if attempt == 0 {
        return;
    }
    let ceiling_ms = (5u64 << attempt.min(6)).min(250);
    let ms = rand::Rng::gen_range(&mut rand::thread_rng(), 0..=ceiling_ms);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}
