//! Every 5 minutes: Every 5 minutes: fails deployments stuck past their timeout, starts waiting ones.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    trellis_lambdas::serve_event("sweeper").await
}
