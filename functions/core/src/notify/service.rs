//! Destinations kept, events queued for them, and delivery rounds.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::destinations::MAX_DESTINATIONS;
use super::{
    Delivery, Destination, DestinationKind, EventKind, NewDestination, NotificationSender,
    NotificationStore, event_of, validate_url,
};
use crate::access::new_secret;
use crate::error::{DomainError, StoreError};
use crate::model::{Deployment, Timestamp};
use crate::ports::{Clock, Expect, SecretStore};
use crate::retry::DeliveryRound;

pub const MAX_NOTIFICATION_ATTEMPTS: u32 = 8;
/// Destinations' URLs and keys live with the app's secrets, under a name no environment can
/// have (environment names start with a letter).
const SECRETS_SCOPE: &str = "_notify";

pub struct NotificationService {
    store: Arc<dyn NotificationStore>,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    dashboard_url: Option<String>,
    rounds: crate::retry::Rounds,
}

fn url_name(id: &str) -> String {
    format!("{id}_URL")
}

fn key_name(id: &str) -> String {
    format!("{id}_KEY")
}

/// `sha256=<hex HMAC-SHA256 of body under key>`: what a receiver recomputes to trust a body.
pub fn signature(key: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl NotificationService {
    pub fn new(
        store: Arc<dyn NotificationStore>,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
        dashboard_url: Option<String>,
    ) -> Self {
        NotificationService {
            store,
            secrets,
            clock,
            dashboard_url: dashboard_url.map(|u| u.trim_end_matches('/').to_string()),
            rounds: Default::default(),
        }
    }

    pub fn with_retry_base(mut self, base: Duration) -> Self {
        self.rounds = crate::retry::Rounds::with_base(base);
        self
    }

    pub async fn queued(&self) {
        self.rounds.woken().await;
    }

    /// A new destination; answers it and, for a webhook, the key its deliveries are signed
    /// with (shown this once).
    pub async fn create(
        &self,
        app: &str,
        new: NewDestination,
        by: &str,
    ) -> Result<(Destination, Option<String>), DomainError> {
        new.validate()?;
        let host = validate_url(&new.url)?;
        if self.store.destinations_of(app).await?.len() >= MAX_DESTINATIONS {
            return Err(DomainError::Conflict(format!(
                "{app} has {MAX_DESTINATIONS} destinations already: remove one first"
            )));
        }
        let id = new_secret("dst").chars().take(19).collect::<String>();
        let key = (new.kind == DestinationKind::Webhook).then(|| new_secret("whsec_"));
        let mut events = new.events.clone();
        events.sort();
        events.dedup();
        let mut secrets = BTreeMap::from([(url_name(&id), Some(new.url.clone()))]);
        if let Some(k) = &key {
            secrets.insert(key_name(&id), Some(k.clone()));
        }
        self.secrets.update(app, SECRETS_SCOPE, secrets).await?;
        let destination = Destination {
            id,
            app: app.into(),
            name: new.name.trim().into(),
            kind: new.kind,
            events,
            host,
            created_at: self.clock.now(),
            created_by: by.into(),
        };
        self.store.put_destination(&destination).await?;
        Ok((destination, key))
    }

    pub async fn list(&self, app: &str) -> Result<Vec<Destination>, DomainError> {
        Ok(self.store.destinations_of(app).await?)
    }

    pub async fn remove(&self, app: &str, id: &str) -> Result<(), DomainError> {
        if !self.store.delete_destination(app, id).await? {
            return Err(DomainError::NotFound(format!(
                "{app} has no notification destination {id:?}"
            )));
        }
        let gone = BTreeMap::from([(url_name(id), None), (key_name(id), None)]);
        self.secrets.update(app, SECRETS_SCOPE, gone).await?;
        Ok(())
    }

    /// Every destination of the app goes (the app is being deleted).
    pub async fn remove_all(&self, app: &str) -> Result<(), DomainError> {
        for d in self.store.destinations_of(app).await? {
            self.store.delete_destination(app, &d.id).await?;
        }
        self.secrets.delete_all(app, SECRETS_SCOPE).await?;
        Ok(())
    }

    pub async fn deliveries(
        &self,
        app: &str,
        id: &str,
        limit: usize,
    ) -> Result<Vec<Delivery>, DomainError> {
        if !self
            .store
            .destinations_of(app)
            .await?
            .iter()
            .any(|d| d.id == id)
        {
            return Err(DomainError::NotFound(format!(
                "{app} has no notification destination {id:?}"
            )));
        }
        Ok(self.store.deliveries_of(id, limit.clamp(1, 100)).await?)
    }

    /// Queues what `dep`'s status is for every destination that chose it.
    pub async fn record(&self, dep: &Deployment) -> Result<(), DomainError> {
        let events = event_of(dep);
        if events.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let mut queued = false;
        for destination in self.store.destinations_of(&dep.app).await? {
            for event in events.iter().filter(|e| destination.events.contains(e)) {
                let id = format!("{}.{}.{}", dep.id, event.as_str(), destination.id);
                let delivery = Delivery {
                    body: self.body(&destination, *event, dep, &id, now),
                    id,
                    app: dep.app.clone(),
                    destination: destination.id.clone(),
                    event: *event,
                    deployment_id: dep.id.clone(),
                    attempts: 0,
                    next_attempt_at: now,
                    delivered_at: None,
                    last_error: None,
                    failures: vec![],
                    gave_up: false,
                    created_at: now,
                    version: 0,
                };
                match self.store.put_delivery(&delivery, Expect::Absent).await {
                    Ok(()) => queued = true,
                    // Already queued: the status was published again.
                    Err(StoreError::Conflict) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if queued {
            self.rounds.wake();
        }
        Ok(())
    }

    fn body(
        &self,
        destination: &Destination,
        event: EventKind,
        dep: &Deployment,
        delivery: &str,
        at: Timestamp,
    ) -> String {
        let link = self
            .dashboard_url
            .as_ref()
            .map(|u| format!("{u}/deployments/{}", dep.id));
        match destination.kind {
            DestinationKind::Slack => super::text::slack_body(event, dep, link.as_deref()),
            DestinationKind::Webhook => serde_json::json!({
                "event": event.as_str(),
                "deliveryId": delivery,
                "at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "app": dep.app,
                "environment": dep.environment,
                "url": link,
                "deployment": {
                    "id": dep.id, "status": dep.status.as_str(), "kind": dep.kind,
                    "trigger": dep.trigger, "commit": dep.commit, "error": dep.error,
                    "requestedBy": dep.requested_by, "approvedBy": dep.approved_by,
                    "outputs": dep.outputs,
                },
            })
            .to_string(),
        }
    }

    /// Delivers what is due as of `now`, at most `limit`; each is claimed first.
    pub async fn deliver_due_at(
        &self,
        sender: &dyn NotificationSender,
        now: Timestamp,
        limit: usize,
    ) -> Result<DeliveryRound, DomainError> {
        let mut round = DeliveryRound::default();
        for due in self.store.due_deliveries(now, limit).await? {
            let mut d = due.clone();
            d.attempts += 1;
            d.next_attempt_at = now.max(self.clock.now()) + self.rounds.wait_after(d.attempts);
            match self
                .store
                .put_delivery(&d, Expect::Version(due.version))
                .await
            {
                Ok(()) => d.version = due.version + 1,
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            let result = self.post(&d, sender).await;
            let v = d.version;
            match result {
                Ok(()) => {
                    d.delivered_at = Some(self.clock.now());
                    d.last_error = None;
                    round.delivered += 1;
                }
                Err(e) => {
                    tracing::info!(delivery = %d.id, attempt = d.attempts, "notification failed: {e}");
                    d.failures.push(super::FailedTry {
                        at: self.clock.now(),
                        error: e.clone(),
                    });
                    d.last_error = Some(e);
                    d.gave_up = d.attempts >= MAX_NOTIFICATION_ATTEMPTS;
                    if d.gave_up {
                        round.gave_up += 1;
                    } else {
                        round.failed += 1;
                    }
                }
            }
            // Claimed: nobody else wrote it since.
            self.store.put_delivery(&d, Expect::Version(v)).await?;
        }
        Ok(round)
    }

    async fn post(&self, d: &Delivery, sender: &dyn NotificationSender) -> Result<(), String> {
        let secrets = self
            .secrets
            .get(&d.app, SECRETS_SCOPE)
            .await
            .map_err(|e| e.to_string())?;
        let Some(url) = secrets.get(&url_name(&d.destination)) else {
            return Err("the destination was removed".into());
        };
        let mut headers = vec![
            ("content-type", "application/json".to_string()),
            ("x-trellis-event", d.event.as_str().to_string()),
            ("x-trellis-delivery", d.id.clone()),
        ];
        if let Some(key) = secrets.get(&key_name(&d.destination)) {
            headers.push(("x-trellis-signature-256", signature(key, &d.body)));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sender.post(url, &headers, &d.body).await
    }
}
