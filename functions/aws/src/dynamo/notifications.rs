//! Notification destinations and deliveries in DynamoDB (docs/data-model.md): a destination
//! is `APP#<app>` / `NOTIFY#<id>`; a delivery `NOTIFY#<destination>` /
//! `DELIVERY#<created ms>#<id>` (newest first by a reverse query), versioned, and while pending
//! in the `active` index under `NOTIFY`, sorted by when it is due.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use trellis_core::StoreError;
use trellis_core::model::Timestamp;
use trellis_core::notify::{Delivery, Destination, NotificationStore};
use trellis_core::ports::Expect;

use super::versioned::Waiting;
use super::{
    DynamoStore, GSI_ACTIVE, app_pk, body, s, time_key, to_json, unavailable, write_error,
};

/// A destination's deliveries are kept a month.
const DELIVERY_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

fn delivery_key(d: &Delivery) -> (String, String) {
    (
        format!("NOTIFY#{}", d.destination),
        format!("DELIVERY#{}#{}", time_key(d.created_at), d.id),
    )
}

#[async_trait]
impl NotificationStore for DynamoStore {
    async fn put_destination(&self, d: &Destination) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(app_pk(&d.app)))
            .item("sk", s(format!("NOTIFY#{}", d.id)))
            .item("body", s(to_json(d)?))
            .send()
            .await
            .map(drop)
            .map_err(unavailable)
    }

    async fn destinations_of(&self, app: &str) -> Result<Vec<Destination>, StoreError> {
        self.bodies(
            None,
            "pk = :pk AND begins_with(sk, :prefix)",
            HashMap::from([
                (":pk".to_string(), s(app_pk(app))),
                (":prefix".to_string(), s("NOTIFY#")),
            ]),
            true,
            None,
        )
        .await
    }

    async fn delete_destination(&self, app: &str, id: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(app_pk(app)))
            .key("sk", s(format!("NOTIFY#{id}")))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result.map_err(write_error) {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn put_delivery(&self, delivery: &Delivery, expect: Expect) -> Result<(), StoreError> {
        let waiting = delivery.pending().then(|| Waiting {
            partition: "NOTIFY",
            sort: format!("{}#{}", time_key(delivery.next_attempt_at), delivery.id),
        });
        self.put_versioned(
            delivery_key(delivery),
            expect,
            |version| {
                to_json(&Delivery {
                    version,
                    ..delivery.clone()
                })
            },
            waiting,
            DELIVERY_TTL,
        )
        .await
        .map(drop)
    }

    async fn due_deliveries(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let listed: Vec<Delivery> = self
            .bodies(
                Some(GSI_ACTIVE),
                "gsi2pk = :pk AND gsi2sk <= :upto",
                HashMap::from([
                    (":pk".to_string(), s("NOTIFY")),
                    (":upto".to_string(), s(format!("{}#~", time_key(now)))),
                ]),
                true,
                Some(limit),
            )
            .await?;
        // The index lags the table: re-read each, keep what is still due.
        let mut due = Vec::new();
        for d in listed {
            if let Some(item) = self.get(delivery_key(&d)).await? {
                let fresh: Delivery = body(&item)?;
                if fresh.pending() && fresh.next_attempt_at <= now {
                    due.push(fresh);
                }
            }
        }
        Ok(due)
    }

    async fn deliveries_of(
        &self,
        destination: &str,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.bodies(
            None,
            "pk = :pk AND begins_with(sk, :prefix)",
            HashMap::from([
                (":pk".to_string(), s(format!("NOTIFY#{destination}"))),
                (":prefix".to_string(), s("DELIVERY#")),
            ]),
            false,
            Some(limit),
        )
        .await
    }
}
