use std::sync::Arc;

use trellis_core::Pipeline;
use trellis_core::access::AccessService;

use crate::auth::ApiToken;
use crate::forwarder::LogForwarder;
use crate::webhook::WebhookSecret;

/// What every handler gets: built once per process (per Lambda cold start).
#[derive(Clone)]
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub access: Arc<AccessService>,
    pub token: Arc<ApiToken>,
    pub webhook_secret: Arc<WebhookSecret>,
    pub forwarder: Arc<LogForwarder>,
    /// The GitHub App (sign-in, connecting it), where this deployment can have one.
    pub github: Option<Arc<crate::github::GithubIntegration>>,
    /// What GitHub is told of deployments (shown on a deployment), where it is reported.
    pub feedback: Option<Arc<trellis_core::feedback::FeedbackService>>,
    /// Where an app's deployment events are sent.
    pub notifications: Option<Arc<trellis_core::notify::NotificationService>>,
    /// Where environments keep their dependency caches (shown and cleared through the API).
    pub caches: Option<Arc<dyn trellis_core::cache::DependencyCaches>>,
}
