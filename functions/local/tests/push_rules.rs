//! What a push may and may not do to an environment's queue.

mod common;

use common::*;
use trellis_core::model::{DeploymentStatus, Trigger};
use trellis_core::ports::{DeploymentStore, Expect, Write};

/// Development runs a push of `a1`; returns the harness.
async fn busy_development() -> Harness {
    let h = harness();
    h.app().await;
    let running = h.pipeline.handle_push(push("a1")).await.unwrap().remove(0);
    assert_eq!(running.status, DeploymentStatus::Running);
    h
}

#[tokio::test]
async fn a_push_never_replaces_a_queued_teardown_rollback_or_manual_deploy() {
    for asked in ["teardown", "rollback", "manual deploy"] {
        let h = harness();
        h.app().await;
        let first = h.deployed_dev("a0").await;
        h.pipeline.handle_push(push("a1")).await.unwrap();
        let queued = match asked {
            "teardown" => h.pipeline.teardown("shop", "development").await.unwrap(),
            "rollback" => h
                .pipeline
                .rollback("shop", "development", &first.id)
                .await
                .unwrap(),
            _ => h
                .pipeline
                .deploy("shop", "development", Some("b2b2b2b"))
                .await
                .unwrap(),
        };
        assert_eq!(queued.status, DeploymentStatus::Queued, "{asked}");

        let pushed = h.pipeline.handle_push(push("c3")).await.unwrap().remove(0);
        let still = h.pipeline.require_deployment(&queued.id).await.unwrap();
        assert_eq!(
            still.status,
            DeploymentStatus::Queued,
            "the {asked} was replaced"
        );
        assert_eq!(
            h.env("development").await.queued_deployment,
            Some(queued.id.clone())
        );
        assert_eq!(pushed.status, DeploymentStatus::Cancelled);
        let reason = pushed.error.unwrap();
        assert!(
            reason.contains(&format!(
                "the queued {asked} {} is not replaced by a push",
                queued.id
            )),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn a_push_still_supersedes_an_older_queued_push() {
    let h = busy_development().await;
    let older = h.pipeline.handle_push(push("b2")).await.unwrap().remove(0);
    let newer = h.pipeline.handle_push(push("c3")).await.unwrap().remove(0);
    let older = h.pipeline.require_deployment(&older.id).await.unwrap();
    assert_eq!(older.status, DeploymentStatus::Cancelled);
    assert_eq!(older.error, Some(format!("superseded by {}", newer.id)));
    assert_eq!(h.env("development").await.queued_deployment, Some(newer.id));
}

#[tokio::test]
async fn a_commit_already_running_or_queued_is_not_queued_again() {
    let h = busy_development().await;
    assert!(h.pipeline.handle_push(push("a1")).await.unwrap().is_empty());
    let queued = h.pipeline.handle_push(push("b2")).await.unwrap().remove(0);
    assert!(h.pipeline.handle_push(push("b2")).await.unwrap().is_empty());
    assert_eq!(
        h.env("development").await.queued_deployment,
        Some(queued.id)
    );
    let all = h
        .store
        .list_deployments("shop", "development", 100, None)
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "{all:#?}");
}

#[tokio::test]
async fn a_push_recorded_under_contention_takes_the_queue_only_if_it_is_the_newest() {
    let h = busy_development().await;
    // Two pushes recorded on their own (as when the environment kept changing under them),
    // then a newer one that got in line directly.
    let record = |sha: &str| {
        let mut d = trellis_core::conformance::deployment(
            "shop",
            "development",
            0,
            DeploymentStatus::Queued,
        );
        d.trigger = Trigger::Push;
        d.commit = commit(sha);
        d
    };
    let late = record("b2");
    h.store
        .commit(vec![Write::PutDeployment(late.clone(), Expect::Absent)])
        .await
        .unwrap();
    let newest = h.pipeline.handle_push(push("c3")).await.unwrap().remove(0);
    assert!(newest.id > late.id);

    h.pipeline.settle_queued(&late).await.unwrap();
    let late = h.pipeline.require_deployment(&late.id).await.unwrap();
    assert_eq!(late.status, DeploymentStatus::Cancelled);
    assert_eq!(late.error, Some(format!("superseded by {}", newest.id)));
    assert_eq!(
        h.env("development").await.queued_deployment,
        Some(newest.id.clone())
    );

    // Alone, a recorded push takes the queue and runs when the environment is free.
    for expected in [None, Some(newest.id.clone())] {
        let running = h.env("development").await.running_deployment.unwrap();
        if let Some(id) = expected {
            assert_eq!(running, id);
        }
        h.pipeline.finish(&running, succeed()).await.unwrap();
    }
    let mut alone = record("d4");
    alone.id = format!("{}Z", newest.id);
    h.store
        .commit(vec![Write::PutDeployment(alone.clone(), Expect::Absent)])
        .await
        .unwrap();
    h.pipeline.settle_queued(&alone).await.unwrap();
    let alone = h.pipeline.require_deployment(&alone.id).await.unwrap();
    assert_eq!(alone.status, DeploymentStatus::Running);
}
