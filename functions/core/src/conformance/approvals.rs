//! The approval transitions, run by the pipeline over each store: waiting holds the queue
//! slot, only someone else may let it through, a rejection frees the slot with its reason, a
//! newer request replaces a waiting one; and a pull request's preview environment, made,
//! redeployed and removed. Only the runner, secrets and repository are stand-ins.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::error::{DomainError, LaunchError, SecretError, SourceError};
use crate::job::RunnerJob;
use crate::model::{Commit, DeploymentStatus, Repository, Settings};
use crate::ports::{
    DeploymentStore, LiveEvent, Notifier, RunnerLauncher, SecretStore, SourceRepository,
    SystemClock,
};
use crate::requests::{EnvironmentPatch, NewApp};
use crate::{Pipeline, Ports};

#[derive(Default)]
struct CountingLauncher(AtomicUsize);

#[async_trait]
impl RunnerLauncher for CountingLauncher {
    async fn launch(&self, job: RunnerJob) -> Result<String, LaunchError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(format!("runner-{}", job.deployment_id))
    }
    async fn stop(&self, _: &str) -> Result<(), LaunchError> {
        Ok(())
    }
}

struct NoSecrets;

#[async_trait]
impl SecretStore for NoSecrets {
    async fn get(&self, _: &str, _: &str) -> Result<BTreeMap<String, String>, SecretError> {
        Ok(BTreeMap::new())
    }
    async fn update(
        &self,
        _: &str,
        _: &str,
        _: BTreeMap<String, Option<String>>,
    ) -> Result<Vec<String>, SecretError> {
        Ok(vec![])
    }
    async fn delete_all(&self, _: &str, _: &str) -> Result<(), SecretError> {
        Ok(())
    }
}

struct Silent;

#[async_trait]
impl Notifier for Silent {
    async fn publish(&self, _: LiveEvent) {}
}

/// Every branch points at one commit.
struct OneCommit;

#[async_trait]
impl SourceRepository for OneCommit {
    async fn branch_heads(&self, _: &Repository) -> Result<BTreeMap<String, String>, SourceError> {
        Ok(BTreeMap::from([("main".into(), "c".repeat(40))]))
    }
    async fn resolve(&self, _: &Repository, _: &str) -> Result<Commit, SourceError> {
        Ok(Commit {
            sha: "c".repeat(40),
            message: "Ship it".into(),
            author: "Ada".into(),
        })
    }
    async fn check(&self, _: &Repository) -> Result<(), SourceError> {
        Ok(())
    }
}

/// A pipeline over `store` whose staging requires approval.
async fn pipeline(store: Arc<dyn DeploymentStore>) -> (Pipeline, Arc<CountingLauncher>) {
    let launcher = Arc::new(CountingLauncher::default());
    let pipeline = Pipeline::new(Ports {
        store,
        secrets: Arc::new(NoSecrets),
        launcher: launcher.clone(),
        notifier: Arc::new(Silent),
        source: Arc::new(OneCommit),
        clock: Arc::new(SystemClock),
    });
    pipeline
        .create_app(NewApp {
            name: "shop".into(),
            repository: Repository::Local {
                path: "/srv/shop".into(),
            },
            settings: Settings::default(),
            environments: None,
        })
        .await
        .unwrap();
    let patch = EnvironmentPatch {
        requires_approval: Some(true),
        ..Default::default()
    };
    pipeline
        .update_environment("shop", "staging", patch)
        .await
        .unwrap();
    (pipeline, launcher)
}

pub async fn a_waiting_deployment_holds_its_slot_until_someone_else_approves(
    store: Arc<dyn DeploymentStore>,
) {
    let (p, launcher) = pipeline(store).await;
    let waiting = p
        .deploy_as("shop", "staging", Some("main"), Some("ada"))
        .await
        .unwrap();
    assert_eq!(waiting.status, DeploymentStatus::AwaitingApproval);
    assert_eq!(launcher.0.load(Ordering::SeqCst), 0, "nothing starts");
    let env = p.get_environment("shop", "staging").await.unwrap();
    assert_eq!(env.queued_deployment.as_deref(), Some(waiting.id.as_str()));
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    p.sweep(later).await.unwrap();
    let stored = p.require_deployment(&waiting.id).await.unwrap();
    assert_eq!(stored.status, DeploymentStatus::AwaitingApproval);
    assert_eq!(stored.requested_by.as_deref(), Some("ada"));

    assert!(matches!(
        p.approve(&waiting.id, "ada").await,
        Err(DomainError::Forbidden(_))
    ));
    let approved = p.approve(&waiting.id, "grace").await.unwrap();
    assert_eq!(approved.status, DeploymentStatus::Running);
    assert_eq!(launcher.0.load(Ordering::SeqCst), 1);
    let stored = p.require_deployment(&waiting.id).await.unwrap();
    assert_eq!(stored.approved_by.as_deref(), Some("grace"));
    assert!(matches!(
        p.approve(&waiting.id, "grace").await,
        Err(DomainError::Conflict(_))
    ));
}

pub async fn a_rejection_frees_the_slot_and_a_newer_request_replaces_a_waiting_one(
    store: Arc<dyn DeploymentStore>,
) {
    let (p, launcher) = pipeline(store).await;
    let first = p
        .deploy_as("shop", "staging", Some("main"), Some("ada"))
        .await
        .unwrap();
    let second = p
        .deploy_as("shop", "staging", Some("main"), Some("ada"))
        .await
        .unwrap();
    let first = p.require_deployment(&first.id).await.unwrap();
    assert_eq!(first.status, DeploymentStatus::Cancelled, "superseded");
    let env = p.get_environment("shop", "staging").await.unwrap();
    assert_eq!(env.queued_deployment.as_deref(), Some(second.id.as_str()));
    let rejected = p
        .reject(&second.id, "grace", "the release notes are missing")
        .await
        .unwrap();
    assert_eq!(rejected.status, DeploymentStatus::Cancelled);
    assert_eq!(
        p.require_deployment(&second.id)
            .await
            .unwrap()
            .error
            .as_deref(),
        Some("rejected by grace: the release notes are missing")
    );
    let env = p.get_environment("shop", "staging").await.unwrap();
    assert_eq!(env.queued_deployment, None);
    assert_eq!(launcher.0.load(Ordering::SeqCst), 0);
}

pub async fn a_preview_is_made_redeployed_and_removed_with_its_pull_request(
    store: Arc<dyn DeploymentStore>,
) {
    use crate::requests::{PullRequestAction, PullRequestEvent};
    let (p, launcher) = pipeline(store).await;
    p.set_previews("shop", Some("development".into()))
        .await
        .unwrap();
    let event = |action, fork| PullRequestEvent {
        repository_key: Repository::Local {
            path: "/srv/shop".into(),
        }
        .key(),
        number: 4,
        action,
        head: Commit {
            sha: "d".repeat(40),
            message: "Try the new header".into(),
            author: "Grace".into(),
        },
        head_ref: "header".into(),
        head_repository: "acme/shop".into(),
        fork,
        sender: Some("grace".into()),
    };
    let first = p
        .pull_request(event(PullRequestAction::Updated, false))
        .await
        .unwrap();
    assert_eq!((first.len(), first[0].environment.as_str()), (1, "pr-4"));
    let env = p.get_environment("shop", "pr-4").await.unwrap();
    assert_eq!(env.preview.as_ref().map(|p| p.number), Some(4));
    let (_, envs) = p.get_app("shop").await.unwrap();
    assert_eq!(
        envs.last().map(|e| e.name.as_str()),
        Some("pr-4"),
        "after the pipeline"
    );
    p.finish(
        &first[0].id,
        crate::requests::RunnerOutcome::Succeeded {
            outputs: Default::default(),
        },
    )
    .await
    .unwrap();
    let again = p
        .pull_request(event(PullRequestAction::Updated, false))
        .await
        .unwrap();
    p.finish(
        &again[0].id,
        crate::requests::RunnerOutcome::Succeeded {
            outputs: Default::default(),
        },
    )
    .await
    .unwrap();
    assert_eq!(launcher.0.load(Ordering::SeqCst), 2);
    let down = p
        .pull_request(event(PullRequestAction::Closed, false))
        .await
        .unwrap();
    assert!(
        p.get_environment("shop", "pr-4")
            .await
            .unwrap()
            .preview
            .unwrap()
            .closed
    );
    p.finish(
        &down[0].id,
        crate::requests::RunnerOutcome::Succeeded {
            outputs: Default::default(),
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        p.get_environment("shop", "pr-4").await,
        Err(DomainError::NotFound(_))
    ));
}

/// One `#[tokio::test]` per approval check; the factory yields `(store, keep-alive)`.
#[macro_export]
macro_rules! approval_conformance_tests {
    ($factory:expr) => {
        $crate::approval_conformance_tests!(@each $factory;
            a_waiting_deployment_holds_its_slot_until_someone_else_approves,
            a_rejection_frees_the_slot_and_a_newer_request_replaces_a_waiting_one,
            a_preview_is_made_redeployed_and_removed_with_its_pull_request
        );
    };
    (@each $factory:expr; $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let (store, _alive) = $factory.await;
                $crate::conformance::approvals::$check(store).await;
            }
        )+
    };
}
