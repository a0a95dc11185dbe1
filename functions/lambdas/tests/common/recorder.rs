//! Records the AWS operations a function's clients call (an SDK interceptor on every client),
//! as the IAM (resource, action) pairs they need, to hold against the function table.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Names the stack's resources from request parameters.
#[derive(Debug, Clone)]
pub struct Resources {
    pub api_token_secret: String,
    pub webhook_secret: String,
    pub github_app_secret: String,
    pub secrets_prefix: String,
}

impl Resources {
    fn secret(&self, id: &str) -> String {
        if id == self.api_token_secret {
            "apiTokenSecret".into()
        } else if id == self.webhook_secret {
            "webhookSecret".into()
        } else if id == self.github_app_secret {
            "githubAppSecret".into()
        } else if id.starts_with(&format!("{}/", self.secrets_prefix)) {
            "appSecrets".into()
        } else {
            format!("unknown secret {id}")
        }
    }
}

fn object(key: &str) -> String {
    if key.starts_with("jobs/") {
        "jobObjects".into()
    } else if key.starts_with("results/") {
        "resultObjects".into()
    } else if key.starts_with("cache/") {
        "cacheObjects".into()
    } else {
        format!("unknown object {key}")
    }
}

#[derive(Debug, Clone)]
pub struct Recorder {
    resources: Arc<Resources>,
    calls: Arc<Mutex<BTreeSet<(String, String)>>>,
}

impl Recorder {
    pub fn new(resources: Resources) -> Self {
        Recorder {
            resources: Arc::new(resources),
            calls: Arc::default(),
        }
    }

    pub fn shared(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.clone())
    }

    /// (resource, IAM action) for every call so far.
    pub fn calls(&self) -> BTreeSet<(String, String)> {
        self.calls.lock().unwrap().clone()
    }

    fn classify(
        &self,
        service: &str,
        operation: &str,
        ctx: &BeforeSerializationInterceptorContextRef<'_>,
    ) -> (String, String) {
        use aws_sdk_s3::operation as s3;
        use aws_sdk_secretsmanager::operation as sm;
        let input = ctx.input();
        let r = &self.resources;
        let resource = match service.to_ascii_lowercase().as_str() {
            s if s.contains("dynamodb") => "table".to_string(),
            s if s.contains("apigatewaymanagement") => {
                return (
                    "websocketConnections".into(),
                    "execute-api:ManageConnections".into(),
                );
            }
            s if s.contains("ecs") => match operation {
                "RunTask" => "runnerTaskDefinition".into(),
                "StopTask" => "runnerTasks".into(),
                other => format!("unknown ECS operation {other}"),
            },
            s if s.contains("secrets") => {
                let id = input
                    .downcast_ref::<sm::get_secret_value::GetSecretValueInput>()
                    .and_then(|i| i.secret_id())
                    .or_else(|| {
                        input
                            .downcast_ref::<sm::put_secret_value::PutSecretValueInput>()
                            .and_then(|i| i.secret_id())
                    })
                    .or_else(|| {
                        input
                            .downcast_ref::<sm::create_secret::CreateSecretInput>()
                            .and_then(|i| i.name())
                    })
                    .or_else(|| {
                        input
                            .downcast_ref::<sm::delete_secret::DeleteSecretInput>()
                            .and_then(|i| i.secret_id())
                    })
                    .unwrap_or("?");
                r.secret(id)
            }
            s if s.contains("s3") && operation == "ListObjectsV2" => {
                // Listing is authorized as s3:ListBucket on the bucket itself.
                return ("cacheBucket".into(), "s3:ListBucket".into());
            }
            s if s.contains("s3") => {
                let key = input
                    .downcast_ref::<s3::get_object::GetObjectInput>()
                    .and_then(|i| i.key())
                    .or_else(|| {
                        input
                            .downcast_ref::<s3::put_object::PutObjectInput>()
                            .and_then(|i| i.key())
                    })
                    .or_else(|| {
                        input
                            .downcast_ref::<s3::delete_object::DeleteObjectInput>()
                            .and_then(|i| i.key())
                    })
                    .unwrap_or("?");
                object(key)
            }
            other => format!("unknown service {other}"),
        };
        let prefix = match service.to_ascii_lowercase().as_str() {
            s if s.contains("dynamodb") => "dynamodb",
            s if s.contains("ecs") => "ecs",
            s if s.contains("secrets") => "secretsmanager",
            s if s.contains("s3") => "s3",
            _ => "unknown",
        };
        (resource, format!("{prefix}:{operation}"))
    }

    /// A transaction is authorized by the actions of the writes it carries.
    fn transaction_items(
        ctx: &BeforeSerializationInterceptorContextRef<'_>,
    ) -> Vec<(String, String)> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
        let Some(input) = ctx.input().downcast_ref::<TransactWriteItemsInput>() else {
            return Vec::new();
        };
        input
            .transact_items()
            .iter()
            .map(|item| {
                let action = if item.put().is_some() {
                    "PutItem"
                } else if item.delete().is_some() {
                    "DeleteItem"
                } else if item.update().is_some() {
                    "UpdateItem"
                } else {
                    "ConditionCheckItem"
                };
                ("table".to_string(), format!("dynamodb:{action}"))
            })
            .collect()
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "least-privilege recorder"
    }

    // Not `read_before_execution`: a client interceptor runs that before the operation's
    // metadata is in the bag.
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()))
            .unwrap_or_else(|| ("?".into(), "?".into()));
        let mut calls = self.calls.lock().unwrap();
        if operation == "TransactWriteItems" {
            calls.extend(Self::transaction_items(context));
        } else {
            calls.insert(self.classify(&service, &operation, context));
        }
        Ok(())
    }
}
