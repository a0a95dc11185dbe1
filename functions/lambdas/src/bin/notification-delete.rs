//! `DELETE /api/apps/{app}/notifications/{id}`: Removes a notification destination and its secrets.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::delete(trellis_http::routes::notifications::delete_destination);
    trellis_lambdas::serve_http("notification-delete", route).await
}
