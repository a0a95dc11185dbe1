//! One conformance suite for every place dependency caches live — the local data directory
//! and S3 on moto (through presigned links, as a Fargate runner reaches it) — driven by the
//! runner's own restore and save: a miss then a hit, environments kept apart, a lockfile
//! change, a corrupt archive, clearing one environment and a whole app.

use std::path::Path;
use std::sync::Arc;

use trellis_aws::{S3DependencyCaches, testing};
use trellis_build_runner::cache::CacheSession;
use trellis_core::cache::{CacheStatus, DependencyCaches};
use trellis_core::conformance::deployment;
use trellis_core::job::RunnerJob;
use trellis_core::model::{DeploymentStatus, Repository};
use trellis_local::dependency_cache::LocalDependencyCaches;

/// Replaces an environment's stored archive with damaged bytes, the adapter's own way.
type Corrupt = Box<dyn Fn(&str, &str) -> futures_util::future::BoxFuture<'static, ()>>;

struct Run {
    status: CacheStatus,
    saved: bool,
    /// The package cache's file, as restored.
    restored: Option<String>,
    /// `node_modules`' file, as restored.
    modules: Option<String>,
}

/// One deployment's cache work on a checkout whose lockfile says `lock`: restore, then (as
/// after a clean install) the package manager's cache holds `content`, then save.
async fn run(caches: &dyn DependencyCaches, env: &str, lock: &str, content: &str) -> Run {
    let workspace = tempfile::tempdir().unwrap();
    let checkout = workspace.path().join("src");
    std::fs::create_dir_all(&checkout).unwrap();
    std::fs::write(checkout.join("package.json"), "{}").unwrap();
    std::fs::write(checkout.join("package-lock.json"), lock).unwrap();
    let d = deployment("shop", env, 1, DeploymentStatus::Running);
    let mut job = RunnerJob::for_deployment(&d, &Repository::Local { path: "/x".into() });
    job.cache_wanted = true;
    job.cache = Some(caches.access("shop", env).await.unwrap());
    let (mut session, line) = CacheSession::restore(&job, &checkout, workspace.path(), None).await;
    let npm = workspace.path().join("dependency-cache/npm");
    let restored = std::fs::read_to_string(npm.join("packages/kept")).ok();
    let installed = checkout.join("node_modules/left-pad/index.js");
    let modules = std::fs::read_to_string(&installed).ok();
    assert_eq!(session.modules_restored, modules.is_some());
    std::fs::create_dir_all(npm.join("packages")).unwrap();
    std::fs::write(npm.join("packages/kept"), content).unwrap();
    std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
    std::fs::write(&installed, content).unwrap();
    let saved = session.save().await;
    let status = session.report.status;
    if let Some((said, ok)) = &saved {
        assert!(
            *ok && said.starts_with("saved "),
            "{line} / {said}: {:?}",
            session.report
        );
    }
    Run {
        status,
        saved: session.report.save_ms.is_some(),
        restored,
        modules,
    }
}

async fn conformance(caches: Arc<dyn DependencyCaches>, corrupt: Corrupt) {
    let c = caches.as_ref();
    assert!(c.entries("shop", "dev").await.unwrap().is_empty());
    let first = run(c, "dev", "lock-1", "from the first install").await;
    assert_eq!(
        (first.status, first.saved, first.restored),
        (CacheStatus::Miss, true, None)
    );
    let entries = c.entries("shop", "dev").await.unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].bytes > 0);

    let second = run(c, "dev", "lock-1", "unused").await;
    assert_eq!(second.status, CacheStatus::Hit);
    assert!(!second.saved, "a hit saves nothing");
    assert_eq!(second.restored.as_deref(), Some("from the first install"));
    assert_eq!(second.modules.as_deref(), Some("from the first install"));

    // Another environment of the same app starts with nothing.
    let other = run(c, "prod", "lock-1", "prod's own").await;
    assert_eq!((other.status, other.restored), (CacheStatus::Miss, None));

    // A lockfile change misses: the downloaded packages are reused, node_modules never; its
    // save replaces the environment's archive.
    let changed = run(c, "dev", "lock-2", "after the lockfile changed").await;
    assert_eq!((changed.status, changed.saved), (CacheStatus::Miss, true));
    assert_eq!(changed.restored.as_deref(), Some("from the first install"));
    assert_eq!(changed.modules, None);
    assert_eq!(c.entries("shop", "dev").await.unwrap().len(), 1);
    let again = run(c, "dev", "lock-2", "unused").await;
    assert_eq!(
        again.restored.as_deref(),
        Some("after the lockfile changed")
    );

    // A damaged archive is ignored and replaced by the next save.
    corrupt("shop", "dev").await;
    let damaged = run(c, "dev", "lock-2", "repaired").await;
    assert_eq!(
        (damaged.status, damaged.saved),
        (CacheStatus::Unusable, true)
    );
    let repaired = run(c, "dev", "lock-2", "unused").await;
    assert_eq!(repaired.restored.as_deref(), Some("repaired"));

    // Clearing one environment, then the whole app.
    let cleared = c.clear("shop", Some("dev")).await.unwrap();
    assert_eq!(cleared.archives, 1);
    assert!(c.entries("shop", "dev").await.unwrap().is_empty());
    assert_eq!(run(c, "dev", "lock-2", "x").await.status, CacheStatus::Miss);
    let cleared = c.clear("shop", None).await.unwrap();
    assert_eq!(cleared.archives, 2, "dev's new archive and prod's");
    assert!(c.entries("shop", "prod").await.unwrap().is_empty());
}

fn damage(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let cut = bytes.len() * 2 / 3;
    bytes.truncate(cut);
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn the_local_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dependency-cache");
    let caches = Arc::new(LocalDependencyCaches::new(root.clone(), 1 << 30));
    let corrupt: Corrupt = Box::new(move |app, env| {
        let env_dir = root.join(app).join(env);
        Box::pin(async move {
            for entry in std::fs::read_dir(env_dir).unwrap().flatten() {
                damage(&entry.path());
            }
        })
    });
    conformance(caches, corrupt).await;
}

#[tokio::test]
async fn s3_through_presigned_links() {
    let (s3, bucket) = testing::jobs_bucket().await;
    let caches = Arc::new(S3DependencyCaches::new(s3.clone(), bucket.clone()));
    let corrupt: Corrupt = Box::new(move |app, env| {
        let (s3, bucket) = (s3.clone(), bucket.clone());
        let key = format!("cache/{app}/{env}/dependencies.tar.gz");
        Box::pin(async move {
            let object = s3
                .get_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .unwrap();
            let mut bytes = object.body.collect().await.unwrap().into_bytes().to_vec();
            bytes.truncate(bytes.len() * 2 / 3);
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .body(bytes.into())
                .send()
                .await
                .unwrap();
        })
    });
    conformance(caches, corrupt).await;
}
