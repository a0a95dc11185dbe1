//! `trellis serve`: the whole system on one machine. The same handlers as the Lambdas, composed
//! with SQLite, child-process runners and an in-process WebSocket hub.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use thiserror::Error;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;
use trellis_core::model::Topic;
use trellis_core::ports::{DeploymentStore, SecretStore, SourceRepository, SystemClock};
use trellis_core::{Pipeline, Ports};
use trellis_http::auth::ApiToken;
use trellis_http::forwarder::LogForwarder;
use trellis_http::live::ServerMessage;
use trellis_http::webhook::WebhookSecret;
use trellis_http::{ApiError, AppState};

use crate::git::GitSource;
use crate::hub::LocalHub;
use crate::launcher::{
    ProcessLauncher, is_runner_process, kill_session, parse_runner, write_private,
};
use crate::sqlite::{SqliteSecretStore, SqliteStore};

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub runner_bin: Option<PathBuf>,
    pub dashboard_dir: Option<PathBuf>,
}

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("{0}")]
    Setup(String),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

/// A secret that comes from the environment or, failing that, a file in the data directory
/// (created at first start, readable by the owner only).
/// A shorter API token can be guessed; generated ones have 64 hex digits.
pub const MIN_TOKEN_CHARS: usize = 16;

fn load_or_create_secret(env: &str, path: &Path) -> Result<(String, String), ServeError> {
    if let Ok(v) = std::env::var(env)
        && !v.trim().is_empty()
    {
        return Ok((v.trim().to_string(), format!("${env} (not printed)")));
    }
    if let Ok(v) = std::fs::read_to_string(path)
        && !v.trim().is_empty()
    {
        return Ok((v.trim().to_string(), path.display().to_string()));
    }
    let value: String = {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    write_private(path, value.as_bytes())
        .map_err(|e| ServeError::Setup(format!("cannot write {}: {e}", path.display())))?;
    Ok((value, format!("{} (new)", path.display())))
}

fn default_runner_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("build-runner")))
        .unwrap_or_else(|| PathBuf::from("build-runner"))
}

#[derive(Clone)]
struct WsState {
    hub: Arc<LocalHub>,
    token: Arc<ApiToken>,
    store: Arc<dyn DeploymentStore>,
}

pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let data_dir = &config.data_dir;
    std::fs::create_dir_all(data_dir)
        .map_err(|e| ServeError::Setup(format!("cannot create {}: {e}", data_dir.display())))?;
    let data_dir = data_dir
        .canonicalize()
        .map_err(|e| ServeError::Setup(format!("{}: {e}", data_dir.display())))?;
    let (token_value, token_source) =
        load_or_create_secret("TRELLIS_TOKEN", &data_dir.join("admin-token"))?;
    let length = token_value.chars().count();
    if length < MIN_TOKEN_CHARS {
        return Err(ServeError::Setup(format!(
            "the API token from {token_source} has {length} characters: use at least \
             {MIN_TOKEN_CHARS} (for example `openssl rand -hex 32`), or unset TRELLIS_TOKEN \
             and remove the file to have one generated"
        )));
    }
    let (webhook_secret, webhook_source) =
        load_or_create_secret("TRELLIS_WEBHOOK_SECRET", &data_dir.join("webhook-secret"))?;

    let db = data_dir.join("trellis.db");
    let store: Arc<dyn DeploymentStore> = Arc::new(
        SqliteStore::open(&db).map_err(|e| ServeError::Setup(format!("{}: {e}", db.display())))?,
    );
    let secrets: Arc<dyn SecretStore> = Arc::new(
        SqliteSecretStore::open(&db)
            .map_err(|e| ServeError::Setup(format!("{}: {e}", db.display())))?,
    );
    let hub = Arc::new(LocalHub::new());
    let forwarder = Arc::new(LogForwarder::new(store.clone(), hub.clone()));

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServeError::Listen(config.listen, e))?;
    let addr = listener.local_addr().map_err(ServeError::Serve)?;
    let base_url = format!("http://{addr}");
    let sites_dir = data_dir.join("sites");
    std::fs::create_dir_all(&sites_dir)
        .map_err(|e| ServeError::Setup(format!("cannot create {}: {e}", sites_dir.display())))?;

    let runner_bin = config.runner_bin.clone().unwrap_or_else(default_runner_bin);
    if !runner_bin.exists() {
        return Err(ServeError::Setup(format!(
            "build runner not found at {} (build it with `cargo build -p trellis-build-runner`, \
             or pass --runner-bin)",
            runner_bin.display()
        )));
    }
    let (launcher, mut exits) = ProcessLauncher::new(
        runner_bin,
        data_dir.join("runs"),
        secrets.clone(),
        forwarder.clone(),
        BTreeMap::from([
            (
                "TRELLIS_LOCAL_SITES_DIR".to_string(),
                sites_dir.display().to_string(),
            ),
            (
                "TRELLIS_LOCAL_SITES_URL".to_string(),
                format!("{base_url}/sites"),
            ),
        ]),
    );
    let launcher = Arc::new(launcher);
    let source: Arc<dyn SourceRepository> = Arc::new(GitSource);
    let pipeline = Arc::new(Pipeline::new(Ports {
        store: store.clone(),
        secrets,
        launcher: launcher.clone(),
        notifier: hub.clone(),
        source: source.clone(),
        clock: Arc::new(SystemClock),
    }));

    // Runner exits become final statuses, one at a time, in the order they happen.
    let finisher = pipeline.clone();
    tokio::spawn(async move {
        while let Some(exit) = exits.recv().await {
            if let Err(e) = finisher.finish(&exit.deployment_id, exit.outcome).await {
                tracing::error!(deployment = %exit.deployment_id, "recording the runner's end failed: {e}");
            }
        }
    });

    // Runners of an earlier server run cannot be re-attached: stop them and fail their
    // deployments, then start what was queued.
    for dep in store
        .list_active_deployments()
        .await
        .map_err(|e| ServeError::Setup(e.to_string()))?
    {
        if let Some(pid) = dep.runner.as_deref().and_then(parse_runner)
            && is_runner_process(pid)
        {
            kill_session(pid);
        }
    }
    pipeline
        .recover(|_| false)
        .await
        .map_err(|e| ServeError::Setup(format!("recovering deployments: {e}")))?;

    tokio::spawn(crate::watcher::watch_local_repositories(
        pipeline.clone(),
        source,
    ));

    let token = Arc::new(ApiToken::new(&token_value));
    let state = AppState {
        pipeline,
        token: token.clone(),
        webhook_secret: Arc::new(WebhookSecret::new(&webhook_secret)),
        forwarder,
    };
    let ws = Router::new()
        .route("/api/ws", get(websocket))
        .with_state(WsState { hub, token, store });
    let mut app = trellis_http::router(state)
        .merge(ws)
        .nest_service("/sites", ServeDir::new(&sites_dir));
    let dashboard = match &config.dashboard_dir {
        Some(dir) if dir.join("index.html").exists() => format!("{base_url}/"),
        Some(dir) => format!(
            "not served: {} has no index.html (run `npm run build` in dashboard/)",
            dir.display()
        ),
        None => "not served (start with --dashboard-dir dashboard/dist)".to_string(),
    };
    app = match &config.dashboard_dir {
        Some(dir) if dir.join("index.html").exists() => app.fallback_service(
            ServeDir::new(dir)
                .fallback(tower_http::services::ServeFile::new(dir.join("index.html"))),
        ),
        _ => app.route("/", get(landing)),
    };

    println!("Trellis is running at {base_url}");
    println!("  Dashboard:      {dashboard}");
    // Printed on purpose: local mode's one user needs it to sign in (never written to the log).
    // Where the token is, never the token: the banner ends up in terminals and logs.
    println!("  API token:      {token_source}");
    println!("  Webhook secret: {webhook_source} (POST {base_url}/api/webhooks/github)");
    println!("  Data directory: {}", data_dir.display());
    println!("  Sites:          {base_url}/sites/<app>/<environment>/");

    // Open WebSockets would hold a graceful shutdown forever: on a signal, stop at once, and
    // take the runners (in sessions of their own) down too.
    let result = tokio::select! {
        r = axum::serve(listener, app) => r.map_err(ServeError::Serve),
        _ = shutdown_signal() => Ok(()),
    };
    launcher.kill_all();
    result
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = ctrl_c.await;
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}

async fn landing() -> Html<&'static str> {
    Html(
        "<!doctype html><title>Trellis</title><h1>Trellis</h1>\
         <p>The API is at <a href=\"/api/openapi.json\">/api</a>; deployed sample sites are \
         under <code>/sites/&lt;app&gt;/&lt;environment&gt;/</code>.</p>",
    )
}

async fn websocket(
    State(state): State<WsState>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let authorised = query.get("token").is_some_and(|t| state.token.verify(t));
    if !authorised {
        return ApiError::unauthorized("missing or invalid ?token= on the WebSocket URL")
            .into_response();
    }
    match upgrade {
        Ok(upgrade) => upgrade.on_upgrade(move |socket| client_session(socket, state)),
        Err(rejection) => rejection.into_response(),
    }
}

async fn client_session(socket: WebSocket, state: WsState) {
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
                    let reply = handle_client_message(&state, id, text.as_str()).await;
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

async fn handle_client_message(state: &WsState, id: u64, text: &str) -> ServerMessage {
    let subscriptions = HubSubscriptions {
        hub: &state.hub,
        id,
    };
    trellis_http::websocket::handle_message(state.store.as_ref(), &subscriptions, text).await
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
