//! WebSocket `$connect`: WebSocket $connect: checks the token (admin or personal) or a live ticket (used up), records who connected.
//!
//! Generated from the function table (`src/manifest/table.rs`): change it there, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    trellis_lambdas::serve_event("ws-connect").await
}
