//! `DELETE /api/apps/{app}`: Deletes an app, its secrets and its dependency caches.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::delete(trellis_http::routes::apps::delete_app);
    trellis_lambdas::serve_http("app-delete", route).await
}
