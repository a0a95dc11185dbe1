//! The function table: every Lambda, its trigger and what it may touch. It is the one source
//! of truth for the wiring: the binaries' `main`s, their `[[bin]]` entries and
//! `cdk/functions.json` (from which the CDK stack builds functions, routes, variables and IAM
//! policies) are generated from it, and `tests/manifest.rs` fails when any of them drifts.
//! To add a function: add a row, then run
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.

mod access;
pub mod render;
mod table;

pub use access::Permission;
pub use table::FUNCTIONS;

use crate::services::Needs;

/// What invokes a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A route of the HTTP API. `authenticated`: the bearer token is required.
    Http {
        method: &'static str,
        path: &'static str,
        authenticated: bool,
    },
    /// A route of the WebSocket API (`$connect`, `$disconnect`, `$default`).
    WebSocket { route: &'static str },
    /// The CloudWatch Logs subscription on the runner log group.
    LogSubscription,
    /// EventBridge "ECS Task State Change" events of the runner cluster.
    TaskStateChange,
    /// An EventBridge schedule.
    Schedule { rate_minutes: u32 },
}

/// How a function uses the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableAccess {
    None,
    Read,
    Write,
    /// Exactly these item actions (the WebSocket functions touch only connection items).
    Items(&'static [&'static str]),
}

/// What a function does with the per-app secrets beyond starting runners (which read them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppSecretsAccess {
    None,
    /// Creates, changes and removes values (environment settings).
    Write,
    /// Removes environments' values and deletes secrets (app deletion).
    Delete,
}

#[derive(Debug, Clone, Copy)]
pub struct Function {
    /// The binary's name, and the Lambda's.
    pub name: &'static str,
    pub summary: &'static str,
    pub trigger: Trigger,
    /// HTTP functions: the `trellis_http` handler the generated `main` mounts.
    pub handler: Option<&'static str>,
    pub table: TableAccess,
    pub app_secrets: AppSecretsAccess,
    /// Reads and discards the results runners hand back.
    pub runner_results: bool,
    pub needs: Needs,
    pub memory_mb: u32,
    pub timeout_seconds: u32,
}

impl Function {
    /// The clients and services its process builds: what the row declares, and whether its
    /// table access lets it write.
    pub fn needs_at_run_time(&self) -> crate::services::Needs {
        crate::services::Needs {
            writes: self.table == TableAccess::Write,
            ..self.needs
        }
    }
}

/// The function named `name`; a binary asking for a name the table lacks is a build mistake,
/// caught by the manifest test.
pub fn find(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
