//! Notification destinations and their deliveries.

use std::path::Path;

use async_trait::async_trait;
use rusqlite::TransactionBehavior;
use trellis_core::StoreError;
use trellis_core::model::Timestamp;
use trellis_core::notify::{Delivery, Destination, NotificationStore};
use trellis_core::ports::Expect;

use super::db::{Db, unavailable};
use super::rows::{current_version, millis, next_version, query_bodies, to_json};

pub struct SqliteNotificationStore {
    db: Db,
}

impl SqliteNotificationStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(SqliteNotificationStore {
            db: Db::open(path)?,
        })
    }
}

#[async_trait]
impl NotificationStore for SqliteNotificationStore {
    async fn put_destination(&self, d: &Destination) -> Result<(), StoreError> {
        let (app, id, body) = (d.app.clone(), d.id.clone(), to_json(d)?);
        self.db
            .run(move |c| {
                c.execute(
                    "INSERT INTO destinations (app, id, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT (app, id) DO UPDATE SET body = excluded.body",
                    rusqlite::params![app, id, body],
                )
                .map(drop)
                .map_err(unavailable)
            })
            .await
    }

    async fn destinations_of(&self, app: &str) -> Result<Vec<Destination>, StoreError> {
        let app = app.to_string();
        self.db
            .run(move |c| {
                query_bodies(
                    c,
                    "SELECT body FROM destinations WHERE app = ?1 ORDER BY id",
                    &[&app],
                )
            })
            .await
    }

    async fn delete_destination(&self, app: &str, id: &str) -> Result<bool, StoreError> {
        let (app, id) = (app.to_string(), id.to_string());
        self.db
            .run(move |c| {
                c.execute(
                    "DELETE FROM destinations WHERE app = ?1 AND id = ?2",
                    rusqlite::params![app, id],
                )
                .map(|n| n > 0)
                .map_err(unavailable)
            })
            .await
    }

    async fn put_delivery(&self, delivery: &Delivery, expect: Expect) -> Result<(), StoreError> {
        let mut record = delivery.clone();
        self.db
            .run(move |c| {
                let tx = c
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                let found = current_version(
                    &tx,
                    "SELECT version FROM notifications WHERE id = ?1",
                    &[&record.id],
                )?;
                record.version = next_version(found, expect)?;
                tx.execute(
                    "INSERT INTO notifications (id, destination, version, pending, due, created, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (id) DO UPDATE SET version = excluded.version,
                       pending = excluded.pending, due = excluded.due, body = excluded.body",
                    rusqlite::params![
                        record.id,
                        record.destination,
                        record.version as i64,
                        record.pending(),
                        millis(record.next_attempt_at),
                        millis(record.created_at),
                        to_json(&record)?,
                    ],
                )
                .map_err(unavailable)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn due_deliveries(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let (now, limit) = (millis(now), limit as i64);
        self.db
            .run(move |c| {
                query_bodies(
                    c,
                    "SELECT body FROM notifications WHERE pending = 1 AND due <= ?1
                     ORDER BY due, id LIMIT ?2",
                    &[&now, &limit],
                )
            })
            .await
    }

    async fn deliveries_of(
        &self,
        destination: &str,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let (destination, limit) = (destination.to_string(), limit as i64);
        self.db
            .run(move |c| {
                query_bodies(
                    c,
                    "SELECT body FROM notifications WHERE destination = ?1
                     ORDER BY created DESC, id DESC LIMIT ?2",
                    &[&destination, &limit],
                )
            })
            .await
    }
}
