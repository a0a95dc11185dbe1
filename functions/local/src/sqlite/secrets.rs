use std::collections::BTreeMap;
use std::path::Path;

use async_trait::async_trait;
use rusqlite::{TransactionBehavior, params};
use trellis_core::SecretError;
use trellis_core::ports::SecretStore;

use super::db::Db;

/// Secret values in the local database (which lives in the 0700 data directory). On AWS they
/// live in Secrets Manager.
pub struct SqliteSecretStore {
    db: Db,
}

fn err(e: impl std::fmt::Display) -> SecretError {
    SecretError(e.to_string())
}

impl SqliteSecretStore {
    pub fn open(path: &Path) -> Result<Self, trellis_core::StoreError> {
        Ok(SqliteSecretStore {
            db: Db::open(path)?,
        })
    }
}

#[async_trait]
impl SecretStore for SqliteSecretStore {
    async fn get(
        &self,
        app: &str,
        environment: &str,
    ) -> Result<BTreeMap<String, String>, SecretError> {
        let (app, environment) = (app.to_string(), environment.to_string());
        self.db
            .run(move |conn| {
                let mut stmt = conn
                    .prepare("SELECT name, value FROM secrets WHERE app = ?1 AND environment = ?2")
                    .map_err(super::db::unavailable)?;
                let rows = stmt
                    .query_map(params![app, environment], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(super::db::unavailable)?;
                rows.collect::<Result<BTreeMap<String, String>, _>>()
                    .map_err(super::db::unavailable)
            })
            .await
            .map_err(err)
    }

    async fn update(
        &self,
        app: &str,
        environment: &str,
        changes: BTreeMap<String, Option<String>>,
    ) -> Result<Vec<String>, SecretError> {
        let (app, environment) = (app.to_string(), environment.to_string());
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(super::db::unavailable)?;
                for (name, value) in &changes {
                    match value {
                        Some(v) => tx.execute(
                            "INSERT INTO secrets (app, environment, name, value) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (app, environment, name) DO UPDATE SET value = excluded.value",
                            params![app, environment, name, v],
                        ),
                        None => tx.execute(
                            "DELETE FROM secrets WHERE app = ?1 AND environment = ?2 AND name = ?3",
                            params![app, environment, name],
                        ),
                    }
                    .map_err(super::db::unavailable)?;
                }
                let names = {
                    let mut stmt = tx
                        .prepare(
                            "SELECT name FROM secrets WHERE app = ?1 AND environment = ?2 ORDER BY name",
                        )
                        .map_err(super::db::unavailable)?;
                    let rows = stmt
                        .query_map(params![app, environment], |r| r.get(0))
                        .map_err(super::db::unavailable)?;
                    rows.collect::<Result<Vec<String>, _>>()
                        .map_err(super::db::unavailable)?
                };
                tx.commit().map_err(super::db::unavailable)?;
                Ok(names)
            })
            .await
            .map_err(err)
    }

    async fn delete_all(&self, app: &str, environment: &str) -> Result<(), SecretError> {
        let (app, environment) = (app.to_string(), environment.to_string());
        self.db
            .run(move |conn| {
                conn.execute(
                    "DELETE FROM secrets WHERE app = ?1 AND environment = ?2",
                    params![app, environment],
                )
                .map(|_| ())
                .map_err(super::db::unavailable)
            })
            .await
            .map_err(err)
    }
}
