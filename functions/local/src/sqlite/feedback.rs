//! What GitHub should say of each deployment, until it is said (and after).

use std::path::Path;

use async_trait::async_trait;
use rusqlite::TransactionBehavior;
use trellis_core::StoreError;
use trellis_core::feedback::{Feedback, FeedbackStore, FeedbackTarget};
use trellis_core::model::Timestamp;
use trellis_core::ports::Expect;

use super::db::{Db, unavailable};
use super::rows::{current_version, millis, next_version, query_bodies, to_json};

pub struct SqliteFeedbackStore {
    db: Db,
}

impl SqliteFeedbackStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(SqliteFeedbackStore {
            db: Db::open(path)?,
        })
    }
}

#[async_trait]
impl FeedbackStore for SqliteFeedbackStore {
    async fn get_feedback(
        &self,
        deployment: &str,
        target: FeedbackTarget,
    ) -> Result<Option<Feedback>, StoreError> {
        let (deployment, target) = (deployment.to_string(), target.as_str());
        self.db
            .run(move |c| {
                let found: Vec<Feedback> = query_bodies(
                    c,
                    "SELECT body FROM feedback WHERE deployment = ?1 AND target = ?2",
                    &[&deployment, &target],
                )?;
                Ok(found.into_iter().next())
            })
            .await
    }

    async fn put_feedback(&self, feedback: &Feedback, expect: Expect) -> Result<(), StoreError> {
        let mut record = feedback.clone();
        self.db
            .run(move |c| {
                let tx = c
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                let target = record.target.as_str();
                let found = current_version(
                    &tx,
                    "SELECT version FROM feedback WHERE deployment = ?1 AND target = ?2",
                    &[&record.deployment_id, &target],
                )?;
                record.version = next_version(found, expect)?;
                tx.execute(
                    "INSERT INTO feedback (deployment, target, version, pending, due, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (deployment, target) DO UPDATE SET version = excluded.version,
                       pending = excluded.pending, due = excluded.due, body = excluded.body",
                    rusqlite::params![
                        record.deployment_id,
                        target,
                        record.version as i64,
                        record.pending(),
                        millis(record.next_attempt_at),
                        to_json(&record)?,
                    ],
                )
                .map_err(unavailable)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn due_feedback(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Feedback>, StoreError> {
        let (now, limit) = (millis(now), limit as i64);
        self.db
            .run(move |c| {
                query_bodies(
                    c,
                    "SELECT body FROM feedback WHERE pending = 1 AND due <= ?1
                     ORDER BY due, deployment, target LIMIT ?2",
                    &[&now, &limit],
                )
            })
            .await
    }

    async fn feedback_of(&self, deployment: &str) -> Result<Vec<Feedback>, StoreError> {
        let deployment = deployment.to_string();
        self.db
            .run(move |c| {
                query_bodies(
                    c,
                    "SELECT body FROM feedback WHERE deployment = ?1 ORDER BY target",
                    &[&deployment],
                )
            })
            .await
    }
}
