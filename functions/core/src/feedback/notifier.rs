//! Feedback recorded wherever a deployment's status is published: every writer of a status
//! already tells the notifier, so none can forget to tell GitHub.

use std::sync::Arc;

use async_trait::async_trait;

use super::FeedbackService;
use crate::ports::{LiveEvent, Notifier};

pub struct FeedbackNotifier {
    inner: Arc<dyn Notifier>,
    feedback: Arc<FeedbackService>,
}

impl FeedbackNotifier {
    pub fn new(inner: Arc<dyn Notifier>, feedback: Arc<FeedbackService>) -> Self {
        FeedbackNotifier { inner, feedback }
    }
}

#[async_trait]
impl Notifier for FeedbackNotifier {
    async fn publish(&self, event: LiveEvent) {
        if let LiveEvent::Deployment(dep) = &event
            && let Err(e) = self.feedback.record(dep).await
        {
            // Never the deployment's failure: the state is recorded again at its next change.
            tracing::warn!(deployment = %dep.id, "recording GitHub feedback failed: {e}");
        }
        self.inner.publish(event).await;
    }
}
