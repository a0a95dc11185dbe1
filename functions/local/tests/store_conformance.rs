//! The store conformance suite on SQLite, plus the secret store.

use std::collections::BTreeMap;
use std::ops::Deref;

use trellis_core::ports::SecretStore;
use trellis_local::sqlite::{SqliteSecretStore, SqliteStore};

/// A fresh database file that lives as long as the test's store.
struct Fresh {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Deref for Fresh {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

async fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("conformance.db")).unwrap();
    Fresh { store, _dir: dir }
}

trellis_core::store_conformance_tests!(fresh());

#[tokio::test]
async fn data_survives_reopening_the_database() {
    use trellis_core::ports::{DeploymentStore, Expect, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .commit(vec![Write::PutApp(
                trellis_core::conformance::app("shop"),
                Expect::Absent,
            )])
            .await
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get_app("shop").await.unwrap().unwrap().version, 1);
}

#[tokio::test]
async fn secrets_are_set_overwritten_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = SqliteSecretStore::open(&dir.path().join("s.db")).unwrap();
    let set = |pairs: &[(&str, Option<&str>)]| -> BTreeMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    };
    let names = secrets
        .update(
            "shop",
            "dev",
            set(&[("B_KEY", Some("1")), ("A_KEY", Some("2"))]),
        )
        .await
        .unwrap();
    assert_eq!(names, ["A_KEY", "B_KEY"], "names come back sorted");
    let names = secrets
        .update("shop", "dev", set(&[("B_KEY", Some("3")), ("A_KEY", None)]))
        .await
        .unwrap();
    assert_eq!(names, ["B_KEY"]);
    assert_eq!(
        secrets.get("shop", "dev").await.unwrap(),
        BTreeMap::from([("B_KEY".to_string(), "3".to_string())])
    );
    assert!(
        secrets.get("shop", "prod").await.unwrap().is_empty(),
        "per environment"
    );
    secrets.delete_all("shop", "dev").await.unwrap();
    assert!(secrets.get("shop", "dev").await.unwrap().is_empty());
}

async fn fresh_shared() -> (
    std::sync::Arc<dyn trellis_core::ports::DeploymentStore>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("approvals.db")).unwrap();
    (std::sync::Arc::new(store), dir)
}

mod approvals {
    use super::*;
    trellis_core::approval_conformance_tests!(fresh_shared());
}

struct FreshFeedback {
    store: trellis_local::sqlite::SqliteFeedbackStore,
    _dir: tempfile::TempDir,
}

impl Deref for FreshFeedback {
    type Target = trellis_local::sqlite::SqliteFeedbackStore;
    fn deref(&self) -> &Self::Target {
        &self.store
    }
}

async fn fresh_feedback() -> FreshFeedback {
    let dir = tempfile::tempdir().unwrap();
    let store =
        trellis_local::sqlite::SqliteFeedbackStore::open(&dir.path().join("feedback.db")).unwrap();
    FreshFeedback { store, _dir: dir }
}

mod feedback {
    use super::*;
    trellis_core::feedback_conformance_tests!(fresh_feedback());
}

struct FreshNotifications {
    store: trellis_local::sqlite::SqliteNotificationStore,
    _dir: tempfile::TempDir,
}

impl Deref for FreshNotifications {
    type Target = trellis_local::sqlite::SqliteNotificationStore;
    fn deref(&self) -> &Self::Target {
        &self.store
    }
}

async fn fresh_notifications() -> FreshNotifications {
    let dir = tempfile::tempdir().unwrap();
    let store = trellis_local::sqlite::SqliteNotificationStore::open(&dir.path().join("notify.db"))
        .unwrap();
    FreshNotifications { store, _dir: dir }
}

mod notifications {
    use super::*;
    trellis_core::notification_conformance_tests!(fresh_notifications());
}
