//! `GET /api/apps/{app}/environments/{env}/deployments`

use axum::routing::get;
use trellis_http::routes::environments;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(environments::list_deployments);
    trellis_lambdas::serve_route(
        "/api/apps/{app}/environments/{env}/deployments",
        route,
        true,
        trellis_lambdas::Needs::READ,
    )
    .await
}
