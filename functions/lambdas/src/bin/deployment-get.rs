//! `GET /api/deployments/{id}`

use axum::routing::get;
use trellis_http::routes::deployments;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(deployments::get_deployment);
    trellis_lambdas::serve_route(
        "/api/deployments/{id}",
        route,
        true,
        trellis_lambdas::Needs::READ,
    )
    .await
}
