//! `POST /api/deployments/{id}/cancel`: Cancels a queued or running deployment.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::deployments::cancel);
    trellis_lambdas::serve_http("deployment-cancel", route).await
}
