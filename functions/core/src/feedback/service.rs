//! Recording what GitHub should say of a deployment, and saying it.

use std::sync::Arc;
use std::time::Duration;

use super::{Feedback, FeedbackSender, FeedbackStore, FeedbackTarget};
use crate::error::{DomainError, StoreError};
use crate::model::{Deployment, DeploymentKind, DeploymentStatus, Repository};
use crate::ports::{Clock, DeploymentStore, Expect};
pub use crate::retry::DeliveryRound;

/// Tries of one state before it is given up (about 10 minutes with the default backoff).
pub const MAX_FEEDBACK_ATTEMPTS: u32 = 8;
/// Races for one record are retried this often before the round moves on.
const RACES: usize = 4;

pub struct FeedbackService {
    store: Arc<dyn FeedbackStore>,
    deployments: Arc<dyn DeploymentStore>,
    clock: Arc<dyn Clock>,
    /// The dashboard's address: a deployment's page is `<it>/deployments/<id>`.
    dashboard_url: Option<String>,
    rounds: crate::retry::Rounds,
}

impl FeedbackService {
    pub fn new(
        store: Arc<dyn FeedbackStore>,
        deployments: Arc<dyn DeploymentStore>,
        clock: Arc<dyn Clock>,
        dashboard_url: Option<String>,
    ) -> Self {
        FeedbackService {
            store,
            deployments,
            clock,
            dashboard_url: dashboard_url.map(|u| u.trim_end_matches('/').to_string()),
            rounds: Default::default(),
        }
    }

    pub fn with_retry_base(mut self, base: Duration) -> Self {
        self.rounds = crate::retry::Rounds::with_base(base);
        self
    }

    /// Resolves when new feedback was recorded since the last call (or at once if it was).
    pub async fn recorded(&self) {
        self.rounds.woken().await;
    }

    /// Records what GitHub should say now of `dep` (nothing for apps that are not on GitHub).
    /// Never fails the deployment: the caller logs an error and goes on.
    pub async fn record(&self, dep: &Deployment) -> Result<(), DomainError> {
        let Some(app) = self.deployments.get_app(&dep.app).await? else {
            return Ok(());
        };
        let Repository::Github {
            full_name,
            installation_id,
        } = &app.repository
        else {
            return Ok(());
        };
        let envs = self.deployments.list_environments(&dep.app).await?;
        let Some(env) = envs.iter().find(|e| e.name == dep.environment) else {
            return Ok(());
        };
        let first = envs.iter().map(|e| e.position).min() == Some(env.position);
        let teardown = dep.kind == DeploymentKind::Teardown;
        let superseded = dep.status == DeploymentStatus::Cancelled
            && dep
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("superseded"));
        let state = if teardown {
            teardown_state(dep.status)
        } else if superseded {
            // Replaced by a newer request before it ran: not an error, just no longer wanted.
            "inactive"
        } else {
            deployment_state(dep.status)
        };
        let mut targets = vec![(FeedbackTarget::GithubDeployment, state)];
        // A commit status says whether a commit deployed: a teardown says nothing of that.
        if first && !teardown {
            targets.push((FeedbackTarget::GithubStatus, commit_state(dep.status)));
        }
        let pull_request = env.preview.as_ref().map(|p| p.number);
        if pull_request.is_some() {
            targets.push((FeedbackTarget::PullRequestComment, state));
        }
        let environment_url = ["url", "URL", "Url"]
            .iter()
            .find_map(|k| dep.outputs.get(*k).and_then(|v| v.as_str()))
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_string);
        for (target, state) in targets {
            let now = self.clock.now();
            let fresh = Feedback {
                deployment_id: dep.id.clone(),
                target,
                app: dep.app.clone(),
                environment: dep.environment.clone(),
                repository: full_name.clone(),
                installation_id: *installation_id,
                sha: dep.commit.sha.clone(),
                production: env.protected,
                desired: state.into(),
                delivered: None,
                log_url: self
                    .dashboard_url
                    .as_ref()
                    .map(|u| format!("{u}/deployments/{}", dep.id)),
                environment_url: environment_url.clone(),
                github_deployment_id: None,
                pull_request,
                attempts: 0,
                next_attempt_at: now,
                last_error: None,
                gave_up: false,
                updated_at: now,
                version: 0,
            };
            self.upsert(fresh).await?;
        }
        self.rounds.wake();
        Ok(())
    }

    async fn upsert(&self, fresh: Feedback) -> Result<(), DomainError> {
        for _ in 0..RACES {
            let stored = self
                .store
                .get_feedback(&fresh.deployment_id, fresh.target)
                .await?;
            let (record, expect) = match stored {
                None => (fresh.clone(), Expect::Absent),
                Some(old)
                    if old.desired == fresh.desired
                        && old.environment_url == fresh.environment_url =>
                {
                    return Ok(());
                }
                Some(mut old) => {
                    let v = old.version;
                    if old.desired != fresh.desired {
                        old.desired = fresh.desired.clone();
                        // A new state deserves its own tries, and is said as soon as it can be.
                        old.attempts = 0;
                        old.gave_up = false;
                        old.next_attempt_at = old.next_attempt_at.min(fresh.updated_at);
                    }
                    old.environment_url = fresh.environment_url.clone();
                    old.updated_at = fresh.updated_at;
                    (old, Expect::Version(v))
                }
            };
            match self.store.put_feedback(&record, expect).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Busy("deployment's feedback"))
    }

    pub async fn of_deployment(&self, id: &str) -> Result<Vec<Feedback>, DomainError> {
        Ok(self.store.feedback_of(id).await?)
    }

    /// Says what is due, at most `limit` records: each is claimed first (its next try moved
    /// on), so two rounds at once never say the same thing twice.
    pub async fn deliver_due(
        &self,
        sender: &dyn FeedbackSender,
        limit: usize,
    ) -> Result<DeliveryRound, DomainError> {
        self.deliver_due_at(sender, self.clock.now(), limit).await
    }

    /// As [`FeedbackService::deliver_due`], as of `now` (the sweeper's time).
    pub async fn deliver_due_at(
        &self,
        sender: &dyn FeedbackSender,
        now: crate::model::Timestamp,
        limit: usize,
    ) -> Result<DeliveryRound, DomainError> {
        let mut round = DeliveryRound::default();
        for due in self.store.due_feedback(now, limit).await? {
            let mut claimed = due.clone();
            claimed.attempts += 1;
            claimed.next_attempt_at =
                now.max(self.clock.now()) + self.rounds.wait_after(claimed.attempts);
            match self
                .store
                .put_feedback(&claimed, Expect::Version(due.version))
                .await
            {
                Ok(()) => claimed.version = due.version + 1,
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            let outcome = sender.send(&claimed).await;
            let said = claimed.desired.clone();
            let record = |f: &mut Feedback| {
                if outcome.github_deployment_id.is_some() {
                    f.github_deployment_id = outcome.github_deployment_id;
                }
                f.updated_at = self.clock.now();
                match &outcome.result {
                    Ok(()) => {
                        f.delivered = Some(said.clone());
                        f.last_error = None;
                        if f.desired != said {
                            // A newer state arrived meanwhile: say it next, without waiting.
                            f.attempts = 0;
                            f.next_attempt_at = self.clock.now();
                        }
                    }
                    Err(e) => {
                        f.last_error = Some(e.clone());
                        if f.desired == said && f.attempts >= MAX_FEEDBACK_ATTEMPTS {
                            f.gave_up = true;
                        }
                    }
                }
            };
            let stored = self.settle(&claimed, record).await?;
            match (&outcome.result, stored.gave_up) {
                (Ok(()), _) => round.delivered += 1,
                (Err(e), true) => {
                    tracing::warn!(deployment = %stored.deployment_id, target = stored.target.as_str(), "gave up reporting to GitHub: {e}");
                    round.gave_up += 1;
                }
                (Err(e), false) => {
                    tracing::info!(deployment = %stored.deployment_id, target = stored.target.as_str(), attempt = stored.attempts, "reporting to GitHub failed, will retry: {e}");
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }

    /// Writes a delivery's result onto the record as it is now (its desired state may have
    /// moved on while it was being said).
    async fn settle(
        &self,
        claimed: &Feedback,
        change: impl Fn(&mut Feedback),
    ) -> Result<Feedback, DomainError> {
        let mut current = claimed.clone();
        for _ in 0..RACES {
            let v = current.version;
            let mut next = current.clone();
            change(&mut next);
            match self.store.put_feedback(&next, Expect::Version(v)).await {
                Ok(()) => {
                    next.version = v + 1;
                    return Ok(next);
                }
                Err(StoreError::Conflict) => {
                    current = self
                        .store
                        .get_feedback(&claimed.deployment_id, claimed.target)
                        .await?
                        .ok_or(DomainError::Busy("deployment's feedback"))?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Busy("deployment's feedback"))
    }
}

/// A GitHub deployment status for a Trellis status.
fn deployment_state(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::AwaitingApproval | DeploymentStatus::Queued => "queued",
        DeploymentStatus::Running => "in_progress",
        DeploymentStatus::Succeeded => "success",
        DeploymentStatus::Failed => "failure",
        DeploymentStatus::Cancelled => "error",
    }
}

/// A teardown on GitHub: its end leaves the environment with no active deployment.
fn teardown_state(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::Succeeded => "inactive",
        other => deployment_state(other),
    }
}

/// A commit status for a Trellis status.
fn commit_state(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::AwaitingApproval
        | DeploymentStatus::Queued
        | DeploymentStatus::Running => "pending",
        DeploymentStatus::Succeeded => "success",
        DeploymentStatus::Failed => "failure",
        DeploymentStatus::Cancelled => "error",
    }
}
