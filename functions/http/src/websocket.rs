//! The WebSocket routes as API Gateway calls them (`$connect`, `$disconnect`, `$default`),
//! over the store's connection registry. Transport-free: the Lambdas pass event fields in.

use async_trait::async_trait;
use trellis_core::model::{Connection, Timestamp, Topic};
use trellis_core::ports::DeploymentStore;

use crate::auth::ApiToken;
use crate::error::ApiError;
use crate::live::{ClientMessage, ServerMessage};

/// API Gateway closes a WebSocket after two hours at the most.
const MAX_CONNECTION: time::Duration = time::Duration::hours(2);

/// `$connect`: the token comes in the query string (browsers cannot set headers on a
/// WebSocket); a wrong one refuses the connection.
pub async fn on_connect(
    store: &dyn DeploymentStore,
    token: &ApiToken,
    connection_id: &str,
    query_token: Option<&str>,
    now: Timestamp,
) -> Result<(), ApiError> {
    match query_token {
        Some(t) if token.verify(t) => {}
        _ => {
            return Err(ApiError::unauthorized(
                "missing or invalid ?token= on the WebSocket URL",
            ));
        }
    }
    store
        .put_connection(&Connection {
            id: connection_id.to_string(),
            connected_at: now,
            expires_at: now + MAX_CONNECTION,
        })
        .await?;
    Ok(())
}

/// `$disconnect`: forgets the connection and its subscriptions.
pub async fn on_disconnect(
    store: &dyn DeploymentStore,
    connection_id: &str,
) -> Result<(), ApiError> {
    store.delete_connection(connection_id).await?;
    Ok(())
}

/// Where one connection's subscriptions are kept: the store's registry (API Gateway) or the
/// local server's in-process hub.
#[async_trait]
pub trait Subscriptions: Send + Sync {
    async fn subscribe(&self, topics: &[Topic]) -> Result<(), String>;
    async fn unsubscribe(&self, topics: &[Topic]);
}

/// A client message on either transport; the reply goes back to the client.
pub async fn handle_message(
    store: &dyn DeploymentStore,
    subscriptions: &dyn Subscriptions,
    body: &str,
) -> ServerMessage {
    let message = match ClientMessage::parse(body) {
        Ok(m) => m,
        Err(e) => return ServerMessage::Error { message: e },
    };
    let topics = match message.topics() {
        Ok(t) => t,
        Err(e) => return ServerMessage::Error { message: e },
    };
    match message {
        ClientMessage::Ping => ServerMessage::Pong,
        ClientMessage::Unsubscribe { .. } => {
            subscriptions.unsubscribe(&topics).await;
            ServerMessage::Unsubscribed { topics }
        }
        ClientMessage::Subscribe { .. } => {
            if let Err(message) = check_topics(store, &topics).await {
                return ServerMessage::Error { message };
            }
            match subscriptions.subscribe(&topics).await {
                Ok(()) => ServerMessage::Subscribed { topics },
                Err(message) => ServerMessage::Error { message },
            }
        }
    }
}

/// A connection's subscriptions in the store's registry.
struct StoredSubscriptions<'a> {
    store: &'a dyn DeploymentStore,
    connection_id: &'a str,
}

#[async_trait]
impl Subscriptions for StoredSubscriptions<'_> {
    async fn subscribe(&self, topics: &[Topic]) -> Result<(), String> {
        for topic in topics {
            self.store
                .subscribe(self.connection_id, topic)
                .await
                .map_err(|e| format!("subscription failed: {e}"))?;
        }
        Ok(())
    }

    /// The store keeps subscriptions until the connection goes; unsubscribing is local.
    async fn unsubscribe(&self, _topics: &[Topic]) {}
}

/// `$default`: a client message; the reply goes back to the client.
pub async fn on_message(
    store: &dyn DeploymentStore,
    connection_id: &str,
    body: &str,
) -> ServerMessage {
    let subscriptions = StoredSubscriptions {
        store,
        connection_id,
    };
    handle_message(store, &subscriptions, body).await
}

/// Every topic names a deployment or app that exists; otherwise says which does not.
pub async fn check_topics(store: &dyn DeploymentStore, topics: &[Topic]) -> Result<(), String> {
    for topic in topics {
        let exists = match topic {
            Topic::Deployment(d) => store.get_deployment(d).await.map(|d| d.is_some()),
            Topic::App(a) => store.get_app(a).await.map(|a| a.is_some()),
        };
        match exists {
            Ok(true) => {}
            Ok(false) => {
                return Err(format!(
                    "nothing to subscribe to: {} does not exist",
                    topic.key()
                ));
            }
            Err(e) => return Err(format!("subscription failed: {e}")),
        }
    }
    Ok(())
}
