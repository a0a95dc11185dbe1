//! The HTTP surface: the API, the live socket, and the dashboard (or a landing page).

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use trellis_http::AppState;
use trellis_http::auth::ApiToken;
use trellis_http::github::GithubIntegration;
use trellis_http::webhook::WebhookSecret;

use super::composition::Composed;

pub(super) fn app(
    parts: &Composed,
    token: &str,
    webhook_secret: &str,
    github: Arc<GithubIntegration>,
    dashboard_dir: Option<&Path>,
) -> Router {
    let token = Arc::new(ApiToken::new(token));
    let state = AppState {
        pipeline: parts.pipeline.clone(),
        access: parts.access.clone(),
        token: token.clone(),
        webhook_secret: Arc::new(WebhookSecret::new(webhook_secret)),
        forwarder: parts.forwarder.clone(),
        github: Some(github),
        feedback: Some(parts.feedback.clone()),
        notifications: Some(parts.notifications.clone()),
        caches: Some(parts.caches.clone()),
    };
    let ws = crate::live_socket::router(
        parts.hub.clone(),
        token,
        parts.access.clone(),
        parts.store.clone(),
    );
    let app = trellis_http::router(state).merge(ws);
    match dashboard_dir {
        Some(dir) if dir.join("index.html").exists() => app
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        _ => app.route("/", get(landing)),
    }
}

/// What the banner says about the dashboard.
pub(super) fn dashboard_status(base_url: &str, dashboard_dir: Option<&Path>) -> String {
    match dashboard_dir {
        Some(dir) if dir.join("index.html").exists() => format!("{base_url}/"),
        Some(dir) => format!(
            "not served: {} has no index.html (run `npm run build` in dashboard/)",
            dir.display()
        ),
        None => "not served (start with --dashboard-dir dashboard/dist)".to_string(),
    }
}

async fn landing() -> Html<&'static str> {
    Html(
        "<!doctype html><title>Trellis</title><h1>Trellis</h1>\
         <p>The API is at <a href=\"/api/openapi.json\">/api</a>; deployed sample sites are \
         served on their own port (see the server's banner).</p>",
    )
}
