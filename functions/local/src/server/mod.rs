//! `trellis serve`: the whole system on one machine. The same handlers as the Lambdas, composed
//! with SQLite, child-process runners and an in-process WebSocket hub.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use thiserror::Error;
use tokio::net::TcpListener;

use crate::launcher::SiteSpace;

mod banner;
mod composition;
mod github;
mod recovery;
mod router;
mod secrets;

pub use secrets::MIN_TOKEN_CHARS;

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

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("{0}")]
    Setup(String),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let prepared = secrets::prepare(&config.data_dir)?;
    let data_dir = &prepared.data_dir;

    let listener = bind(config.listen).await?;
    let base_url = format!(
        "http://{}",
        listener.local_addr().map_err(ServeError::Serve)?
    );
    let sites_listener = bind(
        config
            .sites_listen
            .unwrap_or_else(|| default_sites_listen(config.listen)),
    )
    .await?;
    let sites = composition::SitesPlan {
        dir: sites_dir(config.sites_dir.clone(), data_dir)?,
        url: format!(
            "http://{}",
            sites_listener.local_addr().map_err(ServeError::Serve)?
        ),
        separate_users: SiteSpace::can_separate_users(),
    };

    let connection = github::connection(data_dir)?;
    let public_url = std::env::var("TRELLIS_PUBLIC_URL").unwrap_or_else(|_| base_url.clone());
    let parts = composition::compose(
        data_dir,
        config.runner_bin.clone(),
        &sites,
        connection.clone(),
        &public_url,
    )?;
    recovery::recover_orphans(&parts).await?;
    tokio::spawn(crate::watcher::watch_local_repositories(
        parts.pipeline.clone(),
        parts.source.clone(),
    ));
    let dashboard_dir = config.dashboard_dir.as_deref();
    let github = std::sync::Arc::new(github::integration(connection, &base_url)?);
    let sign_in_status = match github.sign_in().await {
        Ok(Some(s)) => format!("with GitHub (callback {})", s.callback_url()),
        Ok(None) => {
            "admin token (connect a GitHub App from the dashboard to sign in with GitHub)".into()
        }
        Err(e) => format!("admin token (the GitHub App's settings cannot be read: {e})"),
    };
    let app = router::app(
        &parts,
        &prepared.token,
        &prepared.webhook_secret,
        github,
        dashboard_dir,
    );

    banner::Banner {
        base_url: &base_url,
        dashboard: &router::dashboard_status(&base_url, dashboard_dir),
        token_source: &prepared.token_source,
        sign_in: &sign_in_status,
        webhook_source: &prepared.webhook_source,
        data_dir,
        sites_url: &sites.url,
        sites_dir: &sites.dir,
        separate_users: sites.separate_users,
    }
    .print();

    // Open WebSockets would hold a graceful shutdown forever: on a signal, stop at once, and
    // take the runners (in sessions of their own) down too.
    let serve_sites = axum::serve(sites_listener, crate::sites::router(sites.dir.clone()));
    let result = tokio::select! {
        r = axum::serve(listener, app) => r.map_err(ServeError::Serve),
        r = serve_sites => r.map_err(ServeError::Serve),
        _ = shutdown_signal() => Ok(()),
    };
    parts.launcher.kill_all();
    result
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Listen(addr, e))
}

/// The sites' address when none is given: the API's port plus one.
fn default_sites_listen(listen: SocketAddr) -> SocketAddr {
    let mut sites = listen;
    if listen.port() != 0 {
        sites.set_port(listen.port().wrapping_add(1));
    }
    sites
}

/// Where sites are published: beside the data directory, never inside it.
fn sites_dir(configured: Option<PathBuf>, data_dir: &Path) -> Result<PathBuf, ServeError> {
    let dir = configured.unwrap_or_else(|| {
        let mut name = data_dir.file_name().unwrap_or_default().to_os_string();
        name.push("-sites");
        data_dir.with_file_name(name)
    });
    std::fs::create_dir_all(&dir)
        .map_err(|e| ServeError::Setup(format!("cannot create {}: {e}", dir.display())))?;
    if dir.canonicalize().is_ok_and(|s| s.starts_with(data_dir)) {
        return Err(ServeError::Setup(format!(
            "the sites directory {} is inside the data directory: builds write there, and \
             must not be able to reach the data directory",
            dir.display()
        )));
    }
    Ok(dir)
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
