//! `GET /api/health`

use axum::routing::get;
use trellis_http::routes::meta;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(meta::health);
    trellis_lambdas::serve_route("/api/health", route, false, trellis_lambdas::Needs::NONE).await
}
