//! Trellis's local mode: the same handlers as the Lambdas, composed with embedded parts.

pub mod cli;
pub mod data_dir;
pub mod dependency_cache;
pub mod git;
pub mod hub;
pub mod launcher;
mod live_socket;
pub mod server;
mod sessions;
pub mod site_space;
pub mod sites;
pub mod sqlite;
pub mod watcher;
