//! `PATCH /api/apps/{app}`: Changes an app's settings.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::patch(trellis_http::routes::apps::update_app);
    trellis_lambdas::serve_http("app-update", route).await
}
