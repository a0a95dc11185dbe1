//! `GET /api/github/repositories`: The repositories the GitHub App is installed on (the picker).
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::repositories::list_repositories);
    trellis_lambdas::serve_http("github-repositories", route).await
}
