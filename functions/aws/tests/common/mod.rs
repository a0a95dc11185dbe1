//! What the DynamoDB tests observe of the store's traffic: an SDK interceptor on the client
//! that records each call's operation, the items a query returned and the size of each
//! transaction's writes, as DynamoDB counts them.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents, SharedInterceptor};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::types::AttributeValue;
use trellis_aws::DynamoStore;

#[derive(Debug, Default)]
pub struct Traffic {
    /// Items each `Query` returned, in call order.
    pub queries: Vec<usize>,
    /// Each `TransactWriteItems`: its number of items and their summed size in bytes.
    pub transactions: Vec<(usize, usize)>,
    /// The largest single item written in a transaction, in bytes.
    pub largest_item: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Traffic>>);

impl Recorder {
    pub fn take(&self) -> Traffic {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// DynamoDB's item size: attribute names plus values (strings and numbers by their length).
fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::Ss(set) | AttributeValue::Ns(set) => set.iter().map(String::len).sum(),
        AttributeValue::M(m) => m.iter().map(|(k, v)| k.len() + value_size(v)).sum(),
        AttributeValue::L(l) => l.iter().map(value_size).sum(),
        _ => 1,
    }
}

fn item_size<'a>(attrs: impl Iterator<Item = (&'a String, &'a AttributeValue)>) -> usize {
    attrs.map(|(k, v)| k.len() + value_size(v)).sum()
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "dynamodb traffic recorder"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(input) = context.input().downcast_ref::<TransactWriteItemsInput>() {
            let sizes: Vec<usize> = input
                .transact_items()
                .iter()
                .map(|t| {
                    t.put()
                        .map(|p| item_size(p.item().iter()))
                        .or_else(|| t.update().map(|u| item_size(u.key().iter())))
                        .or_else(|| t.delete().map(|d| item_size(d.key().iter())))
                        .unwrap_or(0)
                })
                .collect();
            let mut traffic = self.0.lock().unwrap();
            traffic.transactions.push((sizes.len(), sizes.iter().sum()));
            traffic.largest_item = traffic
                .largest_item
                .max(sizes.into_iter().max().unwrap_or(0));
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(output) = context.output_or_error()
            && let Some(q) = output.downcast_ref::<QueryOutput>()
        {
            self.0.lock().unwrap().queries.push(q.items().len());
        }
        Ok(())
    }
}

/// A store on a fresh table whose client reports its traffic to the recorder.
pub async fn recorded_store() -> (DynamoStore, Recorder) {
    let config = trellis_aws::testing::sdk_config().await;
    let recorder = Recorder::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(SharedInterceptor::new(recorder.clone()))
            .build(),
    );
    let table = trellis_aws::testing::unique("trellis-traffic");
    DynamoStore::create_table(&client, &table)
        .await
        .expect("table created on moto");
    recorder.take();
    (DynamoStore::new(client, table), recorder)
}
