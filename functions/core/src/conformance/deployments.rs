//! Reading deployments back: per environment, active ones, by runner; and deliveries.

use crate::model::{Deployment, DeploymentStatus};
use crate::ports::{DeploymentStore, Expect, Write};

use super::records::*;

pub async fn deployments_are_listed_newest_first_per_environment(store: &dyn DeploymentStore) {
    let mut writes = Vec::new();
    for n in 1..=5 {
        writes.push(Write::PutDeployment(
            deployment("shop", "dev", n, DeploymentStatus::Succeeded),
            Expect::Absent,
        ));
    }
    writes.push(Write::PutDeployment(
        deployment("shop", "prod", 6, DeploymentStatus::Succeeded),
        Expect::Absent,
    ));
    writes.push(Write::PutDeployment(
        deployment("blog", "dev", 7, DeploymentStatus::Succeeded),
        Expect::Absent,
    ));
    store.commit(writes).await.unwrap();
    let ids = |list: Vec<Deployment>| list.into_iter().map(|d| d.id).collect::<Vec<_>>();
    let all = ids(store
        .list_deployments("shop", "dev", 100, None)
        .await
        .unwrap());
    let expected: Vec<String> = (1..=5)
        .rev()
        .map(|n| deployment("shop", "dev", n, DeploymentStatus::Queued).id)
        .collect();
    assert_eq!(all, expected, "newest first, this environment only");
    let first_two = ids(store
        .list_deployments("shop", "dev", 2, None)
        .await
        .unwrap());
    assert_eq!(first_two, expected[..2]);
    let older = ids(store
        .list_deployments("shop", "dev", 2, Some(&expected[1]))
        .await
        .unwrap());
    assert_eq!(
        older,
        expected[2..4],
        "`before` pages to strictly older ones"
    );
    let got = store.get_deployment(&expected[0]).await.unwrap().unwrap();
    assert_eq!(
        got,
        versioned(
            &deployment("shop", "dev", 5, DeploymentStatus::Succeeded),
            |d| d.version = 1
        ),
        "a deployment round-trips exactly"
    );
    assert_eq!(store.get_deployment("01JNOPE").await.unwrap(), None);
}

pub async fn active_deployments_and_runner_lookup(store: &dyn DeploymentStore) {
    let mut running = deployment("shop", "dev", 1, DeploymentStatus::Running);
    running.runner = Some("task-abc".into());
    store
        .commit(vec![
            Write::PutDeployment(running.clone(), Expect::Absent),
            Write::PutDeployment(
                deployment("shop", "dev", 2, DeploymentStatus::Queued),
                Expect::Absent,
            ),
            Write::PutDeployment(
                deployment("shop", "dev", 3, DeploymentStatus::Failed),
                Expect::Absent,
            ),
            Write::PutDeployment(
                deployment("shop", "prod", 4, DeploymentStatus::Cancelled),
                Expect::Absent,
            ),
        ])
        .await
        .unwrap();
    let mut active: Vec<String> = store
        .list_active_deployments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    active.sort();
    assert_eq!(
        active,
        [
            running.id.clone(),
            deployment("shop", "dev", 2, DeploymentStatus::Queued).id
        ],
        "exactly the queued and running ones"
    );
    let found = store.find_deployment_by_runner("task-abc").await.unwrap();
    assert_eq!(found.map(|d| d.id), Some(running.id.clone()));
    assert_eq!(
        store.find_deployment_by_runner("task-zzz").await.unwrap(),
        None
    );
    let mut on_ecs = deployment("shop", "prod", 5, DeploymentStatus::Running);
    on_ecs.runner = Some("arn:aws:ecs:eu-west-1:123456789012:task/trellis/0f1e2d3c4b5a".into());
    store
        .commit(vec![Write::PutDeployment(on_ecs.clone(), Expect::Absent)])
        .await
        .unwrap();
    for handle in [
        "0f1e2d3c4b5a",
        "arn:aws:ecs:eu-west-1:123456789012:task/trellis/0f1e2d3c4b5a",
    ] {
        let found = store.find_deployment_by_runner(handle).await.unwrap();
        assert_eq!(
            found.map(|d| d.id),
            Some(on_ecs.id.clone()),
            "a task is found by its ARN or its id ({handle})"
        );
    }

    // Ending a deployment takes it off the active list.
    let done = versioned(&running, |d| d.status = DeploymentStatus::Succeeded);
    store
        .commit(vec![Write::PutDeployment(done, Expect::Version(1))])
        .await
        .unwrap();
    assert_eq!(store.list_active_deployments().await.unwrap().len(), 2);
}

pub async fn deliveries_are_recorded_once(store: &dyn DeploymentStore) {
    assert!(store.record_delivery("d-1", at(1)).await.unwrap());
    assert!(
        !store.record_delivery("d-1", at(2)).await.unwrap(),
        "a redelivery"
    );
    assert!(store.record_delivery("d-2", at(3)).await.unwrap());
    store.forget_delivery("d-1").await.unwrap();
    assert!(
        store.record_delivery("d-1", at(4)).await.unwrap(),
        "a forgotten delivery is new again"
    );
    store.forget_delivery("never-seen").await.unwrap();
}
