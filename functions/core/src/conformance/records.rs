//! Records the checks start from, built the same way for every store.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::model::{
    App, Commit, ConfigSnapshot, Deployment, DeploymentKind, DeploymentStatus, EnvState,
    Environment, Repository, Settings, Trigger,
};

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
        previews_from: None,
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
        requires_approval: false,
        preview: None,
        tests_enabled: true,
        dependency_cache: false,
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
        cache: Some(crate::cache::CacheReport {
            key: Some("npm-node22-0123456789abcdef".into()),
            restore_ms: Some(120),
            bytes: Some(4096),
            ..crate::cache::CacheReport::status(crate::cache::CacheStatus::Hit)
        }),
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
        requested_by: Some("ada".into()),
        approved_by: None,
        version: 0,
    }
}

pub(super) fn versioned<T: Clone>(record: &T, set: impl Fn(&mut T)) -> T {
    let mut r = record.clone();
    set(&mut r);
    r
}
