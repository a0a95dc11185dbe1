//! `POST /api/apps`: Registers an app (a user: a GitHub repository they administer).
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::apps::create_app);
    trellis_lambdas::serve_http("apps-create", route).await
}
