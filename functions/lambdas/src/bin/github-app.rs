//! `GET /api/github/app`: Whether a GitHub App is connected, and where to install it.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::github::github_app);
    trellis_lambdas::serve_http("github-app", route).await
}
