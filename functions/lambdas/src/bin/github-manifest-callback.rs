//! `GET /api/github/manifest/callback`: GitHub created the app: its credentials are stored.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::github::finish_manifest);
    trellis_lambdas::serve_http("github-manifest-callback", route).await
}
