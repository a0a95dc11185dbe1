//! `trellis serve`: the whole system on one machine. The same handlers as the Lambdas, composed
//! with SQLite, child-process runners and an in-process WebSocket hub.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::response::Html;
use axum::routing::get;
use thiserror::Error;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;
use trellis_core::ports::{DeploymentStore, SecretStore, SourceRepository, SystemClock};
use trellis_core::{Pipeline, Ports};
use trellis_http::AppState;
use trellis_http::auth::ApiToken;
use trellis_http::forwarder::LogForwarder;
use trellis_http::webhook::WebhookSecret;

use crate::git::GitSource;
use crate::hub::LocalHub;
use crate::launcher::{
    ProcessLauncher, SiteSpace, kill_orphaned_session, parse_runner, write_private,
};
use crate::sqlite::{SqliteSecretStore, SqliteStore};

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub runner_bin: Option<PathBuf>,
    pub dashboard_dir: Option<PathBuf>,
    /// Where deployed sample sites are published (default: beside the data directory, never
    /// inside it: builds must not be able to reach the data directory).
    pub sites_dir: Option<PathBuf>,
    /// The sites' own origin (default: the next port, or any free port with port 0).
    pub sites_listen: Option<SocketAddr>,
}

/// The sites' address when none is given: the API's port plus one.
fn default_sites_listen(listen: SocketAddr) -> SocketAddr {
    let mut sites = listen;
    if listen.port() != 0 {
        sites.set_port(listen.port().wrapping_add(1));
    }
    sites
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

pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    crate::data_dir::private_umask();
    let (data_dir, tightened) = crate::data_dir::prepare(&config.data_dir).map_err(|e| {
        ServeError::Setup(format!(
            "cannot prepare the data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    for change in &tightened {
        println!(
            "Tightened {}: {change} (it holds secrets)",
            data_dir.display()
        );
    }
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
    let sites_listen = config
        .sites_listen
        .unwrap_or_else(|| default_sites_listen(config.listen));
    let sites_listener = TcpListener::bind(sites_listen)
        .await
        .map_err(|e| ServeError::Listen(sites_listen, e))?;
    let sites_url = format!(
        "http://{}",
        sites_listener.local_addr().map_err(ServeError::Serve)?
    );
    let sites_dir = config.sites_dir.clone().unwrap_or_else(|| {
        let mut name = data_dir.file_name().unwrap_or_default().to_os_string();
        name.push("-sites");
        data_dir.with_file_name(name)
    });
    std::fs::create_dir_all(&sites_dir)
        .map_err(|e| ServeError::Setup(format!("cannot create {}: {e}", sites_dir.display())))?;
    if sites_dir
        .canonicalize()
        .is_ok_and(|s| s.starts_with(&data_dir))
    {
        return Err(ServeError::Setup(format!(
            "the sites directory {} is inside the data directory: builds write there, and \
             must not be able to reach the data directory",
            sites_dir.display()
        )));
    }
    let separate_users = SiteSpace::can_separate_users();

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
        SiteSpace::new(sites_dir.clone(), sites_url.clone(), separate_users),
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
        if let Some(pid) = dep.runner.as_deref().and_then(parse_runner) {
            kill_orphaned_session(pid);
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
    let ws = crate::live_socket::router(hub, token, store);
    let mut app = trellis_http::router(state).merge(ws);
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
    println!(
        "  Sites:          {sites_url}/<app>/<environment>/ (from {})",
        sites_dir.display()
    );
    if separate_users {
        println!("  Builds run as:  one unprivileged user per environment (uid 2000000000 and up)");
    } else {
        println!(
            "  Builds run as:  you. Not isolated: a build can read what you can, this data \
             directory included (run the server as root to give builds users of their own)"
        );
    }

    // Open WebSockets would hold a graceful shutdown forever: on a signal, stop at once, and
    // take the runners (in sessions of their own) down too.
    let sites = axum::serve(sites_listener, crate::sites::router(sites_dir));
    let result = tokio::select! {
        r = axum::serve(listener, app) => r.map_err(ServeError::Serve),
        r = sites => r.map_err(ServeError::Serve),
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
         served on their own port (see the server's banner).</p>",
    )
}
