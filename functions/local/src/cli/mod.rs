//! The client subcommands: a thin layer over the HTTP API.
//!
//! Exit codes: 0 success; 1 a deployment that was followed (or asked about) failed or was
//! cancelled; 2 bad usage; 3 the API refused the request; 4 the server could not be reached or
//! failed.
//!
//! `args` (what the user types), `client` (HTTP calls, errors and exit codes), `commands` (one
//! arm per command) and `output` (text and `--json`).

mod args;
mod client;
mod commands;
pub mod credentials;
mod output;
mod session;

pub use args::{ClientArgs, ClientCommand};
pub use client::{CliError, Client};

pub const EXIT_DEPLOYMENT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_API_ERROR: i32 = 3;
pub const EXIT_UNREACHABLE: i32 = 4;

type CliResult<T> = Result<T, CliError>;
