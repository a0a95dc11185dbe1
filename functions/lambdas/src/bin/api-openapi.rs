//! `GET /api/openapi.json`: Serves the OpenAPI document.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::meta::openapi);
    trellis_lambdas::serve_http("api-openapi", route).await
}
