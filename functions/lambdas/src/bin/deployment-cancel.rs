//! `POST /api/deployments/{id}/cancel`

use axum::routing::post;
use trellis_http::routes::deployments;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = post(deployments::cancel);
    trellis_lambdas::serve_route(
        "/api/deployments/{id}/cancel",
        route,
        true,
        trellis_lambdas::Needs::DEPLOY,
    )
    .await
}
