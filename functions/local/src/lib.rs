//! Trellis's local mode: the same handlers as the Lambdas, composed with embedded parts.

pub mod sqlite;
