//! `POST /api/apps/{app}/environments/{env}/deploy`: Deploys a ref (the branch head by default).
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    let route = axum::routing::post(trellis_http::routes::environments::deploy);
    trellis_lambdas::serve_http("environment-deploy", route).await
}
