//! The records of who is who: users, their roles per app, their sessions and tokens.
//! Sessions and tokens are kept by the SHA-256 of their secret, never the secret itself.

use serde::{Deserialize, Serialize};

use super::Role;
use crate::model::Timestamp;

/// A person who signed in with GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub login: String,
    pub github_id: u64,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub last_sign_in: Timestamp,
}

/// Where a role comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GrantSource {
    /// The user's permission on the app's repository, as GitHub last reported it.
    Github,
    /// Set by an admin of the app; beats GitHub's.
    Override,
}

impl GrantSource {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantSource::Github => "github",
            GrantSource::Override => "override",
        }
    }
}

/// One user's role on one app, from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub app: String,
    pub login: String,
    pub role: Role,
    pub source: GrantSource,
    /// Who set an override (an admin's login), or `github`.
    pub granted_by: String,
    pub updated_at: Timestamp,
}

/// A personal API token: acts with its owner's roles until it expires or is revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalToken {
    /// Public id (shown in lists; revoking uses it).
    pub id: String,
    pub login: String,
    pub name: String,
    /// Hex SHA-256 of the token.
    pub hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    #[serde(default)]
    pub last_used_at: Option<Timestamp>,
}

/// A dashboard session (the cookie holds its secret; the CSRF token is derived from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Hex SHA-256 of the session secret.
    pub hash: String,
    pub login: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}
