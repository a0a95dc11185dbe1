//! `GET /api/apps/{app}/environments/{env}/deployments`: An environment's history, newest first.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::environments::list_deployments);
    trellis_lambdas::serve_http("environment-deployments", route).await
}
