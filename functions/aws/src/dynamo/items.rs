//! Records as items: key, version, JSON body and index attributes; a write as its condition.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use trellis_core::StoreError;
use trellis_core::model::{DeploymentStatus, runner_key};
use trellis_core::ports::{Expect, Write};

use super::*;

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn body<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    match item.get("body") {
        Some(AttributeValue::S(json)) => {
            serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
        }
        _ => Err(StoreError::Corrupt("item has no body".into())),
    }
}

pub(super) fn number(item: &Item, name: &str) -> Option<u64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

/// The item for a record: its key, version, JSON body and index attributes.
pub(super) fn record_item(write: &Write, version: u64) -> Result<Item, StoreError> {
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
pub(super) enum Op {
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

pub(super) fn op(write: Write) -> Result<Op, StoreError> {
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
