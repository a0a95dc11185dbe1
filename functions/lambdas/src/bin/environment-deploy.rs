//! `POST /api/apps/{app}/environments/{env}/deploy`

use axum::routing::post;
use trellis_http::routes::environments;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = post(environments::deploy);
    trellis_lambdas::serve_route(
        "/api/apps/{app}/environments/{env}/deploy",
        route,
        true,
        trellis_lambdas::Needs::DEPLOY,
    )
    .await
}
