//! Trellis's HTTP edge: the API handlers, GitHub webhook, log forwarder and live-update
//! protocol. The local server mounts [`router`]; each Lambda mounts the one route it serves.

pub mod audit;
pub mod auth;
pub mod error;
pub mod extract;
pub mod forwarder;
pub mod github;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod webhook;
pub mod websocket;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

pub use error::{ApiError, ApiResult};
// The wire types live in their own crate; these paths stay for the handlers and callers.
pub use state::AppState;
pub use trellis_wire::{live, views};

use routes::{
    apps, audit as audit_log, auth as sign_in_routes, deployments, environments,
    github as github_routes, meta, team,
};

/// Every authenticated API route.
pub fn protected_routes() -> Router<AppState> {
    Router::new()
        .route("/api/apps", get(apps::list_apps).post(apps::create_app))
        .route(
            "/api/apps/{app}",
            get(apps::get_app)
                .patch(apps::update_app)
                .delete(apps::delete_app),
        )
        .route(
            "/api/apps/{app}/environments/{env}",
            get(environments::get_environment).patch(environments::update_environment),
        )
        .route(
            "/api/apps/{app}/environments/{env}/deployments",
            get(environments::list_deployments),
        )
        .route(
            "/api/apps/{app}/environments/{env}/deploy",
            post(environments::deploy),
        )
        .route(
            "/api/apps/{app}/environments/{env}/promote",
            post(environments::promote).get(environments::promotion_preview),
        )
        .route(
            "/api/apps/{app}/environments/{env}/rollback",
            post(environments::rollback),
        )
        .route(
            "/api/apps/{app}/environments/{env}/teardown",
            post(environments::teardown),
        )
        .route("/api/deployments/{id}", get(deployments::get_deployment))
        .route("/api/deployments/{id}/cancel", post(deployments::cancel))
        .route("/api/deployments/{id}/approve", post(deployments::approve))
        .route("/api/deployments/{id}/reject", post(deployments::reject))
        .route("/api/deployments/{id}/logs", get(deployments::logs))
        .route("/api/me", get(team::me))
        .route(
            "/api/tokens",
            get(team::list_tokens).post(team::create_token),
        )
        .route(
            "/api/tokens/{id}",
            axum::routing::delete(team::revoke_token),
        )
        .route("/api/apps/{app}/members", get(team::list_members))
        .route(
            "/api/apps/{app}/members/{login}",
            axum::routing::put(team::set_member).delete(team::remove_member),
        )
        .route("/api/audit", get(audit_log::list_audit))
        .route("/api/auth/logout", post(sign_in_routes::logout))
        .route("/api/live/ticket", post(team::live_ticket))
        .route("/api/github/app", get(github_routes::github_app))
        .route(
            "/api/github/repositories",
            get(routes::repositories::list_repositories),
        )
        .route("/api/apps/{app}/branches", get(apps::list_branches))
        .route(
            "/api/apps/{app}/notifications",
            get(routes::notifications::list_destinations)
                .post(routes::notifications::create_destination),
        )
        .route(
            "/api/apps/{app}/notifications/{id}",
            axum::routing::delete(routes::notifications::delete_destination),
        )
        .route(
            "/api/apps/{app}/notifications/{id}/deliveries",
            get(routes::notifications::list_deliveries),
        )
        .route("/api/github/manifest", post(github_routes::start_manifest))
        .route(
            "/api/apps/{app}/environments/{env}/cache",
            get(routes::cache::get_cache).delete(routes::cache::clear_cache),
        )
}

/// The whole API (without the WebSocket, which belongs to the transport).
pub fn router(state: AppState) -> Router {
    let protected = protected_routes()
        .route_layer(axum::middleware::from_fn(auth::require_csrf))
        .route_layer(from_fn_with_state(state.clone(), audit::record))
        .route_layer(from_fn_with_state(state.clone(), auth::require_token))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES));
    let public = Router::new()
        .route("/api/health", get(meta::health))
        .route("/api/openapi.json", get(meta::openapi))
        .route("/api/auth/github", get(sign_in_routes::github_login))
        .route(
            "/api/auth/github/callback",
            get(sign_in_routes::github_callback),
        )
        .route("/api/auth/device", post(sign_in_routes::device_start))
        .route(
            "/api/github/manifest/callback",
            get(github_routes::finish_manifest),
        )
        .route("/api/auth/device/token", post(sign_in_routes::device_token))
        .route(
            "/api/webhooks/github",
            post(webhook::github_webhook).layer(DefaultBodyLimit::max(webhook::MAX_WEBHOOK_BYTES)),
        );
    public
        .merge(protected)
        // Unknown API paths answer in JSON; everything else is left to the host (dashboard).
        .route("/api", axum::routing::any(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .with_state(state)
}

/// One route as its own service: what a per-route Lambda serves. Authenticated routes get the
/// token check; every route gets the body limit and JSON errors for anything else.
pub fn single_route(
    state: AppState,
    path: &str,
    route: axum::routing::MethodRouter<AppState>,
    authenticated: bool,
) -> Router {
    let route = if authenticated {
        route
            .route_layer(axum::middleware::from_fn(auth::require_csrf))
            .route_layer(from_fn_with_state(state.clone(), audit::record))
            .route_layer(from_fn_with_state(state.clone(), auth::require_token))
    } else {
        route
    };
    let limit = if path == "/api/webhooks/github" {
        webhook::MAX_WEBHOOK_BYTES
    } else {
        extract::MAX_BODY_BYTES
    };
    Router::new()
        .route(path, route)
        .layer(DefaultBodyLimit::max(limit))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route for {}", uri.path()),
    )
}
