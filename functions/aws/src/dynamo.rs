//! The DynamoDB store: one table, keys and indexes as documented in `docs/data-model.md`.
//! Every batch of writes is a conditional `PutItem`/`DeleteItem` (one write) or one
//! `TransactWriteItems` (several): the same compare-and-set the SQLite store gives.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ScalarAttributeType,
    TimeToLiveSpecification, TransactWriteItem,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use trellis_core::StoreError;
use trellis_core::model::{
    App, Connection, Deployment, DeploymentStatus, Environment, LogLine, NewLogLine, Timestamp,
    Topic, runner_key,
};
use trellis_core::ports::{DeploymentStore, Expect, Write};

mod connections;
mod logs;

type Item = HashMap<String, AttributeValue>;

pub const GSI_HISTORY: &str = "history";
pub const GSI_ACTIVE: &str = "active";
pub const GSI_RUNNER: &str = "runner";

/// How long things are kept before DynamoDB's TTL removes them.
const LOG_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
const DELIVERY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// API Gateway closes WebSocket connections after two hours at the most.
const CONNECTION_TTL: Duration = Duration::from_secs(2 * 3600 + 600);

/// How long after a deployment's end its last log lines may still arrive: CloudWatch Logs
/// delivers within seconds, and Lambda retries a failed delivery after about one and then two
/// more minutes.
pub const LOG_DELIVERY_LAG: Duration = Duration::from_secs(5 * 60);

pub struct DynamoStore {
    client: Client,
    table: String,
    log_delivery_lag: Duration,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn unavailable<E: std::fmt::Debug>(e: E) -> StoreError {
    StoreError::Unavailable(format!("{e:?}"))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn body<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    match item.get("body") {
        Some(AttributeValue::S(json)) => {
            serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
        }
        _ => Err(StoreError::Corrupt("item has no body".into())),
    }
}

fn number(item: &Item, name: &str) -> Option<u64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

fn ttl_after(d: Duration) -> AttributeValue {
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    n(now + d.as_secs())
}

fn app_key(name: &str) -> (String, String) {
    ("APPS".into(), format!("APP#{name}"))
}

fn env_key(app: &str, name: &str) -> (String, String) {
    (format!("APP#{app}"), format!("ENV#{name}"))
}

fn dep_key(id: &str) -> (String, String) {
    (format!("DEP#{id}"), "DEP".into())
}

fn key((pk, sk): (String, String)) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

/// The item for a record: its key, version, JSON body and index attributes.
fn record_item(write: &Write, version: u64) -> Result<Item, StoreError> {
    let (k, body_json, extra): (_, String, Vec<(&str, AttributeValue)>) = match write {
        Write::PutApp(app, _) => {
            let mut app = app.clone();
            app.version = version;
            (app_key(&app.name), to_json(&app)?, Vec::new())
        }
        Write::PutEnvironment(env, _) => {
            let mut env = env.clone();
            env.version = version;
            (env_key(&env.app, &env.name), to_json(&env)?, Vec::new())
        }
        Write::PutDeployment(dep, _) => {
            let mut dep = dep.clone();
            dep.version = version;
            let mut extra = vec![
                (
                    "gsi1pk",
                    s(format!("HISTORY#{}#{}", dep.app, dep.environment)),
                ),
                ("gsi1sk", s(dep.id.clone())),
            ];
            // Sparse indexes: only active deployments, only those with a runner.
            if matches!(
                dep.status,
                DeploymentStatus::Queued | DeploymentStatus::Running
            ) {
                extra.push(("gsi2pk", s("ACTIVE")));
                extra.push(("gsi2sk", s(dep.id.clone())));
            }
            if let Some(runner) = &dep.runner {
                extra.push(("gsi3pk", s(format!("RUNNER#{}", runner_key(runner)))));
                extra.push(("gsi3sk", s(dep.id.clone())));
            }
            (dep_key(&dep.id), to_json(&dep)?, extra)
        }
        Write::DeleteApp { .. } | Write::DeleteEnvironment { .. } => {
            return Err(StoreError::Corrupt("a delete has no item".into()));
        }
    };
    let mut item = key(k);
    item.insert("version".into(), n(version));
    item.insert("body".into(), s(body_json));
    for (name, value) in extra {
        item.insert(name.into(), value);
    }
    Ok(item)
}

/// A write as its condition, key/item and kind.
enum Op {
    Put {
        item: Item,
        condition: String,
        values: Option<Item>,
    },
    Delete {
        key: Item,
        version: u64,
    },
}

fn op(write: Write) -> Result<Op, StoreError> {
    let expect = match &write {
        Write::PutApp(_, e) | Write::PutEnvironment(_, e) | Write::PutDeployment(_, e) => *e,
        Write::DeleteApp { name, version } => {
            return Ok(Op::Delete {
                key: key(app_key(name)),
                version: *version,
            });
        }
        Write::DeleteEnvironment { app, name, version } => {
            return Ok(Op::Delete {
                key: key(env_key(app, name)),
                version: *version,
            });
        }
    };
    let (version, condition, values) = match expect {
        Expect::Absent => (1, "attribute_not_exists(pk)".to_string(), None),
        Expect::Version(v) => (
            v + 1,
            "version = :expected".to_string(),
            Some(HashMap::from([(":expected".to_string(), n(v))])),
        ),
    };
    Ok(Op::Put {
        item: record_item(&write, version)?,
        condition,
        values,
    })
}

/// A failed condition is a lost race (`Conflict`); anything else is the store's trouble.
fn conditional<E: std::fmt::Debug>(condition_failed: bool, e: E) -> StoreError {
    if condition_failed {
        StoreError::Conflict
    } else {
        unavailable(e)
    }
}

fn is_conflict_code(code: Option<&str>) -> bool {
    matches!(code, Some("ConditionalCheckFailed" | "TransactionConflict"))
}

/// Maps a failed transaction: a failed condition or a concurrent transaction is a conflict.
fn transaction_error<R: std::fmt::Debug>(
    e: SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> StoreError {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match e.as_service_error() {
        Some(E::TransactionCanceledException(c)) => {
            if c.cancellation_reasons()
                .iter()
                .any(|r| is_conflict_code(r.code()))
            {
                StoreError::Conflict
            } else {
                StoreError::Unavailable(format!("transaction cancelled: {c:?}"))
            }
        }
        _ => unavailable(e),
    }
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            log_delivery_lag: LOG_DELIVERY_LAG,
        }
    }

    /// Another bound for [`DeploymentStore::log_delivery_lag`] than [`LOG_DELIVERY_LAG`].
    pub fn with_log_delivery_lag(mut self, lag: Duration) -> Self {
        self.log_delivery_lag = lag;
        self
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table with its indexes and TTL (tests and first-time local setup; the CDK
    /// stack creates it in AWS).
    pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(unavailable)
        };
        let key_schema = |hash: &str, range: &str| -> Result<Vec<KeySchemaElement>, StoreError> {
            Ok(vec![
                KeySchemaElement::builder()
                    .attribute_name(hash)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(unavailable)?,
                KeySchemaElement::builder()
                    .attribute_name(range)
                    .key_type(KeyType::Range)
                    .build()
                    .map_err(unavailable)?,
            ])
        };
        let index =
            |name: &str, hash: &str, range: &str| -> Result<GlobalSecondaryIndex, StoreError> {
                GlobalSecondaryIndex::builder()
                    .index_name(name)
                    .set_key_schema(Some(key_schema(hash, range)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(unavailable)
            };
        let mut attributes = Vec::new();
        for a in [
            "pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk",
        ] {
            attributes.push(attr(a)?);
        }
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(attributes))
            .set_key_schema(Some(key_schema("pk", "sk")?))
            .global_secondary_indexes(index(GSI_HISTORY, "gsi1pk", "gsi1sk")?)
            .global_secondary_indexes(index(GSI_ACTIVE, "gsi2pk", "gsi2sk")?)
            .global_secondary_indexes(index(GSI_RUNNER, "gsi3pk", "gsi3sk")?)
            .send()
            .await
            .map_err(unavailable)?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name("ttl")
                    .enabled(true)
                    .build()
                    .map_err(unavailable)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, k: (String, String)) -> Result<Option<Item>, StoreError> {
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
    async fn query_page(
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
    async fn query(
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

    async fn bodies<T: DeserializeOwned>(
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

    async fn single(&self, o: Op) -> Result<(), StoreError> {
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
                .map_err(|e| {
                    let failed = e
                        .as_service_error()
                        .is_some_and(|s| s.code() == Some("ConditionalCheckFailedException"));
                    conditional(failed, e)
                }),
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
                .map_err(|e| {
                    let failed = e
                        .as_service_error()
                        .is_some_and(|s| s.code() == Some("ConditionalCheckFailedException"));
                    conditional(failed, e)
                }),
        }
    }

    fn transact_item(&self, o: Op) -> Result<TransactWriteItem, StoreError> {
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

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(transaction_error)
    }
}

#[async_trait]
impl DeploymentStore for DynamoStore {
    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut ops = writes.into_iter().map(op).collect::<Result<Vec<_>, _>>()?;
        match ops.len() {
            0 => Ok(()),
            1 => self.single(ops.remove(0)).await,
            _ => {
                let items = ops
                    .into_iter()
                    .map(|o| self.transact_item(o))
                    .collect::<Result<Vec<_>, _>>()?;
                self.transact(items).await
            }
        }
    }

    async fn get_app(&self, name: &str) -> Result<Option<App>, StoreError> {
        self.get(app_key(name))
            .await?
            .as_ref()
            .map(body)
            .transpose()
    }

    async fn list_apps(&self) -> Result<Vec<App>, StoreError> {
        self.bodies(
            None,
            "pk = :pk AND begins_with(sk, :prefix)",
            HashMap::from([(":pk".into(), s("APPS")), (":prefix".into(), s("APP#"))]),
            true,
            None,
        )
        .await
    }

    async fn get_environment(
        &self,
        app: &str,
        name: &str,
    ) -> Result<Option<Environment>, StoreError> {
        self.get(env_key(app, name))
            .await?
            .as_ref()
            .map(body)
            .transpose()
    }

    async fn list_environments(&self, app: &str) -> Result<Vec<Environment>, StoreError> {
        let mut envs: Vec<Environment> = self
            .bodies(
                None,
                "pk = :pk AND begins_with(sk, :prefix)",
                HashMap::from([
                    (":pk".into(), s(format!("APP#{app}"))),
                    (":prefix".into(), s("ENV#")),
                ]),
                true,
                None,
            )
            .await?;
        envs.sort_by(|a, b| a.position.cmp(&b.position).then(a.name.cmp(&b.name)));
        Ok(envs)
    }

    async fn get_deployment(&self, id: &str) -> Result<Option<Deployment>, StoreError> {
        self.get(dep_key(id)).await?.as_ref().map(body).transpose()
    }

    async fn list_deployments(
        &self,
        app: &str,
        environment: &str,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Vec<Deployment>, StoreError> {
        let mut values =
            HashMap::from([(":pk".to_string(), s(format!("HISTORY#{app}#{environment}")))]);
        let condition = match before {
            Some(b) => {
                values.insert(":before".into(), s(b));
                "gsi1pk = :pk AND gsi1sk < :before"
            }
            None => "gsi1pk = :pk",
        };
        self.bodies(Some(GSI_HISTORY), condition, values, false, Some(limit))
            .await
    }

    async fn list_active_deployments(&self) -> Result<Vec<Deployment>, StoreError> {
        // The index is eventually consistent: re-read each from the table.
        let listed: Vec<Deployment> = self
            .bodies(
                Some(GSI_ACTIVE),
                "gsi2pk = :pk",
                HashMap::from([(":pk".into(), s("ACTIVE"))]),
                true,
                None,
            )
            .await?;
        let mut out = Vec::new();
        for d in listed {
            if let Some(fresh) = self.get_deployment(&d.id).await?
                && !fresh.status.is_terminal()
            {
                out.push(fresh);
            }
        }
        Ok(out)
    }

    async fn find_deployment_by_runner(
        &self,
        runner: &str,
    ) -> Result<Option<Deployment>, StoreError> {
        let found: Vec<Deployment> = self
            .bodies(
                Some(GSI_RUNNER),
                "gsi3pk = :pk",
                HashMap::from([(":pk".into(), s(format!("RUNNER#{}", runner_key(runner))))]),
                false,
                Some(1),
            )
            .await?;
        Ok(found.into_iter().next())
    }

    async fn record_delivery(&self, id: &str, _at: Timestamp) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("DELIVERY#{id}")))
            .item("sk", s("DELIVERY"))
            .item("ttl", ttl_after(DELIVERY_TTL))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn forget_delivery(&self, id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(format!("DELIVERY#{id}")))
            .key("sk", s("DELIVERY"))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn append_logs(
        &self,
        deployment: &str,
        delivery: Option<&str>,
        lines: Vec<NewLogLine>,
    ) -> Result<Vec<LogLine>, StoreError> {
        self.append_log_lines(deployment, delivery, lines).await
    }

    async fn read_logs(
        &self,
        deployment: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LogLine>, StoreError> {
        self.read_log_lines(deployment, after, limit).await
    }

    fn log_delivery_lag(&self) -> Duration {
        self.log_delivery_lag
    }

    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        self.store_connection(connection).await
    }

    async fn delete_connection(&self, id: &str) -> Result<(), StoreError> {
        self.forget_connection(id).await
    }

    async fn subscribe(&self, connection: &str, topic: &Topic) -> Result<(), StoreError> {
        self.subscribe_connection(connection, topic).await
    }

    async fn subscribers(&self, topic: &Topic) -> Result<Vec<String>, StoreError> {
        let items = self
            .query(
                None,
                "pk = :pk",
                HashMap::from([(":pk".into(), s(format!("TOPIC#{}", topic.key())))]),
                true,
                None,
            )
            .await?;
        Ok(items
            .iter()
            .filter_map(|i| match i.get("connection") {
                Some(AttributeValue::S(c)) => Some(c.clone()),
                _ => None,
            })
            .collect())
    }
}
