//! `GET /api/deployments/{id}/logs`

use axum::routing::get;
use trellis_http::routes::deployments;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(deployments::logs);
    trellis_lambdas::serve_route(
        "/api/deployments/{id}/logs",
        route,
        true,
        trellis_lambdas::Needs::READ,
    )
    .await
}
