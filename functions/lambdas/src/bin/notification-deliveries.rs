//! `GET /api/apps/{app}/notifications/{id}/deliveries`: A destination's recent deliveries and failures.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::notifications::list_deliveries);
    trellis_lambdas::serve_http("notification-deliveries", route).await
}
