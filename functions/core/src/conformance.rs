//! The store conformance suite: the same assertions for every [`DeploymentStore`] adapter
//! (SQLite, and DynamoDB on the AWS emulator), so that the two can never drift apart.
//!
//! An adapter's test file calls the macro with an async expression that yields a fresh, empty
//! store (anything that derefs to a type implementing the port):
//!
//! ```text
//! trellis_core::store_conformance_tests!(async { fresh_store().await });
//! ```
//!
//! It expands to one `#[tokio::test]` per check, so a failure names the rule it broke.

/// A recorded payload from `tests/fixtures/` (see its README), for tests in any crate.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {}: {e}", full.display()))
}

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::error::StoreError;
use crate::logs::MAX_LINE_BYTES;
use crate::model::{
    App, Commit, ConfigSnapshot, Connection, Deployment, DeploymentKind, DeploymentStatus,
    EnvState, Environment, NewLogLine, Repository, Settings, Topic, Trigger,
};
use crate::ports::{DeploymentStore, Expect, Write};

#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:expr) => {
        $crate::store_conformance_tests!(@each $factory;
            apps_and_environments_round_trip,
            creating_an_existing_record_conflicts_and_writes_nothing,
            versions_are_compared_and_bumped,
            racing_writers_never_both_win,
            deletes_need_the_current_version,
            deployments_are_listed_newest_first_per_environment,
            active_deployments_and_runner_lookup,
            deliveries_are_recorded_once,
            logs_are_numbered_without_gaps,
            long_and_many_log_lines_are_kept,
            concurrent_log_appends_stay_gapless,
            redelivered_log_batches_are_stored_once,
            connections_and_subscriptions
        );
    };
    (@each $factory:expr; $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let store = $factory.await;
                $crate::conformance::$check(&*store).await;
            }
        )+
    };
}

/// A millisecond-precise timestamp (what every store keeps).
pub fn at(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn app(name: &str) -> App {
    App {
        name: name.into(),
        repository: Repository::Github {
            full_name: format!("acme/{name}"),
            installation_id: 7,
        },
        settings: Settings {
            deploy_command: Some("npm run deploy".into()),
            ..Default::default()
        },
        branch_heads: BTreeMap::from([("main".into(), "a".repeat(40))]),
        created_at: at(1_700_000_000_123),
        version: 0,
    }
}

pub fn environment(app: &str, name: &str, position: u32) -> Environment {
    Environment {
        app: app.into(),
        name: name.into(),
        position,
        branch: Some("main".into()),
        auto_deploy: position == 0,
        protected: false,
        tests_enabled: true,
        state: EnvState::Empty,
        current_deployment: None,
        current_commit: None,
        running_deployment: None,
        queued_deployment: None,
        variables: BTreeMap::from([("REGION".into(), "eu-west-1".into())]),
        secret_names: vec!["API_KEY".into()],
        settings: Settings::default(),
        version: 0,
    }
}

/// A deployment with a ULID-shaped id that sorts by `n`.
pub fn deployment(app: &str, env: &str, n: u32, status: DeploymentStatus) -> Deployment {
    Deployment {
        id: format!("01JCONFORMANCE{n:012}"),
        app: app.into(),
        environment: env.into(),
        kind: DeploymentKind::Deploy,
        trigger: Trigger::Push,
        commit: Commit {
            sha: format!("{n:040}"),
            message: format!("commit {n}\n\nwith a body"),
            author: "Ada Lovelace".into(),
        },
        status,
        created_at: at(1_700_000_000_000 + i64::from(n)),
        started_at: None,
        finished_at: None,
        error: None,
        outputs: serde_json::Map::from_iter([("url".to_string(), "https://x".into())]),
        promoted_from: None,
        rollback_of: None,
        config: ConfigSnapshot {
            branch: Some("main".into()),
            tests_enabled: false,
            install_command: None,
            test_command: "npm test".into(),
            deploy_command: "npm run deploy".into(),
            remove_command: "npm run remove".into(),
            timeout_minutes: 60,
            deploy_role_arn: None,
            variables: BTreeMap::new(),
            secret_names: Vec::new(),
        },
        runner: None,
        cancel_requested: false,
        version: 0,
    }
}

fn versioned<T: Clone>(record: &T, set: impl Fn(&mut T)) -> T {
    let mut r = record.clone();
    set(&mut r);
    r
}

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

fn lines(range: std::ops::Range<usize>) -> Vec<NewLogLine> {
    range
        .map(|i| NewLogLine {
            timestamp: 1_000 + i as i64,
            text: format!("line {i}"),
        })
        .collect()
}

pub async fn logs_are_numbered_without_gaps(store: &dyn DeploymentStore) {
    let first = store.append_logs("dep-a", None, lines(0..3)).await.unwrap();
    let seqs: Vec<u64> = first.iter().map(|l| l.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let second = store.append_logs("dep-a", None, lines(3..5)).await.unwrap();
    assert_eq!(second.iter().map(|l| l.seq).collect::<Vec<_>>(), [4, 5]);
    let other = store.append_logs("dep-b", None, lines(0..1)).await.unwrap();
    assert_eq!(other[0].seq, 1, "each deployment has its own numbering");

    let all = store.read_logs("dep-a", 0, 100).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[4].text, "line 4");
    assert_eq!(all[4].timestamp, 1_004);
    let after = store.read_logs("dep-a", 2, 100).await.unwrap();
    assert_eq!(after.iter().map(|l| l.seq).collect::<Vec<_>>(), [3, 4, 5]);
    let limited = store.read_logs("dep-a", 1, 2).await.unwrap();
    assert_eq!(limited.iter().map(|l| l.seq).collect::<Vec<_>>(), [2, 3]);
    assert!(store.read_logs("dep-a", 5, 100).await.unwrap().is_empty());
    assert!(
        store
            .read_logs("dep-none", 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .append_logs("dep-a", None, Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.append_logs("dep-a", None, lines(0..1)).await.unwrap()[0].seq,
        6,
        "an empty append uses no numbers"
    );
}

pub async fn long_and_many_log_lines_are_kept(store: &dyn DeploymentStore) {
    let long = "x".repeat(MAX_LINE_BYTES);
    let stored = store
        .append_logs(
            "dep",
            None,
            vec![NewLogLine {
                timestamp: 1,
                text: long.clone(),
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        stored[0].text, long,
        "a line of the maximum length is kept whole"
    );
    store
        .append_logs("dep", None, lines(0..1000))
        .await
        .unwrap();
    for chunk in 0..50 {
        store
            .append_logs("dep", None, lines(chunk * 20..chunk * 20 + 20))
            .await
            .unwrap();
    }
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_logs("dep", after, 333).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        all.extend(page);
    }
    assert_eq!(all.len(), 2001);
    assert!(
        all.iter().enumerate().all(|(i, l)| l.seq == i as u64 + 1),
        "paging by seq sees every line once, in order"
    );
}

pub async fn concurrent_log_appends_stay_gapless(store: &dyn DeploymentStore) {
    let (a, b, c) = tokio::join!(
        store.append_logs("dep", None, lines(0..50)),
        store.append_logs("dep", None, lines(50..100)),
        store.append_logs("dep", None, lines(100..150)),
    );
    for r in [&a, &b, &c] {
        assert!(r.is_ok(), "{r:?}");
    }
    let all = store.read_logs("dep", 0, 1000).await.unwrap();
    let seqs: Vec<u64> = all.iter().map(|l| l.seq).collect();
    assert_eq!(
        seqs,
        (1..=150).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
    let mut texts: Vec<&str> = all.iter().map(|l| l.text.as_str()).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 150, "every line stored once");
}

pub async fn redelivered_log_batches_are_stored_once(store: &dyn DeploymentStore) {
    let first = store
        .append_logs("dep", Some("batch-1"), lines(0..3))
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    assert!(
        store
            .append_logs("dep", Some("batch-1"), lines(0..3))
            .await
            .unwrap()
            .is_empty(),
        "a redelivered batch stores nothing and returns nothing"
    );
    let second = store
        .append_logs("dep", Some("batch-2"), lines(3..5))
        .await
        .unwrap();
    assert_eq!(second.iter().map(|l| l.seq).collect::<Vec<_>>(), [4, 5]);
    let unnamed = store.append_logs("dep", None, lines(5..6)).await.unwrap();
    assert_eq!(
        unnamed[0].seq, 6,
        "a batch without a name is always appended"
    );
    let elsewhere = store
        .append_logs("other", Some("batch-1"), lines(0..2))
        .await
        .unwrap();
    assert_eq!(elsewhere.len(), 2, "names are per deployment");

    // A batch too big for one write, delivered three times, twice at once.
    let big = lines(10..6010);
    let (a, b) = tokio::join!(
        store.append_logs("dep", Some("batch-big"), big.clone()),
        store.append_logs("dep", Some("batch-big"), big.clone()),
    );
    assert_eq!(a.unwrap().len() + b.unwrap().len(), 6000);
    assert!(
        store
            .append_logs("dep", Some("batch-big"), big)
            .await
            .unwrap()
            .is_empty()
    );

    let all = store.read_logs("dep", 0, 10_000).await.unwrap();
    assert_eq!(
        all.iter().map(|l| l.seq).collect::<Vec<_>>(),
        (1..=6006).collect::<Vec<_>>(),
        "no gaps, no duplicates"
    );
    let texts: Vec<&str> = all.iter().map(|l| l.text.as_str()).collect();
    let expected: Vec<String> = (0..6)
        .chain(10..6010)
        .map(|i| format!("line {i}"))
        .collect();
    assert_eq!(texts, expected, "each line once, in order");
}

pub async fn connections_and_subscriptions(store: &dyn DeploymentStore) {
    for id in ["c1", "c2"] {
        store
            .put_connection(&Connection {
                id: id.into(),
                connected_at: at(1),
                expires_at: at(7_200_000),
            })
            .await
            .unwrap();
    }
    let dep = Topic::Deployment("d1".into());
    let shop = Topic::App("shop".into());
    store.subscribe("c1", &dep).await.unwrap();
    store.subscribe("c1", &dep).await.unwrap();
    store.subscribe("c2", &dep).await.unwrap();
    store.subscribe("c2", &shop).await.unwrap();
    let mut subs = store.subscribers(&dep).await.unwrap();
    subs.sort();
    assert_eq!(subs, ["c1", "c2"], "each connection once");
    assert_eq!(store.subscribers(&shop).await.unwrap(), ["c2"]);
    assert!(
        store
            .subscribers(&Topic::App("d1".into()))
            .await
            .unwrap()
            .is_empty(),
        "an app and a deployment with the same name are different topics"
    );
    store.delete_connection("c2").await.unwrap();
    assert_eq!(store.subscribers(&dep).await.unwrap(), ["c1"]);
    assert!(store.subscribers(&shop).await.unwrap().is_empty());
    store.delete_connection("c-unknown").await.unwrap();
}
