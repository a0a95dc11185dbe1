//! `GET /api/apps/{app}/members`: Every role on an app and where it comes from.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::get(trellis_http::routes::team::list_members);
    trellis_lambdas::serve_http("members-list", route).await
}
