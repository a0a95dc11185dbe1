//! Notifications: an app's destinations (a Slack incoming webhook, or a generic webhook whose
//! JSON body is signed with HMAC-SHA256) hear of the deployment events they chose. Each event
//! is delivered once per destination, in the background, retried with doubling waits; every
//! destination keeps its recent deliveries and failures. A destination's URL and signing key
//! are secrets: written once, never shown again.

mod destinations;
mod events;
mod notifier;
mod service;
mod text;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::model::Timestamp;
use crate::ports::Expect;

pub use destinations::{NewDestination, validate_url};
pub use events::{EventKind, event_of};
pub use notifier::NotificationNotifier;
pub use service::{MAX_NOTIFICATION_ATTEMPTS, NotificationService, signature};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DestinationKind {
    Slack,
    Webhook,
}

/// Where an app's notifications go (the URL and key are in the secret store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    pub id: String,
    pub app: String,
    pub name: String,
    pub kind: DestinationKind,
    pub events: Vec<EventKind>,
    /// The URL's host, to tell destinations apart without showing the secret URL.
    pub host: String,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// One event for one destination, until it is delivered (and kept after: the destination's
/// recent deliveries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// `<deployment>.<event>.<destination>`: the same event is never queued twice.
    pub id: String,
    pub app: String,
    pub destination: String,
    pub event: EventKind,
    pub deployment_id: String,
    /// The JSON body sent (what the receiver sees, and what its signature covers).
    pub body: String,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// Every failed try, oldest first (at most [`MAX_NOTIFICATION_ATTEMPTS`]): kept after the
    /// delivery succeeds, so a flaky receiver shows.
    #[serde(default)]
    pub failures: Vec<FailedTry>,
    pub gave_up: bool,
    pub created_at: Timestamp,
    #[serde(default)]
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedTry {
    pub at: Timestamp,
    pub error: String,
}

impl Delivery {
    pub fn pending(&self) -> bool {
        self.delivered_at.is_none() && !self.gave_up
    }
}

/// Destinations and deliveries.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    async fn put_destination(&self, destination: &Destination) -> Result<(), StoreError>;
    async fn destinations_of(&self, app: &str) -> Result<Vec<Destination>, StoreError>;
    /// False when the app has no such destination.
    async fn delete_destination(&self, app: &str, id: &str) -> Result<bool, StoreError>;
    /// `Expect::Absent` (a delivery already queued is `Conflict`) or `Expect::Version(v)`.
    async fn put_delivery(&self, delivery: &Delivery, expect: Expect) -> Result<(), StoreError>;
    async fn due_deliveries(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError>;
    /// A destination's deliveries, newest first, at most `limit`.
    async fn deliveries_of(
        &self,
        destination: &str,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError>;
}

/// Posts a delivery: `Ok` for a 2xx answer, else why not.
#[async_trait]
pub trait NotificationSender: Send + Sync {
    async fn post(&self, url: &str, headers: &[(&str, &str)], body: &str) -> Result<(), String>;
}
