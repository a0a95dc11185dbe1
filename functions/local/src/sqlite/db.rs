use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use trellis_core::StoreError;

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS apps (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS environments (
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (app, name)
);
CREATE TABLE IF NOT EXISTS deployments (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    environment TEXT NOT NULL,
    status TEXT NOT NULL,
    runner TEXT,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deployments_by_environment ON deployments (app, environment, id);
CREATE INDEX IF NOT EXISTS deployments_active ON deployments (status)
    WHERE status IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS deployments_by_runner ON deployments (runner)
    WHERE runner IS NOT NULL;
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log_heads (
    deployment TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log_chunks (
    deployment TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (deployment, last_seq)
);
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
    topic TEXT NOT NULL,
    connection TEXT NOT NULL,
    PRIMARY KEY (topic, connection)
);
CREATE INDEX IF NOT EXISTS subscriptions_by_connection ON subscriptions (connection);
CREATE TABLE IF NOT EXISTS secrets (
    app TEXT NOT NULL,
    environment TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (app, environment, name)
);
CREATE TABLE IF NOT EXISTS users (
    login TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    app TEXT NOT NULL,
    login TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (app, login, source)
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_by_owner ON tokens (login, id);
CREATE TABLE IF NOT EXISTS sessions (
    hash TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_login ON sessions (login);
CREATE TABLE IF NOT EXISTS audit (
    id TEXT PRIMARY KEY,
    app TEXT,
    actor TEXT NOT NULL,
    expires INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_expiry ON audit (expires);
CREATE TABLE IF NOT EXISTS feedback (
    deployment TEXT NOT NULL,
    target TEXT NOT NULL,
    version INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    due INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (deployment, target)
);
CREATE INDEX IF NOT EXISTS feedback_due ON feedback (pending, due);
CREATE TABLE IF NOT EXISTS destinations (
    app TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (app, id)
);
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY,
    destination TEXT NOT NULL,
    version INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    due INTEGER NOT NULL,
    created INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (pending, due);
CREATE INDEX IF NOT EXISTS notifications_by_destination ON notifications (destination, created);
";

/// One SQLite connection used from async code: each call runs on the blocking pool.
#[derive(Clone)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
}

pub(crate) fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

pub(crate) fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl Db {
    pub(crate) fn open(path: &Path) -> Result<Db, StoreError> {
        let conn = Connection::open(path).map_err(unavailable)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(unavailable)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(unavailable)?;
        // WAL with NORMAL keeps every committed batch across a process crash.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(unavailable)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(unavailable)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Unavailable(format!(
                "{} was written by a newer Trellis (schema {version}, this one knows {SCHEMA_VERSION})",
                path.display()
            )));
        }
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(unavailable)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }
}
