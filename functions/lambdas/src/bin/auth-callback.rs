//! `GET /api/auth/github/callback`: GitHub's sign-in answer: roles refreshed, a session started.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::auth::github_callback);
    trellis_lambdas::serve_http("auth-callback", route).await
}
