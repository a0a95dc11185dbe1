//! EventBridge `ECS Task State Change`: A runner task stopped: records the deployment's end from its result, starts the next queued one.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    trellis_lambdas::serve_event("task-state").await
}
