//! `POST /api/auth/device`: Starts a device-flow sign-in (trellis login).
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::auth::device_start);
    trellis_lambdas::serve_http("auth-device", route).await
}
