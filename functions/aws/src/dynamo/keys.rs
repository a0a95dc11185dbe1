//! Key formats, index names and time-to-live, in one place (as `docs/data-model.md` lists them).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use trellis_core::access::GrantSource;
use trellis_core::model::Timestamp;

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

/// A time as a sort key: milliseconds since the epoch, zero-padded to 20 digits, so text order
/// is time order (when feedback and deliveries are next due).
pub(super) fn time_key(t: Timestamp) -> String {
    format!("{:020}", (t.unix_timestamp_nanos() / 1_000_000).max(0))
}

/// DynamoDB's TTL attribute for a record's own expiry (epoch seconds; none before 1970).
pub(super) fn ttl_at(t: Timestamp) -> AttributeValue {
    n(t.unix_timestamp().max(0) as u64)
}

pub(super) fn app_key(name: &str) -> (String, String) {
    ("APPS".into(), format!("APP#{name}"))
}

/// An app's partition: its environments and its grants.
pub(super) fn app_pk(app: &str) -> String {
    format!("APP#{app}")
}

pub(super) fn env_key(app: &str, name: &str) -> (String, String) {
    (app_pk(app), format!("ENV#{name}"))
}

pub(super) fn dep_key(id: &str) -> (String, String) {
    (format!("DEP#{id}"), "DEP".into())
}

pub(super) fn user_pk(login: &str) -> String {
    format!("USER#{login}")
}

pub(super) fn user_key(login: &str) -> (String, String) {
    (user_pk(login), "USER".into())
}

pub(super) fn grant_key(app: &str, login: &str, source: GrantSource) -> (String, String) {
    (
        app_pk(app),
        format!("{}{}", grant_prefix(Some(login)), source.as_str()),
    )
}

/// Every grant of an app (`None`), or one user's: ends with `#`, so `ada` never finds `adam`.
pub(super) fn grant_prefix(login: Option<&str>) -> String {
    match login {
        Some(login) => format!("GRANT#{login}#"),
        None => "GRANT#".into(),
    }
}

/// A token as its secret's hash finds it.
pub(super) fn token_key(hash: &str) -> (String, String) {
    (format!("TOKEN#{hash}"), "TOKEN".into())
}

/// A token as its owner lists it; ids are ULIDs, so the sort key orders them by age.
pub(super) fn owned_token_key(login: &str, id: &str) -> (String, String) {
    (user_pk(login), format!("{TOKEN_PREFIX}{id}"))
}

pub(super) const TOKEN_PREFIX: &str = "TOKEN#";

pub(super) fn session_key(hash: &str) -> (String, String) {
    (format!("SESSION#{hash}"), "SESSION".into())
}

pub(super) fn owned_session_key(login: &str, hash: &str) -> (String, String) {
    (user_pk(login), format!("{SESSION_PREFIX}{hash}"))
}

pub(super) const SESSION_PREFIX: &str = "SESSION#";

/// The audit log is one partition sorted by entry id (a ULID: time order).
pub(super) const AUDIT_PK: &str = "AUDIT";

pub(super) fn audit_key(id: &str) -> (String, String) {
    (AUDIT_PK.into(), id.into())
}

pub(super) fn key((pk, sk): (String, String)) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}
