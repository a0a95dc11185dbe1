//! `POST /api/apps/{app}/notifications`: A notification destination; its URL and key go to the app's secret.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::notifications::create_destination);
    trellis_lambdas::serve_http("notifications-create", route).await
}
