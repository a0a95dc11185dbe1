//! Trellis's local mode: the same handlers as the Lambdas, composed with embedded parts.

pub mod cli;
pub mod git;
pub mod hub;
pub mod launcher;
pub mod server;
mod sessions;
pub mod sqlite;
pub mod watcher;
