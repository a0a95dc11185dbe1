//! Deployment feedback in DynamoDB (docs/data-model.md): `DEP#<id>` / `FEEDBACK#<target>`,
//! versioned; while pending it is also in the `active` index under `FEEDBACK`, sorted by when
//! it is next due, so a delivery round reads only what is due.

use std::collections::HashMap;

use async_trait::async_trait;
use trellis_core::StoreError;
use trellis_core::feedback::{Feedback, FeedbackStore, FeedbackTarget};
use trellis_core::model::Timestamp;
use trellis_core::ports::Expect;

use super::{DynamoStore, GSI_ACTIVE, LOG_TTL, body, n, s, to_json, ttl_after, write_error};

fn feedback_key(deployment: &str, target: FeedbackTarget) -> (String, String) {
    (
        format!("DEP#{deployment}"),
        format!("FEEDBACK#{}", target.as_str()),
    )
}

/// Sorts by time as text: milliseconds, zero-padded.
fn due_key(t: Timestamp) -> String {
    let ms = (t.unix_timestamp_nanos() / 1_000_000).max(0);
    format!("{ms:020}")
}

#[async_trait]
impl FeedbackStore for DynamoStore {
    async fn get_feedback(
        &self,
        deployment: &str,
        target: FeedbackTarget,
    ) -> Result<Option<Feedback>, StoreError> {
        self.get(feedback_key(deployment, target))
            .await?
            .as_ref()
            .map(body)
            .transpose()
    }

    async fn put_feedback(&self, feedback: &Feedback, expect: Expect) -> Result<(), StoreError> {
        let mut record = feedback.clone();
        let (pk, sk) = feedback_key(&record.deployment_id, record.target);
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk))
            .item("sk", s(sk));
        put = match expect {
            Expect::Absent => {
                record.version = 1;
                put.condition_expression("attribute_not_exists(pk)")
            }
            Expect::Version(v) => {
                record.version = v + 1;
                put.condition_expression("version = :v")
                    .expression_attribute_values(":v", n(v))
            }
        };
        put = put
            .item("version", n(record.version))
            .item("body", s(to_json(&record)?))
            .item("ttl", ttl_after(LOG_TTL));
        if record.pending() {
            // Sparse: only what is still to be said is in the index.
            put = put.item("gsi2pk", s("FEEDBACK")).item(
                "gsi2sk",
                s(format!(
                    "{}#{}#{}",
                    due_key(record.next_attempt_at),
                    record.deployment_id,
                    record.target.as_str()
                )),
            );
        }
        put.send().await.map(drop).map_err(write_error)
    }

    async fn due_feedback(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Feedback>, StoreError> {
        let listed: Vec<Feedback> = self
            .bodies(
                Some(GSI_ACTIVE),
                "gsi2pk = :pk AND gsi2sk <= :upto",
                HashMap::from([
                    (":pk".to_string(), s("FEEDBACK")),
                    (":upto".to_string(), s(format!("{}#~", due_key(now)))),
                ]),
                true,
                Some(limit),
            )
            .await?;
        // The index lags the table: what was said meanwhile is left out.
        let mut due = Vec::new();
        for f in listed {
            if let Some(fresh) = self.get_feedback(&f.deployment_id, f.target).await?
                && fresh.pending()
                && fresh.next_attempt_at <= now
            {
                due.push(fresh);
            }
        }
        Ok(due)
    }

    async fn feedback_of(&self, deployment: &str) -> Result<Vec<Feedback>, StoreError> {
        self.bodies(
            None,
            "pk = :pk AND begins_with(sk, :prefix)",
            HashMap::from([
                (":pk".to_string(), s(format!("DEP#{deployment}"))),
                (":prefix".to_string(), s("FEEDBACK#")),
            ]),
            true,
            None,
        )
        .await
    }
}
