//! Key formats, index names and time-to-live, in one place (as `docs/data-model.md` lists them).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;

pub(super) type Item = HashMap<String, AttributeValue>;

pub const GSI_HISTORY: &str = "history";
pub const GSI_ACTIVE: &str = "active";
pub const GSI_RUNNER: &str = "runner";

/// How long things are kept before DynamoDB's TTL removes them.
pub(super) const LOG_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
pub(super) const DELIVERY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// API Gateway closes WebSocket connections after two hours at the most.
pub(super) const CONNECTION_TTL: Duration = Duration::from_secs(2 * 3600 + 600);

/// How long after a deployment's end its last log lines may still arrive: CloudWatch Logs
/// delivers within seconds, and Lambda retries a failed delivery after about one and then two
/// more minutes.
pub const LOG_DELIVERY_LAG: Duration = Duration::from_secs(5 * 60);

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn ttl_after(d: Duration) -> AttributeValue {
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    n(now + d.as_secs())
}

pub(super) fn app_key(name: &str) -> (String, String) {
    ("APPS".into(), format!("APP#{name}"))
}

pub(super) fn env_key(app: &str, name: &str) -> (String, String) {
    (format!("APP#{app}"), format!("ENV#{name}"))
}

pub(super) fn dep_key(id: &str) -> (String, String) {
    (format!("DEP#{id}"), "DEP".into())
}

pub(super) fn key((pk, sk): (String, String)) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}
