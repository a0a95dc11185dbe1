//! `PATCH /api/apps/{app}`

use axum::routing::patch;
use trellis_http::routes::apps;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = patch(apps::update_app);
    trellis_lambdas::serve_route("/api/apps/{app}", route, true, trellis_lambdas::Needs::READ).await
}
