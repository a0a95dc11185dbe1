//! The end-to-end harness: a real `trellis serve` (and its real build runners) in a temporary
//! data directory, a real git repository holding the sample app, and an HTTP + WebSocket client.
//! Waiting is driven by the server's own WebSocket events, never by sleeping.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod browser;
mod github_standin;
mod live;
mod measure;
mod processes;
mod sample_repo;
mod server;

pub use browser::*;
pub use github_standin::*;
pub use live::*;
pub use measure::*;
pub use processes::*;
pub use sample_repo::*;
pub use server::*;

pub const TOKEN: &str = "e2e-token-0123456789";
pub const WEBHOOK_SECRET: &str = "e2e-webhook-secret";
/// Generous: a deployment runs `npm ci`, tests and a deploy on a 2-core machine.
pub const DEPLOY_TIMEOUT: Duration = Duration::from_secs(120);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The binaries under test; `cargo build -p trellis-local -p trellis-build-runner --bins` makes
/// them (the test command does so before it runs the tests).
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p trellis-local -p trellis-build-runner --bins` before the end-to-end tests",
        path.display()
    );
    path
}

pub use trellis_core::conformance::fixture;
