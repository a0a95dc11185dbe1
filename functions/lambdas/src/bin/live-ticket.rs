//! `POST /api/live/ticket`: A signed-in browser's one-use ticket for the live socket.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::team::live_ticket);
    trellis_lambdas::serve_http("live-ticket", route).await
}
