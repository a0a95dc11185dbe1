//! An environment's dependency cache and what it did in a deployment.

use serde::{Deserialize, Serialize};
use trellis_core::cache::{self, CacheEntry, CacheReport, Cleared};
use utoipa::ToSchema;

use super::resources::rfc3339;

/// What the dependency cache did in one deployment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CacheReportView {
    /// `hit` (restored), `miss` (clean install, then saved), `unusable` (an archive was
    /// corrupt or partial: ignored), `off` (turned off for the environment) or `none`
    /// (nothing to cache).
    #[schema(value_type = super::CacheStatus)]
    pub status: String,
    /// `<manager>-node<major>-<lockfile hash>`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_ms: Option<u64>,
    /// The archive's size in bytes: restored on a hit, saved on a miss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Why an archive was unusable, or why none was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<CacheReport> for CacheReportView {
    fn from(r: CacheReport) -> Self {
        CacheReportView {
            status: match r.status {
                cache::CacheStatus::Hit => "hit",
                cache::CacheStatus::Miss => "miss",
                cache::CacheStatus::Unusable => "unusable",
                cache::CacheStatus::Off => "off",
                cache::CacheStatus::None => "none",
            }
            .into(),
            key: r.key,
            restore_ms: r.restore_ms,
            save_ms: r.save_ms,
            bytes: r.bytes,
            note: r.note,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CacheEntryView {
    /// The key it was saved under, where the store can tell without reading it.
    pub key: Option<String>,
    pub bytes: u64,
    /// When it was last saved (or, locally, restored).
    pub used_at: String,
}

impl From<CacheEntry> for CacheEntryView {
    fn from(e: CacheEntry) -> Self {
        CacheEntryView {
            key: e.key,
            bytes: e.bytes,
            used_at: rfc3339(e.used_at),
        }
    }
}

/// `GET /api/apps/{app}/environments/{env}/cache`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CacheView {
    /// Deployments restore and save the cache (the environment's `dependencyCache`).
    pub enabled: bool,
    pub entries: Vec<CacheEntryView>,
    pub total_bytes: u64,
}

/// `DELETE /api/apps/{app}/environments/{env}/cache`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClearedCacheView {
    pub archives: u64,
    pub bytes: u64,
}

impl From<Cleared> for ClearedCacheView {
    fn from(c: Cleared) -> Self {
        ClearedCacheView {
            archives: c.archives,
            bytes: c.bytes,
        }
    }
}
