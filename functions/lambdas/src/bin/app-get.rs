//! `GET /api/apps/{app}`: One app with its environments.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::apps::get_app);
    trellis_lambdas::serve_http("app-get", route).await
}
