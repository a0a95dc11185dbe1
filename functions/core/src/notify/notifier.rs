//! Notifications queued wherever a deployment's status is published.

use std::sync::Arc;

use async_trait::async_trait;

use super::NotificationService;
use crate::ports::{LiveEvent, Notifier};

pub struct NotificationNotifier {
    inner: Arc<dyn Notifier>,
    notifications: Arc<NotificationService>,
}

impl NotificationNotifier {
    pub fn new(inner: Arc<dyn Notifier>, notifications: Arc<NotificationService>) -> Self {
        NotificationNotifier {
            inner,
            notifications,
        }
    }
}

#[async_trait]
impl Notifier for NotificationNotifier {
    async fn publish(&self, event: LiveEvent) {
        if let LiveEvent::Deployment(dep) = &event
            && let Err(e) = self.notifications.record(dep).await
        {
            tracing::warn!(deployment = %dep.id, "queueing notifications failed: {e}");
        }
        self.inner.publish(event).await;
    }
}
