//! The DynamoDB store: one table, keys and indexes as documented in `docs/data-model.md`.
//! Every batch of writes is a conditional `PutItem`/`DeleteItem` (one write) or one
//! `TransactWriteItems` (several): the same compare-and-set the SQLite store gives.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use trellis_core::StoreError;
use trellis_core::model::{
    App, Connection, Deployment, Environment, LogLine, NewLogLine, Timestamp, Topic, runner_key,
};
use trellis_core::ports::{DeploymentStore, Write};

mod access;
mod conditions;
mod connections;
mod feedback;
mod items;
mod keys;
mod logs;
mod notifications;
mod table;
mod team;
mod versioned;

use conditions::*;
use items::*;
use keys::*;
pub use keys::{GSI_ACTIVE, GSI_HISTORY, GSI_RUNNER, LOG_DELIVERY_LAG};

pub struct DynamoStore {
    client: Client,
    table: String,
    log_delivery_lag: Duration,
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

    async fn get_connection(&self, id: &str) -> Result<Option<Connection>, StoreError> {
        self.read_connection(id).await
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
