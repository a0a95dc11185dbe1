//! `POST /api/auth/device/token`: A device-flow sign-in's outcome: a personal token.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::auth::device_token);
    trellis_lambdas::serve_http("auth-device-token", route).await
}
