//! The store conformance suite: the same assertions for every [`DeploymentStore`] adapter
//! (SQLite, and DynamoDB on the AWS emulator), so that the two can never drift apart.
//!
//! An adapter's test file calls the macro with an async expression that yields a fresh, empty
//! store (anything that derefs to a type implementing the port):
//!
//! ```text
//! trellis_core::store_conformance_tests!(async { fresh_store().await });
//! ```
//!
//! It expands to one `#[tokio::test]` per check, so a failure names the rule it broke.

/// A recorded payload from `tests/fixtures/` (see its README), for tests in any crate.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {}: {e}", full.display()))
}

pub mod access;
pub mod approvals;
mod connections;
mod deployments;
pub mod feedback;
mod logs;
pub mod notifications;
mod records;
mod writes;

pub use connections::*;
pub use deployments::*;
pub use logs::*;
pub use records::*;
pub use writes::*;

#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:expr) => {
        $crate::store_conformance_tests!(@each $factory;
            apps_and_environments_round_trip,
            creating_an_existing_record_conflicts_and_writes_nothing,
            versions_are_compared_and_bumped,
            racing_writers_never_both_win,
            deletes_need_the_current_version,
            deployments_are_listed_newest_first_per_environment,
            active_deployments_and_runner_lookup,
            deliveries_are_recorded_once,
            logs_are_numbered_without_gaps,
            long_and_many_log_lines_are_kept,
            concurrent_log_appends_stay_gapless,
            redelivered_log_batches_are_stored_once,
            connections_and_subscriptions
        );
    };
    (@each $factory:expr; $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let store = $factory.await;
                $crate::conformance::$check(&*store).await;
            }
        )+
    };
}
