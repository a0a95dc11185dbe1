//! Live connections in DynamoDB: `CONN#<id>` remembers its topics, `TOPIC#<topic>` lists its
//! connections (docs/data-model.md). Both carry a TTL, and a subscription is written only
//! while its connection exists, so nothing outlives API Gateway's two-hour limit.

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};
use trellis_core::StoreError;
use trellis_core::model::{Connection, Topic};

use super::{CONNECTION_TTL, DynamoStore, s, to_json, ttl_after, unavailable};

/// A subscription that loses a race with another write to its connection tries again.
const SUBSCRIBE_ATTEMPTS: usize = 8;

fn conn_key(id: &str) -> (String, String) {
    (format!("CONN#{id}"), "CONN".into())
}

impl DynamoStore {
    pub(super) async fn store_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let (pk, sk) = conn_key(&connection.id);
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk))
            .item("sk", s(sk))
            .item("body", s(to_json(connection)?))
            .item("ttl", ttl_after(CONNECTION_TTL))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    pub(super) async fn read_connection(&self, id: &str) -> Result<Option<Connection>, StoreError> {
        match self.get(conn_key(id)).await? {
            Some(item) => super::items::body(&item).map(Some),
            None => Ok(None),
        }
    }

    /// Deletes the connection first and its subscriptions after, by the topics it had at
    /// that moment: a subscription racing the disconnect either made it into that set or
    /// finds no connection and fails.
    pub(super) async fn forget_connection(&self, id: &str) -> Result<(), StoreError> {
        let (pk, sk) = conn_key(id);
        let old = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        let topics = match old.attributes().and_then(|a| a.get("topics")) {
            Some(AttributeValue::Ss(t)) => t.clone(),
            _ => Vec::new(),
        };
        for topic in topics {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(format!("TOPIC#{topic}")))
                .key("sk", s(format!("CONN#{id}")))
                .send()
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Adds the topic to the connection and the connection to the topic in one transaction,
    /// on the condition that the connection exists: after `$disconnect` deleted it, a write
    /// would create an item without TTL that never goes away. A connection that is not
    /// stored is a [`StoreError::Conflict`].
    pub(super) async fn subscribe_connection(
        &self,
        connection: &str,
        topic: &Topic,
    ) -> Result<(), StoreError> {
        let topic = topic.key();
        let (pk, sk) = conn_key(connection);
        for _ in 0..SUBSCRIBE_ATTEMPTS {
            let remember = Update::builder()
                .table_name(&self.table)
                .key("pk", s(pk.clone()))
                .key("sk", s(sk.clone()))
                .update_expression("ADD topics :t")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":t", AttributeValue::Ss(vec![topic.clone()]))
                .build()
                .map_err(unavailable)?;
            let list = Put::builder()
                .table_name(&self.table)
                .item("pk", s(format!("TOPIC#{topic}")))
                .item("sk", s(format!("CONN#{connection}")))
                .item("connection", s(connection))
                .item("ttl", ttl_after(CONNECTION_TTL))
                .build()
                .map_err(unavailable)?;
            let items = vec![
                TransactWriteItem::builder().update(remember).build(),
                TransactWriteItem::builder().put(list).build(),
            ];
            match self.transact(items).await {
                Ok(()) => return Ok(()),
                // Either the connection is gone or another transaction held it: only the
                // first is final.
                Err(StoreError::Conflict) => {
                    if self.get((pk.clone(), sk.clone())).await?.is_none() {
                        return Err(StoreError::Conflict);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }
}
