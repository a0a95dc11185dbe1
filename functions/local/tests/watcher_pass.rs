//! The local watcher's pass goes on past an app it cannot push.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use common::*;
use trellis_core::model::{Commit, Repository};
use trellis_core::ports::{SourceRepository, SystemClock};
use trellis_core::{Pipeline, Ports, SourceError};
use trellis_local::sqlite::{SqliteSecretStore, SqliteStore};
use trellis_local::watcher::poll_once;

/// Every repository has `main` at `head`; the one at /srv/broken cannot resolve it.
struct TwoRepos {
    head: std::sync::Mutex<String>,
}

#[async_trait]
impl SourceRepository for TwoRepos {
    async fn branch_heads(&self, _: &Repository) -> Result<BTreeMap<String, String>, SourceError> {
        Ok(BTreeMap::from([(
            "main".into(),
            self.head.lock().unwrap().clone(),
        )]))
    }
    async fn resolve(&self, repo: &Repository, sha: &str) -> Result<Commit, SourceError> {
        match repo {
            Repository::Local { path } if path == "/srv/broken" => {
                Err(SourceError::Failed("the repository is gone".into()))
            }
            _ => Ok(commit(sha)),
        }
    }
    async fn check(&self, _: &Repository) -> Result<(), SourceError> {
        Ok(())
    }
}

#[tokio::test]
async fn one_app_that_cannot_be_pushed_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let repos = Arc::new(TwoRepos {
        head: std::sync::Mutex::new("a".repeat(40)),
    });
    let pipeline = Pipeline::new(Ports {
        store: Arc::new(SqliteStore::open(&db).unwrap()),
        secrets: Arc::new(SqliteSecretStore::open(&db).unwrap()),
        launcher: Arc::new(RecordingLauncher::default()),
        notifier: Arc::new(RecordingNotifier::default()),
        source: repos.clone(),
        clock: Arc::new(SystemClock),
    });
    for (name, path) in [("broken", "/srv/broken"), ("fine", "/srv/fine")] {
        let mut app = new_app(name);
        app.repository = Repository::Local { path: path.into() };
        pipeline.create_app(app).await.unwrap();
    }

    // Both repositories move on.
    *repos.head.lock().unwrap() = "b".repeat(40);
    let pass = poll_once(&pipeline, repos.as_ref()).await;
    assert_eq!(pass.raised, 1, "{pass:?}");
    assert_eq!(pass.errors.len(), 1, "{pass:?}");
    assert!(pass.errors[0].starts_with("broken: "), "{pass:?}");
    let fine = pipeline
        .get_environment("fine", "development")
        .await
        .unwrap();
    assert!(
        fine.running_deployment.is_some(),
        "the second app was pushed"
    );
}
