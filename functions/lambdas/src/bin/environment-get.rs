//! `GET /api/apps/{app}/environments/{env}`

use axum::routing::get;
use trellis_http::routes::environments;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(environments::get_environment);
    trellis_lambdas::serve_route(
        "/api/apps/{app}/environments/{env}",
        route,
        true,
        trellis_lambdas::Needs::READ,
    )
    .await
}
