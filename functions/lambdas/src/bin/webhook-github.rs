//! `POST /api/webhooks/github`: GitHub App push and ping deliveries.

use axum::routing::post;
use trellis_http::webhook::github_webhook;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = post(github_webhook);
    trellis_lambdas::serve_route(
        "/api/webhooks/github",
        route,
        false,
        trellis_lambdas::Needs::WEBHOOK,
    )
    .await
}
