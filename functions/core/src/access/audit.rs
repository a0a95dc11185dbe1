//! The audit log: every state-changing action, with who, when, on what, under which request,
//! and how it ended. Values of secrets never appear, only their names.

use serde::{Deserialize, Serialize};

use crate::model::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// Done.
    Succeeded,
    /// Not allowed (no role, or not enough of one).
    Refused,
    /// Allowed but not done (invalid, conflicting, unavailable).
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// A ULID: sorts by time.
    pub id: String,
    pub at: Timestamp,
    pub actor: String,
    /// What was asked, e.g. `promote`, `environment.update`, `token.create`, `sign-in`.
    pub action: String,
    /// The app it concerned, when it concerned one.
    pub app: Option<String>,
    /// What it was done to, e.g. `shop/production` or a deployment id.
    pub target: String,
    pub request_id: String,
    pub outcome: AuditOutcome,
    /// HTTP status, or another short code.
    pub status: u16,
    /// What changed, by name only (e.g. `secrets: DB_PASSWORD`), or why it failed.
    pub detail: Option<String>,
    /// When the entry is deleted (the configured retention after `at`; DynamoDB's TTL).
    pub expires_at: Timestamp,
}

/// Which entries to read: newest first, before the `before` id when paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub app: Option<String>,
    pub actor: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Entries with an id below this one (the last id of the previous page).
    pub before: Option<String>,
    pub limit: usize,
    /// Leaves out entries expired by then (a store may delete them later than that).
    pub now: Option<Timestamp>,
}

impl AuditQuery {
    /// Whether an entry is one the query asks for (stores may filter more coarsely first).
    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.app.as_ref().is_none_or(|a| e.app.as_ref() == Some(a))
            && self.actor.as_ref().is_none_or(|a| &e.actor == a)
            && self.since.is_none_or(|s| e.at >= s)
            && self.until.is_none_or(|u| e.at < u)
            && self
                .before
                .as_ref()
                .is_none_or(|b| e.id.as_str() < b.as_str())
            && self.now.is_none_or(|now| e.expires_at > now)
    }
}
