//! `GET /api/auth/github`: Sends the browser to GitHub to sign in.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::auth::github_login);
    trellis_lambdas::serve_http("auth-github", route).await
}
