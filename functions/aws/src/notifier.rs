//! Pushes live events to API Gateway WebSocket connections through the management API.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use trellis_core::ports::{DeploymentStore, LiveEvent, Notifier};
use trellis_wire::live::messages_for;

pub struct ApiGatewayNotifier {
    client: Client,
    store: Arc<dyn DeploymentStore>,
}

impl ApiGatewayNotifier {
    /// `client` must be configured with the API's `https://{api}.execute-api.{region}
    /// .amazonaws.com/{stage}` endpoint.
    pub fn new(client: Client, store: Arc<dyn DeploymentStore>) -> Self {
        ApiGatewayNotifier { client, store }
    }
}

#[async_trait]
impl Notifier for ApiGatewayNotifier {
    async fn publish(&self, event: LiveEvent) {
        let (topics, messages) = messages_for(&event);
        let mut connections = BTreeSet::new();
        for topic in &topics {
            match self.store.subscribers(topic).await {
                Ok(ids) => connections.extend(ids),
                Err(e) => tracing::warn!("reading subscribers of {}: {e}", topic.key()),
            }
        }
        for id in connections {
            for message in &messages {
                let sent = self
                    .client
                    .post_to_connection()
                    .connection_id(&id)
                    .data(Blob::new(message.as_bytes()))
                    .send()
                    .await;
                match sent {
                    Ok(_) => {}
                    // 410: the client is gone; forget it and carry on with the others.
                    Err(e) if is_gone(&e) => {
                        if let Err(e) = self.store.delete_connection(&id).await {
                            tracing::warn!(connection = %id, "removing a gone connection: {e}");
                        }
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(connection = %id, "posting to a connection failed: {e:?}");
                        break;
                    }
                }
            }
        }
    }
}

/// 410 Gone, whether or not the error body names `GoneException`.
fn is_gone(
    e: &aws_sdk_apigatewaymanagement::error::SdkError<
        aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError,
        aws_sdk_apigatewaymanagement::config::http::HttpResponse,
    >,
) -> bool {
    e.as_service_error().is_some_and(|s| s.is_gone_exception())
        || e.raw_response().is_some_and(|r| r.status().as_u16() == 410)
}
