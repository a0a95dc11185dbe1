//! `PUT /api/apps/{app}/members/{login}`: An admin sets a user's role on an app.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::put(trellis_http::routes::team::set_member);
    trellis_lambdas::serve_http("member-set", route).await
}
