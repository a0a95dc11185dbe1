//! The feedback store's checks: versions compared, pending records found when due and in
//! due order, delivered and given-up ones not.

use crate::error::StoreError;
use crate::feedback::{Feedback, FeedbackStore, FeedbackTarget};
use crate::ports::Expect;

use super::records::at;

pub fn feedback(deployment: &str, target: FeedbackTarget, due: i64) -> Feedback {
    Feedback {
        deployment_id: deployment.into(),
        target,
        app: "shop".into(),
        environment: "development".into(),
        repository: "acme/shop".into(),
        installation_id: 7,
        sha: "a".repeat(40),
        production: false,
        desired: "queued".into(),
        delivered: None,
        log_url: Some(format!("https://trellis.example/deployments/{deployment}")),
        environment_url: None,
        github_deployment_id: None,
        pull_request: None,
        attempts: 0,
        next_attempt_at: at(due),
        last_error: None,
        gave_up: false,
        updated_at: at(due),
        version: 0,
    }
}

pub async fn feedback_is_versioned_and_found_by_deployment(store: &dyn FeedbackStore) {
    let first = feedback("d1", FeedbackTarget::GithubDeployment, 1_000);
    store.put_feedback(&first, Expect::Absent).await.unwrap();
    assert!(matches!(
        store.put_feedback(&first, Expect::Absent).await,
        Err(StoreError::Conflict)
    ));
    let stored = store
        .get_feedback("d1", FeedbackTarget::GithubDeployment)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
    let mut said = stored.clone();
    said.delivered = Some("queued".into());
    said.github_deployment_id = Some(42);
    store.put_feedback(&said, Expect::Version(1)).await.unwrap();
    assert!(matches!(
        store.put_feedback(&said, Expect::Version(1)).await,
        Err(StoreError::Conflict)
    ));
    let status = feedback("d1", FeedbackTarget::GithubStatus, 1_000);
    store.put_feedback(&status, Expect::Absent).await.unwrap();
    let both = store.feedback_of("d1").await.unwrap();
    assert_eq!(both.len(), 2);
    assert_eq!(both[0].target, FeedbackTarget::GithubDeployment);
    assert_eq!(both[0].github_deployment_id, Some(42));
    assert_eq!(both[0].version, 2);
    assert!(store.feedback_of("d2").await.unwrap().is_empty());
    assert_eq!(
        store
            .get_feedback("d2", FeedbackTarget::GithubStatus)
            .await
            .unwrap(),
        None
    );
}

pub async fn only_pending_feedback_is_due_earliest_first(store: &dyn FeedbackStore) {
    let later = feedback("d1", FeedbackTarget::GithubDeployment, 3_000);
    let sooner = feedback("d2", FeedbackTarget::GithubDeployment, 2_000);
    let future = feedback("d3", FeedbackTarget::GithubDeployment, 9_000);
    let mut delivered = feedback("d4", FeedbackTarget::GithubDeployment, 1_000);
    delivered.delivered = Some("queued".into());
    let mut gave_up = feedback("d5", FeedbackTarget::GithubDeployment, 1_000);
    gave_up.gave_up = true;
    for f in [&later, &sooner, &future, &delivered, &gave_up] {
        store.put_feedback(f, Expect::Absent).await.unwrap();
    }
    let due: Vec<String> = store
        .due_feedback(at(5_000), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.deployment_id)
        .collect();
    assert_eq!(due, ["d2", "d1"]);
    assert_eq!(store.due_feedback(at(5_000), 1).await.unwrap().len(), 1);
    // Delivering takes it off the list; a new desired state puts it back.
    let mut said = store
        .get_feedback("d2", FeedbackTarget::GithubDeployment)
        .await
        .unwrap()
        .unwrap();
    said.delivered = Some("queued".into());
    store.put_feedback(&said, Expect::Version(1)).await.unwrap();
    let due = store.due_feedback(at(5_000), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    said.version = 2;
    said.desired = "success".into();
    store.put_feedback(&said, Expect::Version(2)).await.unwrap();
    assert_eq!(store.due_feedback(at(5_000), 10).await.unwrap().len(), 2);
}

#[macro_export]
macro_rules! feedback_conformance_tests {
    ($factory:expr) => {
        $crate::feedback_conformance_tests!(@each $factory;
            feedback_is_versioned_and_found_by_deployment,
            only_pending_feedback_is_due_earliest_first
        );
    };
    (@each $factory:expr; $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let store = $factory.await;
                $crate::conformance::feedback::$check(&*store).await;
            }
        )+
    };
}
