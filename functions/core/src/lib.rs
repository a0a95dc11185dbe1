//! Trellis's domain: the deployment pipeline's rules and the ports its adapters implement.
//! No Lambda, AWS or HTTP types live here.

pub mod access;
pub mod cache;
pub mod error;
pub mod feedback;
pub mod files;
pub mod github_app;
pub mod github_connection;
pub mod job;
pub mod logs;
pub mod model;
pub mod notify;
pub mod outcome;
pub mod pipeline;
pub mod ports;
pub mod requests;
pub mod retry;
pub mod validate;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use error::{DomainError, LaunchError, SecretError, SourceError, StoreError};
pub use pipeline::{Pipeline, Ports};
