//! The per-route Lambdas. Each binary in `src/bin` is a few lines: build the clients once
//! (per cold start), hand them to the shared handler, run.

pub mod events;
pub mod services;

use axum::routing::MethodRouter;
use trellis_http::AppState;

pub use services::{ConfigError, Needs, Services, Settings};

pub type Error = lambda_runtime::Error;

/// Logs go to stdout for CloudWatch, which stamps the time itself.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(false)
        .without_time()
        .try_init();
}

impl Needs {
    /// Read-only API routes.
    pub const READ: Needs = Needs {
        launcher: false,
        notifier: false,
        webhook: false,
        token: true,
    };
    /// API routes that change deployments (and may start or stop runners).
    pub const DEPLOY: Needs = Needs {
        launcher: true,
        notifier: true,
        webhook: false,
        token: true,
    };
    /// The GitHub webhook: pushes start deployments.
    pub const WEBHOOK: Needs = Needs {
        launcher: true,
        notifier: true,
        webhook: true,
        token: false,
    };
    /// Event functions that end deployments (and so start the next queued one).
    pub const EVENTS: Needs = Needs {
        launcher: true,
        notifier: true,
        webhook: false,
        token: false,
    };
    /// Health and the OpenAPI document.
    pub const NONE: Needs = Needs {
        launcher: false,
        notifier: false,
        webhook: false,
        token: false,
    };
}

/// Serves one HTTP route behind API Gateway.
pub async fn serve_route(
    path: &str,
    route: MethodRouter<AppState>,
    authenticated: bool,
    needs: Needs,
) -> Result<(), Error> {
    init_tracing();
    let services = Services::load(needs).await?;
    lambda_http::run(trellis_http::single_route(
        services.state,
        path,
        route,
        authenticated,
    ))
    .await
}
