//! Approvals: a deployment into an environment that requires one waits until an admin other
//! than the requester approves it (it is then queued and starts when the environment is
//! free) or rejects it with a reason.

use super::*;

/// A rejection's reason is kept on the deployment: long enough to say why, short enough
/// to show.
pub const MAX_REASON_CHARS: usize = 500;

fn awaiting(dep: &Deployment) -> Result<(), DomainError> {
    if dep.status == DeploymentStatus::AwaitingApproval {
        Ok(())
    } else {
        Err(DomainError::Conflict(format!(
            "deployment {} is {}: only a deployment awaiting approval can be approved or \
             rejected",
            dep.id,
            dep.status.as_str()
        )))
    }
}

impl Pipeline {
    /// `by` approves: the deployment is queued and starts when its environment is free.
    pub async fn approve(&self, id: &str, by: &str) -> Result<Deployment, DomainError> {
        let approved = self
            .commit_with_retry("deployment", move || async move {
                let mut dep = self.require_deployment(id).await?;
                awaiting(&dep)?;
                if dep.requested_by.as_deref() == Some(by) {
                    return Err(DomainError::Forbidden(format!(
                        "{by} asked for deployment {id}: someone else must approve it"
                    )));
                }
                let dv = dep.version;
                dep.status = DeploymentStatus::Queued;
                dep.approved_by = Some(by.to_string());
                let writes = vec![Write::PutDeployment(dep.clone(), Expect::Version(dv))];
                dep.version = dv + 1;
                Ok(Attempt::Write(writes, dep))
            })
            .await?;
        self.publish(&approved).await;
        self.dispatch(&approved.app, &approved.environment).await?;
        self.require_deployment(id).await
    }

    /// `by` rejects, saying why: the deployment ends cancelled and frees its slot.
    pub async fn reject(
        &self,
        id: &str,
        by: &str,
        reason: &str,
    ) -> Result<Deployment, DomainError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(DomainError::invalid(
                "reason",
                format!("say why, in 1 to {MAX_REASON_CHARS} characters"),
            ));
        }
        let rejected = self
            .commit_with_retry("deployment", move || async move {
                let mut dep = self.require_deployment(id).await?;
                awaiting(&dep)?;
                let mut e = self.get_environment(&dep.app, &dep.environment).await?;
                let (dv, ev) = (dep.version, e.version);
                dep.status = DeploymentStatus::Cancelled;
                dep.finished_at = Some(self.ports.clock.now());
                dep.error = Some(format!("rejected by {by}: {reason}"));
                let mut writes = vec![Write::PutDeployment(dep.clone(), Expect::Version(dv))];
                if e.queued_deployment.as_deref() == Some(id) {
                    e.queued_deployment = None;
                    writes.push(Write::PutEnvironment(e, Expect::Version(ev)));
                }
                dep.version = dv + 1;
                Ok(Attempt::Write(writes, dep))
            })
            .await?;
        self.publish(&rejected).await;
        Ok(rejected)
    }
}
