//! `GET /api/apps/{app}/environments/{env}/promote`: What a promotion would ship: commits and changed settings.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::environments::promotion_preview);
    trellis_lambdas::serve_http("environment-promote-preview", route).await
}
