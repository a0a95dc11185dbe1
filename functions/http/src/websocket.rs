//! The WebSocket routes as API Gateway calls them (`$connect`, `$disconnect`, `$default`),
//! over the store's connection registry. Transport-free: the Lambdas pass event fields in.

use async_trait::async_trait;
use trellis_core::access::{AccessService, Action, Actor, TOKEN_PREFIX};
use trellis_core::model::{Connection, Timestamp, Topic};
use trellis_core::ports::DeploymentStore;

use crate::auth::ApiToken;
use crate::error::ApiError;
use crate::live::{ClientMessage, ServerMessage};

/// API Gateway closes a WebSocket after two hours at the most.
const MAX_CONNECTION: time::Duration = time::Duration::hours(2);

/// How a WebSocket caller says who they are (browsers cannot set headers on a WebSocket).
#[derive(Debug, Clone, Copy, Default)]
pub struct SocketCredentials<'a> {
    /// `?token=`: the admin token or a personal token.
    pub token: Option<&'a str>,
    /// `?ticket=`: a signed-in browser's one-use live ticket (any origin).
    pub ticket: Option<&'a str>,
    /// The session cookie (same origin only).
    pub session_cookie: Option<&'a str>,
}

/// Who opens a WebSocket; anyone not known is refused.
pub async fn authenticate(
    token: &ApiToken,
    access: &AccessService,
    given: SocketCredentials<'_>,
) -> Result<Actor, ApiError> {
    let refused = || {
        ApiError::unauthorized(
            "missing or invalid ?token= or ?ticket= (or session) on the WebSocket URL",
        )
    };
    let admin = match given.token {
        Some(t) if !t.starts_with(TOKEN_PREFIX) => token.verify(t).await?,
        _ => false,
    };
    match (given.token, given.ticket, given.session_cookie) {
        (Some(_), _, _) if admin => Ok(Actor::Operator),
        (Some(t), _, _) if t.starts_with(TOKEN_PREFIX) => {
            access.actor_for_token(t).await?.ok_or_else(refused)
        }
        (Some(_), _, _) => Err(refused()),
        (None, Some(ticket), _) => access.redeem_live_ticket(ticket).await?.ok_or_else(refused),
        (None, None, Some(secret)) => match access.session(secret).await? {
            Some(session) => Ok(Actor::User {
                login: session.login,
            }),
            None => Err(refused()),
        },
        (None, None, None) => Err(refused()),
    }
}

/// `$connect`: records who opened the connection; a caller who is not known is refused.
pub async fn on_connect(
    store: &dyn DeploymentStore,
    token: &ApiToken,
    access: &AccessService,
    connection_id: &str,
    given: SocketCredentials<'_>,
    now: Timestamp,
) -> Result<(), ApiError> {
    let actor = authenticate(token, access, given).await?;
    store
        .put_connection(&Connection {
            id: connection_id.to_string(),
            login: match actor {
                Actor::Operator => None,
                Actor::User { login } => Some(login),
            },
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

/// A client message on either transport; the reply goes back to the client. A subscription
/// needs a role on the app the topic belongs to.
pub async fn handle_message(
    store: &dyn DeploymentStore,
    access: &AccessService,
    actor: &Actor,
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
            if let Err(message) = check_topics(store, access, actor, &topics).await {
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

/// `$default`: a client message; the reply goes back to the client. The connection's record
/// says who opened it.
pub async fn on_message(
    store: &dyn DeploymentStore,
    access: &AccessService,
    connection_id: &str,
    body: &str,
) -> ServerMessage {
    let actor = match store.get_connection(connection_id).await {
        Ok(Some(c)) => match c.login {
            Some(login) => Actor::User { login },
            None => Actor::Operator,
        },
        Ok(None) => {
            return ServerMessage::Error {
                message: "this connection is not known: reconnect".into(),
            };
        }
        Err(e) => {
            return ServerMessage::Error {
                message: format!("the connection cannot be read: {e}"),
            };
        }
    };
    let subscriptions = StoredSubscriptions {
        store,
        connection_id,
    };
    handle_message(store, access, &actor, &subscriptions, body).await
}

/// Every topic names a deployment or app that exists and the actor may read; otherwise says
/// which does not.
pub async fn check_topics(
    store: &dyn DeploymentStore,
    access: &AccessService,
    actor: &Actor,
    topics: &[Topic],
) -> Result<(), String> {
    for topic in topics {
        let app = match topic {
            Topic::Deployment(d) => store.get_deployment(d).await.map(|d| d.map(|d| d.app)),
            Topic::App(a) => store.get_app(a).await.map(|a| a.map(|a| a.name)),
        };
        match app {
            Ok(Some(app)) => {
                if let Err(e) = access.authorize(actor, &app, Action::Read).await {
                    return Err(e.to_string());
                }
            }
            Ok(None) => {
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
