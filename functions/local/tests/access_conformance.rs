//! The access conformance suite (users, grants, tokens, sessions, audit) on SQLite.

use std::ops::Deref;

use trellis_local::sqlite::SqliteAccessStore;

/// A fresh database file that lives as long as the test's store.
struct Fresh {
    store: SqliteAccessStore,
    _dir: tempfile::TempDir,
}

impl Deref for Fresh {
    type Target = SqliteAccessStore;
    fn deref(&self) -> &SqliteAccessStore {
        &self.store
    }
}

async fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteAccessStore::open(&dir.path().join("access.db")).unwrap();
    Fresh { store, _dir: dir }
}

trellis_core::access_conformance_tests!(fresh());
