//! One handler per route. Each is a plain async function over [`AppState`], so the local router
//! and a per-route Lambda serve the very same code.

pub mod apps;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod deployments;
pub mod environments;
pub mod github;
pub mod meta;
pub mod notifications;
pub mod repositories;
pub mod team;

use std::collections::HashMap;

use crate::error::ApiError;

/// Reads an optional numeric query parameter, naming it when it is not a number.
pub(crate) fn query_number(
    query: &HashMap<String, String>,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
            ApiError::invalid(
                name,
                format!("{name} must be a whole number from 0 to {max}"),
            )
        }),
    }
}
