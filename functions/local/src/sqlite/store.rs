use std::path::Path;

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use trellis_core::StoreError;
use trellis_core::logs::{LogPage, chunks, clamp_lines, number_lines};
use trellis_core::model::{
    App, Connection, Deployment, Environment, LogLine, NewLogLine, Timestamp, Topic, runner_key,
};
use trellis_core::ports::{DeploymentStore, Write};

use super::db::{Db, unavailable};
use super::rows::*;

pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(SqliteStore {
            db: Db::open(path)?,
        })
    }
}

#[async_trait]
impl DeploymentStore for SqliteStore {
    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                for write in writes {
                    // Dropping the transaction on error rolls the whole batch back.
                    apply(&tx, write)?;
                }
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn get_app(&self, name: &str) -> Result<Option<App>, StoreError> {
        let name = name.to_string();
        self.db
            .run(move |c| query_body(c, "SELECT body FROM apps WHERE name = ?1", &[&name]))
            .await
    }

    async fn list_apps(&self) -> Result<Vec<App>, StoreError> {
        self.db
            .run(|c| query_bodies(c, "SELECT body FROM apps ORDER BY name", &[]))
            .await
    }

    async fn get_environment(
        &self,
        app: &str,
        name: &str,
    ) -> Result<Option<Environment>, StoreError> {
        let (app, name) = (app.to_string(), name.to_string());
        self.db
            .run(move |c| {
                query_body(
                    c,
                    "SELECT body FROM environments WHERE app = ?1 AND name = ?2",
                    &[&app, &name],
                )
            })
            .await
    }

    async fn list_environments(&self, app: &str) -> Result<Vec<Environment>, StoreError> {
        let app = app.to_string();
        self.db
            .run(move |c| {
                query_bodies(
                    c,
                    "SELECT body FROM environments WHERE app = ?1 ORDER BY position, name",
                    &[&app],
                )
            })
            .await
    }

    async fn get_deployment(&self, id: &str) -> Result<Option<Deployment>, StoreError> {
        let id = id.to_string();
        self.db
            .run(move |c| query_body(c, "SELECT body FROM deployments WHERE id = ?1", &[&id]))
            .await
    }

    async fn list_deployments(
        &self,
        app: &str,
        environment: &str,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Vec<Deployment>, StoreError> {
        let (app, environment) = (app.to_string(), environment.to_string());
        // ULIDs sort by creation time; "~" sorts after every ULID character.
        let before = before.unwrap_or("~").to_string();
        let limit = limit as i64;
        self.db
            .run(move |c| {
                query_bodies(
                    c,
                    "SELECT body FROM deployments WHERE app = ?1 AND environment = ?2 AND id < ?3
                     ORDER BY id DESC LIMIT ?4",
                    &[&app, &environment, &before, &limit],
                )
            })
            .await
    }

    async fn list_active_deployments(&self) -> Result<Vec<Deployment>, StoreError> {
        self.db
            .run(|c| {
                query_bodies(
                    c,
                    "SELECT body FROM deployments WHERE status IN ('queued', 'running') ORDER BY id",
                    &[],
                )
            })
            .await
    }

    async fn find_deployment_by_runner(
        &self,
        runner: &str,
    ) -> Result<Option<Deployment>, StoreError> {
        let runner = runner_key(runner).to_string();
        self.db
            .run(move |c| {
                query_body(
                    c,
                    "SELECT body FROM deployments WHERE runner = ?1 ORDER BY id DESC LIMIT 1",
                    &[&runner],
                )
            })
            .await
    }

    async fn record_delivery(&self, id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let id = id.to_string();
        let at = at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        self.db
            .run(move |c| {
                c.execute(
                    "INSERT INTO deliveries (id, at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
                    params![id, at],
                )
                .map(|n| n == 1)
                .map_err(unavailable)
            })
            .await
    }

    async fn forget_delivery(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.db
            .run(move |c| {
                c.execute("DELETE FROM deliveries WHERE id = ?1", params![id])
                    .map(|_| ())
                    .map_err(unavailable)
            })
            .await
    }

    async fn append_logs(
        &self,
        deployment: &str,
        delivery: Option<&str>,
        lines: Vec<NewLogLine>,
    ) -> Result<Vec<LogLine>, StoreError> {
        let deployment = deployment.to_string();
        // A named delivery is recorded with the lines, in the table of processed deliveries
        // (under its own prefix, apart from webhook ids): a redelivery finds it and stops.
        let delivery = delivery.map(|d| format!("log:{deployment}:{d}"));
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                if let Some(id) = &delivery {
                    let at = time::OffsetDateTime::now_utc()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    let new = tx
                        .execute(
                            "INSERT INTO deliveries (id, at) VALUES (?1, ?2)
                             ON CONFLICT (id) DO NOTHING",
                            params![id, at],
                        )
                        .map_err(unavailable)?;
                    if new == 0 {
                        return Ok(Vec::new());
                    }
                }
                let next: u64 = tx
                    .query_row(
                        "SELECT next_seq FROM log_heads WHERE deployment = ?1",
                        params![deployment],
                        |r| r.get::<_, i64>(0),
                    )
                    .optional()
                    .map_err(unavailable)?
                    .map(|v| v as u64)
                    .unwrap_or(1);
                let numbered = number_lines(next, &clamp_lines(lines));
                for chunk in chunks(&numbered) {
                    let (first, last) = (chunk[0].seq, chunk[chunk.len() - 1].seq);
                    tx.execute(
                        "INSERT INTO log_chunks (deployment, last_seq, first_seq, body)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![deployment, last as i64, first as i64, to_json(&chunk)?],
                    )
                    .map_err(unavailable)?;
                }
                tx.execute(
                    "INSERT INTO log_heads (deployment, next_seq) VALUES (?1, ?2)
                     ON CONFLICT (deployment) DO UPDATE SET next_seq = excluded.next_seq",
                    params![deployment, (next + numbered.len() as u64) as i64],
                )
                .map_err(unavailable)?;
                tx.commit().map_err(unavailable)?;
                Ok(numbered)
            })
            .await
    }

    async fn read_logs(
        &self,
        deployment: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LogLine>, StoreError> {
        let deployment = deployment.to_string();
        let after_sql = i64::try_from(after).unwrap_or(i64::MAX);
        self.db
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT body FROM log_chunks WHERE deployment = ?1 AND last_seq > ?2
                         ORDER BY last_seq",
                    )
                    .map_err(unavailable)?;
                let rows = stmt
                    .query_map(params![deployment, after_sql], |r| r.get::<_, String>(0))
                    .map_err(unavailable)?;
                let mut page = LogPage::new(after, limit);
                for row in rows {
                    page.add_chunk(from_json(&row.map_err(unavailable)?)?);
                    if page.missing() == 0 {
                        break;
                    }
                }
                Ok(page.into_lines())
            })
            .await
    }

    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let id = connection.id.clone();
        let body = to_json(connection)?;
        self.db
            .run(move |c| {
                c.execute(
                    "INSERT INTO connections (id, body) VALUES (?1, ?2)
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                    params![id, body],
                )
                .map(|_| ())
                .map_err(unavailable)
            })
            .await
    }

    async fn get_connection(&self, id: &str) -> Result<Option<Connection>, StoreError> {
        let id = id.to_string();
        self.db
            .run(move |c| query_body(c, "SELECT body FROM connections WHERE id = ?1", &[&id]))
            .await
    }

    async fn delete_connection(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.db
            .run(move |conn| {
                let tx = conn.transaction().map_err(unavailable)?;
                tx.execute(
                    "DELETE FROM subscriptions WHERE connection = ?1",
                    params![id],
                )
                .map_err(unavailable)?;
                tx.execute("DELETE FROM connections WHERE id = ?1", params![id])
                    .map_err(unavailable)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn subscribe(&self, connection: &str, topic: &Topic) -> Result<(), StoreError> {
        let (connection, topic) = (connection.to_string(), topic.key());
        self.db
            .run(move |c| {
                c.execute(
                    "INSERT INTO subscriptions (topic, connection) VALUES (?1, ?2)
                     ON CONFLICT DO NOTHING",
                    params![topic, connection],
                )
                .map(|_| ())
                .map_err(unavailable)
            })
            .await
    }

    async fn subscribers(&self, topic: &Topic) -> Result<Vec<String>, StoreError> {
        let topic = topic.key();
        self.db
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT connection FROM subscriptions WHERE topic = ?1 ORDER BY connection",
                    )
                    .map_err(unavailable)?;
                let rows = stmt
                    .query_map(params![topic], |r| r.get::<_, String>(0))
                    .map_err(unavailable)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
            })
            .await
    }
}
