//! `GET /api/openapi.json`

use axum::routing::get;
use trellis_http::routes::meta;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(meta::openapi);
    trellis_lambdas::serve_route(
        "/api/openapi.json",
        route,
        false,
        trellis_lambdas::Needs::NONE,
    )
    .await
}
