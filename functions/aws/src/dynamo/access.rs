//! Reading items and writing batches: one conditional write alone, several in one
//! transaction.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use serde::de::DeserializeOwned;
use trellis_core::StoreError;

use super::*;

impl DynamoStore {
    pub(super) async fn get(&self, k: (String, String)) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(k)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// One page of a key condition's items, from `start`; with the key to continue from.
    pub(super) async fn query_page(
        &self,
        index: Option<&str>,
        condition: &str,
        values: &Item,
        forward: bool,
        limit: Option<usize>,
        start: Option<Item>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(condition)
            .set_expression_attribute_values(Some(values.clone()))
            .scan_index_forward(forward)
            .set_exclusive_start_key(start);
        q = match index {
            Some(i) => q.index_name(i),
            // Index reads cannot be strongly consistent; table reads are.
            None => q.consistent_read(true),
        };
        if let Some(l) = limit {
            q = q.limit(i32::try_from(l).unwrap_or(i32::MAX));
        }
        let out = q.send().await.map_err(unavailable)?;
        let next = out.last_evaluated_key.filter(|k| !k.is_empty());
        Ok((out.items.unwrap_or_default(), next))
    }

    /// Every item of a key condition, following pages; `limit` caps the total.
    pub(super) async fn query(
        &self,
        index: Option<&str>,
        condition: &str,
        values: Item,
        forward: bool,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page_limit = limit.map(|l| l.saturating_sub(items.len()));
            let (page, next) = self
                .query_page(index, condition, &values, forward, page_limit, start.take())
                .await?;
            items.extend(page);
            if limit.is_some_and(|l| items.len() >= l) {
                break;
            }
            match next {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(items)
    }

    pub(super) async fn bodies<T: DeserializeOwned>(
        &self,
        index: Option<&str>,
        condition: &str,
        values: Item,
        forward: bool,
        limit: Option<usize>,
    ) -> Result<Vec<T>, StoreError> {
        self.query(index, condition, values, forward, limit)
            .await?
            .iter()
            .map(body)
            .collect()
    }

    pub(super) async fn single(&self, o: Op) -> Result<(), StoreError> {
        match o {
            Op::Put {
                item,
                condition,
                values,
            } => self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression(condition)
                .set_expression_attribute_values(values)
                .send()
                .await
                .map(|_| ())
                .map_err(write_error),
            Op::Delete { key, version } => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", n(version))
                .send()
                .await
                .map(|_| ())
                .map_err(write_error),
        }
    }

    pub(super) fn transact_item(&self, o: Op) -> Result<TransactWriteItem, StoreError> {
        Ok(match o {
            Op::Put {
                item,
                condition,
                values,
            } => TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .condition_expression(condition)
                        .set_expression_attribute_values(values)
                        .build()
                        .map_err(unavailable)?,
                )
                .build(),
            Op::Delete { key, version } => TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(key))
                        .condition_expression("version = :expected")
                        .expression_attribute_values(":expected", n(version))
                        .build()
                        .map_err(unavailable)?,
                )
                .build(),
        })
    }

    pub(super) async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(transaction_error)
    }
}
