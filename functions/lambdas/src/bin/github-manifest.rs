//! `POST /api/github/manifest`: The manifest to create Trellis's GitHub App from.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::github::start_manifest);
    trellis_lambdas::serve_http("github-manifest", route).await
}
