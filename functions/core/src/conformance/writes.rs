//! Creating, comparing-and-setting and deleting records: the versioned writes every rule of
//! the pipeline relies on.

use crate::error::StoreError;
use crate::model::{DeploymentStatus, EnvState};
use crate::ports::{DeploymentStore, Expect, Write};

use super::records::*;

pub async fn apps_and_environments_round_trip(store: &dyn DeploymentStore) {
    let a = app("shop");
    let envs = [
        environment("shop", "staging", 1),
        environment("shop", "development", 0),
        environment("shop", "production", 2),
    ];
    let mut writes = vec![Write::PutApp(a.clone(), Expect::Absent)];
    writes.extend(
        envs.iter()
            .map(|e| Write::PutEnvironment(e.clone(), Expect::Absent)),
    );
    store.commit(writes).await.expect("first write succeeds");
    store
        .commit(vec![Write::PutApp(app("blog"), Expect::Absent)])
        .await
        .unwrap();

    let got = store.get_app("shop").await.unwrap().expect("app stored");
    assert_eq!(
        got,
        versioned(&a, |x| x.version = 1),
        "app round-trips with version 1"
    );
    let names: Vec<String> = store
        .list_apps()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["blog", "shop"], "apps are listed by name");
    let listed = store.list_environments("shop").await.unwrap();
    let order: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        order,
        ["development", "staging", "production"],
        "pipeline order"
    );
    assert_eq!(
        store.get_environment("shop", "staging").await.unwrap(),
        Some(versioned(&envs[0], |x| x.version = 1))
    );
    assert_eq!(store.get_app("nope").await.unwrap(), None);
    assert_eq!(store.get_environment("shop", "nope").await.unwrap(), None);
    assert!(store.list_environments("blog").await.unwrap().is_empty());
}

pub async fn creating_an_existing_record_conflicts_and_writes_nothing(store: &dyn DeploymentStore) {
    store
        .commit(vec![Write::PutApp(app("shop"), Expect::Absent)])
        .await
        .unwrap();
    let result = store
        .commit(vec![
            Write::PutApp(app("other"), Expect::Absent),
            Write::PutEnvironment(environment("other", "dev", 0), Expect::Absent),
            Write::PutApp(app("shop"), Expect::Absent),
        ])
        .await;
    assert!(
        matches!(result, Err(StoreError::Conflict)),
        "creating an existing app conflicts: {result:?}"
    );
    assert_eq!(
        store.get_app("other").await.unwrap(),
        None,
        "a failed batch writes nothing"
    );
    assert_eq!(store.get_environment("other", "dev").await.unwrap(), None);
}

pub async fn versions_are_compared_and_bumped(store: &dyn DeploymentStore) {
    let e = environment("shop", "dev", 0);
    store
        .commit(vec![Write::PutEnvironment(e.clone(), Expect::Absent)])
        .await
        .unwrap();
    let changed = versioned(&e, |x| x.state = EnvState::Deploying);
    store
        .commit(vec![Write::PutEnvironment(
            changed.clone(),
            Expect::Version(1),
        )])
        .await
        .expect("the right version wins");
    let got = store.get_environment("shop", "dev").await.unwrap().unwrap();
    assert_eq!(got.version, 2);
    assert_eq!(got.state, EnvState::Deploying);
    let stale = store
        .commit(vec![Write::PutEnvironment(e.clone(), Expect::Version(1))])
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict)),
        "a stale version conflicts"
    );
    let missing = store
        .commit(vec![Write::PutDeployment(
            deployment("shop", "dev", 1, DeploymentStatus::Queued),
            Expect::Version(1),
        )])
        .await;
    assert!(
        matches!(missing, Err(StoreError::Conflict)),
        "updating a missing record conflicts"
    );
    assert_eq!(
        store
            .get_environment("shop", "dev")
            .await
            .unwrap()
            .unwrap()
            .state,
        EnvState::Deploying,
        "the stale write changed nothing"
    );
}

pub async fn racing_writers_never_both_win(store: &dyn DeploymentStore) {
    let e = environment("shop", "dev", 0);
    store
        .commit(vec![Write::PutEnvironment(e.clone(), Expect::Absent)])
        .await
        .unwrap();
    for round in 0..5u32 {
        let current = store.get_environment("shop", "dev").await.unwrap().unwrap();
        let a = versioned(&current, |x| {
            x.running_deployment = Some(format!("a{round}"))
        });
        let b = versioned(&current, |x| {
            x.running_deployment = Some(format!("b{round}"))
        });
        let (ra, rb) = tokio::join!(
            store.commit(vec![Write::PutEnvironment(
                a,
                Expect::Version(current.version)
            )]),
            store.commit(vec![Write::PutEnvironment(
                b,
                Expect::Version(current.version)
            )]),
        );
        let wins = [ra.is_ok(), rb.is_ok()].iter().filter(|w| **w).count();
        assert_eq!(wins, 1, "exactly one racing writer wins ({ra:?}, {rb:?})");
        assert!(
            matches!(ra, Err(StoreError::Conflict)) || matches!(rb, Err(StoreError::Conflict)),
            "the loser is told it conflicted"
        );
        let after = store.get_environment("shop", "dev").await.unwrap().unwrap();
        assert_eq!(after.version, current.version + 1);
    }
}

pub async fn deletes_need_the_current_version(store: &dyn DeploymentStore) {
    store
        .commit(vec![
            Write::PutApp(app("shop"), Expect::Absent),
            Write::PutEnvironment(environment("shop", "dev", 0), Expect::Absent),
        ])
        .await
        .unwrap();
    let wrong = store
        .commit(vec![Write::DeleteApp {
            name: "shop".into(),
            version: 7,
        }])
        .await;
    assert!(matches!(wrong, Err(StoreError::Conflict)));
    let wrong_env = store
        .commit(vec![
            Write::DeleteApp {
                name: "shop".into(),
                version: 1,
            },
            Write::DeleteEnvironment {
                app: "shop".into(),
                name: "dev".into(),
                version: 9,
            },
        ])
        .await;
    assert!(matches!(wrong_env, Err(StoreError::Conflict)));
    assert!(
        store.get_app("shop").await.unwrap().is_some(),
        "a failed delete batch deletes nothing"
    );
    store
        .commit(vec![
            Write::DeleteApp {
                name: "shop".into(),
                version: 1,
            },
            Write::DeleteEnvironment {
                app: "shop".into(),
                name: "dev".into(),
                version: 1,
            },
        ])
        .await
        .unwrap();
    assert_eq!(store.get_app("shop").await.unwrap(), None);
    assert_eq!(store.get_environment("shop", "dev").await.unwrap(), None);
    let gone = store
        .commit(vec![Write::DeleteApp {
            name: "shop".into(),
            version: 1,
        }])
        .await;
    assert!(
        matches!(gone, Err(StoreError::Conflict)),
        "deleting twice conflicts"
    );
}
