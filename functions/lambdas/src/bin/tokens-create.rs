//! `POST /api/tokens`: Creates a personal token (its secret is answered once).
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::team::create_token);
    trellis_lambdas::serve_http("tokens-create", route).await
}
