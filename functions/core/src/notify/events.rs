//! The events a destination can choose, and which a deployment's status is.

use serde::{Deserialize, Serialize};

use crate::model::{Deployment, DeploymentKind, DeploymentStatus, Trigger};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "deployment.started")]
    DeploymentStarted,
    #[serde(rename = "deployment.succeeded")]
    DeploymentSucceeded,
    #[serde(rename = "deployment.failed")]
    DeploymentFailed,
    #[serde(rename = "deployment.cancelled")]
    DeploymentCancelled,
    /// A promotion was asked for.
    #[serde(rename = "promotion")]
    Promotion,
    #[serde(rename = "rollback")]
    Rollback,
    #[serde(rename = "teardown")]
    Teardown,
    /// A deployment waits for an admin's approval.
    #[serde(rename = "approval.needed")]
    ApprovalNeeded,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::DeploymentStarted,
        EventKind::DeploymentSucceeded,
        EventKind::DeploymentFailed,
        EventKind::DeploymentCancelled,
        EventKind::Promotion,
        EventKind::Rollback,
        EventKind::Teardown,
        EventKind::ApprovalNeeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::DeploymentStarted => "deployment.started",
            EventKind::DeploymentSucceeded => "deployment.succeeded",
            EventKind::DeploymentFailed => "deployment.failed",
            EventKind::DeploymentCancelled => "deployment.cancelled",
            EventKind::Promotion => "promotion",
            EventKind::Rollback => "rollback",
            EventKind::Teardown => "teardown",
            EventKind::ApprovalNeeded => "approval.needed",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// The events a deployment's current status is (a status is published more than once at
/// times: deliveries are keyed by deployment and event, so each is sent once).
pub fn event_of(dep: &Deployment) -> Vec<EventKind> {
    match dep.status {
        DeploymentStatus::AwaitingApproval => vec![EventKind::ApprovalNeeded],
        DeploymentStatus::Queued => match (dep.kind, dep.trigger) {
            (DeploymentKind::Teardown, _) => vec![EventKind::Teardown],
            (_, Trigger::Promote) => vec![EventKind::Promotion],
            (_, Trigger::Rollback) => vec![EventKind::Rollback],
            _ => vec![],
        },
        DeploymentStatus::Running => vec![EventKind::DeploymentStarted],
        DeploymentStatus::Succeeded => vec![EventKind::DeploymentSucceeded],
        DeploymentStatus::Failed => vec![EventKind::DeploymentFailed],
        DeploymentStatus::Cancelled => vec![EventKind::DeploymentCancelled],
    }
}
