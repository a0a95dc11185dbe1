//! `GET /api/apps/{app}`

use axum::routing::get;
use trellis_http::routes::apps;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(apps::get_app);
    trellis_lambdas::serve_route("/api/apps/{app}", route, true, trellis_lambdas::Needs::READ).await
}
