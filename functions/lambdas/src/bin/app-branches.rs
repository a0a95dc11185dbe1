//! `GET /api/apps/{app}/branches`: The branches of an app's repository.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::apps::list_branches);
    trellis_lambdas::serve_http("app-branches", route).await
}
