//! `POST /api/apps/{app}/environments/{env}/rollback`: Rolls back to an earlier deployment.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::environments::rollback);
    trellis_lambdas::serve_http("environment-rollback", route).await
}
