//! The dashboard's WebSocket in local mode: the same client messages as the API Gateway
//! WebSocket API, served by the in-process hub.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use trellis_core::access::{AccessService, Actor};
use trellis_core::model::Topic;
use trellis_core::ports::DeploymentStore;
use trellis_http::ApiError;
use trellis_http::auth::{ApiToken, session_secret};
use trellis_http::live::ServerMessage;
use trellis_http::websocket::{SocketCredentials, authenticate};

use crate::hub::LocalHub;

pub fn router(
    hub: Arc<LocalHub>,
    token: Arc<ApiToken>,
    access: Arc<AccessService>,
    store: Arc<dyn DeploymentStore>,
) -> Router {
    Router::new()
        .route("/api/ws", get(websocket))
        .with_state(WsState {
            hub,
            token,
            access,
            store,
        })
}

#[derive(Clone)]
struct WsState {
    hub: Arc<LocalHub>,
    token: Arc<ApiToken>,
    access: Arc<AccessService>,
    store: Arc<dyn DeploymentStore>,
}

async fn websocket(
    State(state): State<WsState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let session = session_secret(&headers);
    // A page of another site can open a WebSocket here, and a browser may send the cookie
    // with it: with the cookie, the page must be this site's.
    let bearer = query.contains_key("token") || query.contains_key("ticket");
    if !bearer && session.is_some() && !same_origin(&headers) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a WebSocket opened by another site may not use this site's session",
        )
        .into_response();
    }
    let actor = match authenticate(
        &state.token,
        &state.access,
        SocketCredentials {
            token: query.get("token").map(String::as_str),
            ticket: query.get("ticket").map(String::as_str),
            session_cookie: session.as_deref(),
        },
    )
    .await
    {
        Ok(actor) => actor,
        Err(e) => return e.into_response(),
    };
    match upgrade {
        Ok(upgrade) => upgrade.on_upgrade(move |socket| client_session(socket, state, actor)),
        Err(rejection) => rejection.into_response(),
    }
}

/// The `Origin` is this server's own address (`Host`).
fn same_origin(headers: &HeaderMap) -> bool {
    let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match (value("origin"), value("host")) {
        (Some(origin), Some(host)) => {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        }
        // Not a browser: no page to act for.
        (None, _) => true,
        _ => false,
    }
}

async fn client_session(socket: WebSocket, state: WsState, actor: Actor) {
    let (id, mut outgoing) = state.hub.connect();
    let (mut sink, mut incoming) = socket.split();
    loop {
        tokio::select! {
            message = outgoing.recv() => match message {
                Some(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                // The hub dropped a client that fell behind; it reconnects and catches up.
                None => break,
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let reply = handle_client_message(&state, &actor, id, text.as_str()).await;
                    if sink.send(Message::Text(reply.to_json().into())).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    state.hub.disconnect(id);
}

async fn handle_client_message(
    state: &WsState,
    actor: &Actor,
    id: u64,
    text: &str,
) -> ServerMessage {
    let subscriptions = HubSubscriptions {
        hub: &state.hub,
        id,
    };
    trellis_http::websocket::handle_message(
        state.store.as_ref(),
        &state.access,
        actor,
        &subscriptions,
        text,
    )
    .await
}

/// A local client's subscriptions, in the in-process hub.
struct HubSubscriptions<'a> {
    hub: &'a LocalHub,
    id: u64,
}

#[async_trait::async_trait]
impl trellis_http::websocket::Subscriptions for HubSubscriptions<'_> {
    async fn subscribe(&self, topics: &[Topic]) -> Result<(), String> {
        self.hub.subscribe(self.id, topics);
        Ok(())
    }

    async fn unsubscribe(&self, topics: &[Topic]) {
        self.hub.unsubscribe(self.id, topics);
    }
}
