//! Feedback said through the GitHub App as its settings say now.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Feedback, FeedbackSender, SendOutcome};
use crate::github_connection::GithubConnection;

pub struct GithubFeedback {
    connection: Arc<GithubConnection>,
}

impl GithubFeedback {
    pub fn new(connection: Arc<GithubConnection>) -> Self {
        GithubFeedback { connection }
    }
}

#[async_trait]
impl FeedbackSender for GithubFeedback {
    async fn send(&self, f: &Feedback) -> SendOutcome {
        let failed = |e: String| SendOutcome {
            github_deployment_id: None,
            result: Err(e),
        };
        match self.connection.installations().await {
            Ok(Some(installations)) => {
                let mut f = f.clone();
                if f.log_url.is_none() {
                    f.log_url = self.connection.dashboard_link(&f.deployment_id);
                }
                installations.report(&f).await
            }
            Ok(None) => failed("GitHub is not connected (Settings → GitHub)".into()),
            Err(e) => failed(e.to_string()),
        }
    }
}
