//! `POST /api/apps`

use axum::routing::post;
use trellis_http::routes::apps;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = post(apps::create_app);
    trellis_lambdas::serve_route("/api/apps", route, true, trellis_lambdas::Needs::READ).await
}
