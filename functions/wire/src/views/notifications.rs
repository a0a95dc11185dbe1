//! An app's notification destinations and their deliveries.

use serde::{Deserialize, Serialize};
use trellis_core::notify::{Delivery, Destination, DestinationKind};
use utoipa::ToSchema;

use super::resources::rfc3339;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DestinationKindName {
    /// A Slack incoming webhook (`{"text": …}`).
    Slack,
    /// Any HTTPS endpoint: a JSON body signed in `X-Trellis-Signature-256`.
    Webhook,
}

impl From<DestinationKindName> for DestinationKind {
    fn from(k: DestinationKindName) -> Self {
        match k {
            DestinationKindName::Slack => DestinationKind::Slack,
            DestinationKindName::Webhook => DestinationKind::Webhook,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateDestinationRequest {
    /// 1 to 60 characters.
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    pub kind: DestinationKindName,
    /// Where to post: https (plain http only to this machine). A secret: never shown again.
    pub url: String,
    /// `deployment.started`, `deployment.succeeded`, `deployment.failed`,
    /// `deployment.cancelled`, `promotion`, `rollback`, `teardown`, `approval.needed`.
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DestinationView {
    pub id: String,
    pub name: String,
    pub kind: DestinationKindName,
    pub events: Vec<String>,
    /// The URL's host (the URL itself is a secret).
    pub host: String,
    pub created_at: String,
    pub created_by: String,
}

impl From<Destination> for DestinationView {
    fn from(d: Destination) -> Self {
        DestinationView {
            id: d.id,
            name: d.name,
            kind: match d.kind {
                DestinationKind::Slack => DestinationKindName::Slack,
                DestinationKind::Webhook => DestinationKindName::Webhook,
            },
            events: d.events.iter().map(|e| e.as_str().to_string()).collect(),
            host: d.host,
            created_at: rfc3339(d.created_at),
            created_by: d.created_by,
        }
    }
}

/// A new destination; a webhook's `signingKey` is shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDestinationView {
    pub destination: DestinationView,
    /// HMAC-SHA256 key: `X-Trellis-Signature-256: sha256=<hex of HMAC(key, body)>`.
    pub signing_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: String,
    pub event: String,
    pub deployment_id: String,
    pub attempts: u32,
    pub created_at: String,
    pub delivered_at: Option<String>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Every failed try, oldest first, kept after a later try succeeded.
    pub failures: Vec<FailedTryView>,
    pub gave_up: bool,
    /// When the next try is due, while it is not delivered.
    pub next_attempt_at: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            next_attempt_at: d.pending().then(|| rfc3339(d.next_attempt_at)),
            id: d.id,
            event: d.event.as_str().into(),
            deployment_id: d.deployment_id,
            attempts: d.attempts,
            created_at: rfc3339(d.created_at),
            delivered_at: d.delivered_at.map(rfc3339),
            last_error: d.last_error,
            failures: d
                .failures
                .into_iter()
                .map(|f| FailedTryView {
                    at: rfc3339(f.at),
                    error: f.error,
                })
                .collect(),
            gave_up: d.gave_up,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedTryView {
    pub at: String,
    pub error: String,
}
