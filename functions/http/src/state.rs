use std::sync::Arc;

use trellis_core::Pipeline;

use crate::auth::ApiToken;
use crate::forwarder::LogForwarder;
use crate::webhook::WebhookSecret;

/// What every handler gets: built once per process (per Lambda cold start).
#[derive(Clone)]
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub token: Arc<ApiToken>,
    pub webhook_secret: Arc<WebhookSecret>,
    pub forwarder: Arc<LogForwarder>,
}
