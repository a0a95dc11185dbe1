//! `GET /api/apps`

use axum::routing::get;
use trellis_http::routes::apps;

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = get(apps::list_apps);
    trellis_lambdas::serve_route("/api/apps", route, true, trellis_lambdas::Needs::READ).await
}
