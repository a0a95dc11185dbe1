//! Dependency caches: each app environment keeps its package manager's download cache (npm's
//! cache directory, pnpm's store, yarn's or bun's cache — never `node_modules`) between
//! deployments, keyed by the package manager, the lockfile's hash and the Node.js major
//! version. The runner restores and saves it; where it lives is the adapter's business (a
//! directory under the local data directory, an S3 object reached through presigned links).
//!
//! Per environment, not per app: a pull request's preview or a branch anyone may push to
//! must not be able to put packages into production's cache.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::Timestamp;

/// The key an archive was saved under: `<manager>-node<major>-<first 16 hex of the lockfile's
/// SHA-256>` (e.g. `npm-node22-3fa9c0e1d2b4a6f8`). Lockfile changes and Node.js upgrades
/// miss, never restore a cache made for something else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    pub manager: String,
    /// `None`: no `node` on the runner's path.
    pub node_major: Option<u32>,
    pub lockfile_sha256: String,
}

impl CacheKey {
    pub fn as_string(&self) -> String {
        let node = self
            .node_major
            .map_or_else(|| "nonode".to_string(), |m| format!("node{m}"));
        let hash: String = self.lockfile_sha256.chars().take(16).collect();
        format!("{}-{node}-{hash}", self.manager)
    }
}

/// How a runner reaches its environment's cache (filled in by the launcher; never passed to
/// build steps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum CacheAccess {
    /// Local mode: the runner reads and writes `<dir>/<key>.tar.gz` itself and keeps every
    /// environment's archives under `root` within `max_bytes` (least recently used go first).
    #[serde(rename_all = "camelCase")]
    Directory {
        dir: String,
        root: String,
        max_bytes: u64,
    },
    /// AWS: the environment's one archive through single-object links that expire with the
    /// job (`GET` to restore, `PUT` to save).
    #[serde(rename_all = "camelCase")]
    Links {
        restore_url: String,
        save_url: String,
    },
}

/// What happened to the cache in one deployment, as the runner reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheStatus {
    /// Restored an archive saved under the same key.
    Hit,
    /// Nothing saved under this key yet: a clean install, then saved.
    Miss,
    /// An archive was there but corrupt, partial or unreadable: ignored, clean install.
    Unusable,
    /// Caching is off for the environment.
    Off,
    /// Nothing to cache: no lockfile or package.json, or a teardown.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheReport {
    pub status: CacheStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_ms: Option<u64>,
    /// The archive's size: restored on a hit, saved on a miss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Why an archive was unusable, or why one was not saved (never fails the build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CacheReport {
    pub fn status(status: CacheStatus) -> Self {
        CacheReport {
            status,
            key: None,
            restore_ms: None,
            save_ms: None,
            bytes: None,
            note: None,
        }
    }
}

/// One stored archive of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheEntry {
    /// The key it was saved under, where the store can tell without reading it.
    pub key: Option<String>,
    pub bytes: u64,
    /// When it was last saved or restored.
    pub used_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleared {
    pub archives: u64,
    pub bytes: u64,
}

#[derive(Debug, Error)]
#[error("dependency cache: {0}")]
pub struct CacheError(pub String);

/// Where environments' dependency archives are kept.
#[async_trait]
pub trait DependencyCaches: Send + Sync {
    /// How a runner of this environment reaches its cache.
    async fn access(&self, app: &str, environment: &str) -> Result<CacheAccess, CacheError>;
    async fn entries(&self, app: &str, environment: &str) -> Result<Vec<CacheEntry>, CacheError>;
    /// Removes every archive of the environment (`None`: of every environment of the app).
    async fn clear(&self, app: &str, environment: Option<&str>) -> Result<Cleared, CacheError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_the_manager_the_node_major_and_the_lockfile() {
        let key = CacheKey {
            manager: "npm".into(),
            node_major: Some(22),
            lockfile_sha256: "3fa9c0e1d2b4a6f8aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                .into(),
        };
        assert_eq!(key.as_string(), "npm-node22-3fa9c0e1d2b4a6f8");
        let no_node = CacheKey {
            node_major: None,
            ..key
        };
        assert_eq!(no_node.as_string(), "npm-nonode-3fa9c0e1d2b4a6f8");
    }

    #[test]
    fn access_and_reports_travel_as_json() {
        let access = CacheAccess::Links {
            restore_url: "https://r".into(),
            save_url: "https://s".into(),
        };
        let json = serde_json::to_value(&access).unwrap();
        assert_eq!(json["kind"], "links");
        assert_eq!(json["restoreUrl"], "https://r");
        let back: CacheAccess = serde_json::from_value(json).unwrap();
        assert_eq!(back, access);
        let report: CacheReport =
            serde_json::from_value(serde_json::json!({"status": "hit", "restoreMs": 12})).unwrap();
        assert_eq!(report.status, CacheStatus::Hit);
        assert_eq!(report.restore_ms, Some(12));
    }
}
