//! Deployment feedback in DynamoDB (docs/data-model.md): `DEP#<id>` / `FEEDBACK#<target>`,
//! versioned; while pending it is also in the `active` index under `FEEDBACK`, sorted by when
//! it is next due, so a delivery round reads only what is due.

use std::collections::HashMap;

use async_trait::async_trait;
use trellis_core::StoreError;
use trellis_core::feedback::{Feedback, FeedbackStore, FeedbackTarget};
use trellis_core::model::Timestamp;
use trellis_core::ports::Expect;

use super::versioned::Waiting;
use super::{DynamoStore, GSI_ACTIVE, LOG_TTL, body, s, time_key, to_json};

fn feedback_key(deployment: &str, target: FeedbackTarget) -> (String, String) {
    (
        format!("DEP#{deployment}"),
        format!("FEEDBACK#{}", target.as_str()),
    )
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
        // Sparse: only what is still to be said is in the index.
        let waiting = feedback.pending().then(|| Waiting {
            partition: "FEEDBACK",
            sort: format!(
                "{}#{}#{}",
                time_key(feedback.next_attempt_at),
                feedback.deployment_id,
                feedback.target.as_str()
            ),
        });
        self.put_versioned(
            feedback_key(&feedback.deployment_id, feedback.target),
            expect,
            |version| {
                to_json(&Feedback {
                    version,
                    ..feedback.clone()
                })
            },
            waiting,
            LOG_TTL,
        )
        .await
        .map(drop)
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
                    (":upto".to_string(), s(format!("{}#~", time_key(now)))),
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
