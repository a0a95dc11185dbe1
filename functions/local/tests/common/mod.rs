//! The test harness shared by the pipeline and forwarder tests: the real SQLite store, with a
//! recording launcher and notifier and a scripted repository standing in for processes and git.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use trellis_core::job::RunnerJob;
use trellis_core::model::{Commit, Repository, Settings};
use trellis_core::ports::{LiveEvent, Notifier, RunnerLauncher, SourceRepository, SystemClock};
use trellis_core::requests::{NewApp, PushEvent, RunnerOutcome};
use trellis_core::{LaunchError, Pipeline, Ports, SourceError};
use trellis_local::sqlite::{SqliteSecretStore, SqliteStore};

#[derive(Default)]
pub struct RecordingLauncher {
    pub launched: Mutex<Vec<RunnerJob>>,
    pub stopped: Mutex<Vec<String>>,
    pub refuse: AtomicBool,
}

#[async_trait]
impl RunnerLauncher for RecordingLauncher {
    async fn launch(&self, job: RunnerJob) -> Result<String, LaunchError> {
        if self.refuse.load(Ordering::SeqCst) {
            return Err(LaunchError("no capacity".into()));
        }
        let handle = format!("runner-{}", job.deployment_id);
        self.launched.lock().unwrap().push(job);
        Ok(handle)
    }
    async fn stop(&self, runner: &str) -> Result<(), LaunchError> {
        self.stopped.lock().unwrap().push(runner.to_string());
        Ok(())
    }
}

#[derive(Default)]
pub struct RecordingNotifier {
    pub events: Mutex<Vec<LiveEvent>>,
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn publish(&self, event: LiveEvent) {
        self.events.lock().unwrap().push(event);
    }
}

/// A repository whose branches the test sets.
#[derive(Default)]
pub struct FakeRepo {
    pub heads: Mutex<BTreeMap<String, String>>,
}

pub fn commit(sha: &str) -> Commit {
    Commit {
        sha: format!("{sha:0<40}"),
        message: format!("commit {sha}"),
        author: "Ada".into(),
    }
}

#[async_trait]
impl SourceRepository for FakeRepo {
    async fn branch_heads(&self, _: &Repository) -> Result<BTreeMap<String, String>, SourceError> {
        Ok(self.heads.lock().unwrap().clone())
    }
    async fn resolve(&self, _: &Repository, reference: &str) -> Result<Commit, SourceError> {
        let heads = self.heads.lock().unwrap();
        match heads.get(reference) {
            Some(sha) => Ok(commit(sha)),
            None if reference.len() >= 7 && reference.chars().all(|c| c.is_ascii_hexdigit()) => {
                Ok(commit(reference))
            }
            None => Err(SourceError::NotFound(format!("no ref {reference}"))),
        }
    }
    async fn check(&self, _: &Repository) -> Result<(), SourceError> {
        Ok(())
    }
}

pub struct Harness {
    pub pipeline: Arc<Pipeline>,
    pub store: Arc<SqliteStore>,
    pub secrets: Arc<SqliteSecretStore>,
    pub launcher: Arc<RecordingLauncher>,
    pub notifier: Arc<RecordingNotifier>,
    pub repo: Arc<FakeRepo>,
    pub access: Arc<trellis_core::access::AccessService>,
    pub _dir: tempfile::TempDir,
}

pub const REPO: &str = "/srv/repos/shop";

pub fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    let secrets = Arc::new(SqliteSecretStore::open(&db).unwrap());
    let launcher = Arc::new(RecordingLauncher::default());
    let notifier = Arc::new(RecordingNotifier::default());
    let repo = Arc::new(FakeRepo::default());
    repo.heads
        .lock()
        .unwrap()
        .insert("main".into(), "a1".into());
    let pipeline = Arc::new(Pipeline::new(Ports {
        store: store.clone(),
        secrets: secrets.clone(),
        launcher: launcher.clone(),
        notifier: notifier.clone(),
        source: repo.clone(),
        clock: Arc::new(SystemClock),
    }));
    Harness {
        pipeline,
        store,
        secrets,
        launcher,
        notifier,
        repo,
        access: Arc::new(trellis_core::access::AccessService::new(
            Arc::new(trellis_local::sqlite::SqliteAccessStore::open(&db).unwrap()),
            Arc::new(SystemClock),
            time::Duration::days(365),
        )),
        _dir: dir,
    }
}

pub fn new_app(name: &str) -> NewApp {
    NewApp {
        name: name.into(),
        repository: Repository::Local { path: REPO.into() },
        settings: Settings::default(),
        environments: None,
    }
}

pub fn push(sha: &str) -> PushEvent {
    PushEvent {
        pushed_by: None,
        repository_key: Repository::Local { path: REPO.into() }.key(),
        branch: "main".into(),
        commit: commit(sha),
        only_app: None,
    }
}

pub fn succeed() -> RunnerOutcome {
    RunnerOutcome::Succeeded {
        outputs: serde_json::Map::from_iter([("url".to_string(), "http://x".into())]),
    }
}

pub fn fail(reason: &str) -> RunnerOutcome {
    RunnerOutcome::Failed {
        reason: reason.into(),
    }
}

impl Harness {
    pub async fn app(&self) {
        self.pipeline.create_app(new_app("shop")).await.unwrap();
    }

    pub async fn env_named(&self, app: &str, name: &str) -> trellis_core::model::Environment {
        self.pipeline.get_environment(app, name).await.unwrap()
    }

    pub async fn env(&self, name: &str) -> trellis_core::model::Environment {
        self.pipeline.get_environment("shop", name).await.unwrap()
    }

    pub async fn deployed_dev(&self, sha: &str) -> trellis_core::model::Deployment {
        let d = self
            .pipeline
            .handle_push(push(sha))
            .await
            .unwrap()
            .remove(0);
        self.pipeline.finish(&d.id, succeed()).await.unwrap();
        self.pipeline.require_deployment(&d.id).await.unwrap()
    }

    pub fn launches(&self) -> usize {
        self.launcher.launched.lock().unwrap().len()
    }
}
