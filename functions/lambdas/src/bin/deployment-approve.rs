//! `POST /api/deployments/{id}/approve`: An admin approves a deployment into an environment that requires it; it starts.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::deployments::approve);
    trellis_lambdas::serve_http("deployment-approve", route).await
}
