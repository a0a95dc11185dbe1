//! `PATCH /api/apps/{app}/environments/{env}`: Changes an environment's settings, variables and secrets.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::patch(trellis_http::routes::environments::update_environment);
    trellis_lambdas::serve_http("environment-update", route).await
}
