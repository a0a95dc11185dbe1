//! `DELETE /api/apps/{app}/environments/{env}/cache`: Clears an environment's dependency cache.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::delete(trellis_http::routes::cache::clear_cache);
    trellis_lambdas::serve_http("environment-cache-clear", route).await
}
