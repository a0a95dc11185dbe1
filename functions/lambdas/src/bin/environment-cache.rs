//! `GET /api/apps/{app}/environments/{env}/cache`: What an environment's dependency cache holds.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::cache::get_cache);
    trellis_lambdas::serve_http("environment-cache", route).await
}
