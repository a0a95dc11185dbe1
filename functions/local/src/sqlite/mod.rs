//! The embedded store: SQLite (bundled) in WAL mode. Records are JSON bodies beside the
//! columns that are queried; every batch of writes is one `BEGIN IMMEDIATE` transaction whose
//! version checks make it a compare-and-set, as a DynamoDB transaction's conditions would.

mod access;
mod db;
mod feedback;
mod notifications;
mod rows;
mod secrets;
mod store;

pub use access::SqliteAccessStore;
pub use feedback::SqliteFeedbackStore;
pub use notifications::SqliteNotificationStore;
pub use secrets::SqliteSecretStore;
pub use store::SqliteStore;
