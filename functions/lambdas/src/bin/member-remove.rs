//! `DELETE /api/apps/{app}/members/{login}`: An admin removes a user's role override.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::delete(trellis_http::routes::team::remove_member);
    trellis_lambdas::serve_http("member-remove", route).await
}
