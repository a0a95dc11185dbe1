//! `POST /api/deployments/{id}/reject`: An admin rejects a deployment awaiting approval.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::deployments::reject);
    trellis_lambdas::serve_http("deployment-reject", route).await
}
