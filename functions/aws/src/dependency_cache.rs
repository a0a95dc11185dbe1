//! Dependency caches in S3: each environment's one archive at
//! `cache/<app>/<environment>/dependencies.tar.gz` in the cache bucket (which expires what
//! is not saved again within the stack's `dependencyCacheDays`). Runners reach it only through
//! single-object links for their own environment, signed when their job is sealed: a build can
//! read and replace its environment's cache and nothing else in the bucket.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use trellis_core::cache::{CacheAccess, CacheEntry, CacheError, Cleared, DependencyCaches};

/// The longest a deployment may run (480 minutes) and a margin to save at its end.
const LINK_LIFETIME: Duration = Duration::from_secs(9 * 3600);
const ARCHIVE: &str = "dependencies.tar.gz";

#[derive(Clone)]
pub struct S3DependencyCaches {
    client: Client,
    bucket: String,
}

pub fn cache_prefix(app: &str, environment: Option<&str>) -> String {
    match environment {
        Some(env) => format!("cache/{app}/{env}/"),
        None => format!("cache/{app}/"),
    }
}

fn failed<E>(action: &str, e: aws_sdk_s3::error::SdkError<E>) -> CacheError
where
    E: std::error::Error + aws_sdk_s3::error::ProvideErrorMetadata + 'static,
{
    CacheError(format!("{action}: {}", crate::jobs::reason(&e)))
}

impl S3DependencyCaches {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        S3DependencyCaches {
            client,
            bucket: bucket.into(),
        }
    }

    /// Every object under `prefix` (key, size, last modified).
    async fn list(&self, prefix: &str) -> Result<Vec<aws_sdk_s3::types::Object>, CacheError> {
        let mut objects = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| failed("listing the cache", e))?;
            objects.extend(page.contents().iter().cloned());
            match page.next_continuation_token() {
                Some(next) => token = Some(next.to_string()),
                None => return Ok(objects),
            }
        }
    }
}

#[async_trait]
impl DependencyCaches for S3DependencyCaches {
    async fn access(&self, app: &str, environment: &str) -> Result<CacheAccess, CacheError> {
        let key = format!("{}{ARCHIVE}", cache_prefix(app, Some(environment)));
        let lifetime =
            PresigningConfig::expires_in(LINK_LIFETIME).map_err(|e| CacheError(e.to_string()))?;
        let restore = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(lifetime.clone())
            .await
            .map_err(|e| failed("signing the restore link", e))?;
        let save = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(lifetime)
            .await
            .map_err(|e| failed("signing the save link", e))?;
        Ok(CacheAccess::Links {
            restore_url: restore.uri().to_string(),
            save_url: save.uri().to_string(),
        })
    }

    async fn entries(&self, app: &str, environment: &str) -> Result<Vec<CacheEntry>, CacheError> {
        let objects = self.list(&cache_prefix(app, Some(environment))).await?;
        Ok(objects
            .into_iter()
            .map(|o| CacheEntry {
                // The key is inside the archive; reading it to say so is not worth a download.
                key: None,
                bytes: o.size().unwrap_or(0).max(0) as u64,
                used_at: o
                    .last_modified()
                    .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok())
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            })
            .collect())
    }

    async fn clear(&self, app: &str, environment: Option<&str>) -> Result<Cleared, CacheError> {
        let mut cleared = Cleared::default();
        for object in self.list(&cache_prefix(app, environment)).await? {
            let Some(key) = object.key() else { continue };
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| failed("clearing the cache", e))?;
            cleared.archives += 1;
            cleared.bytes += object.size().unwrap_or(0).max(0) as u64;
        }
        Ok(cleared)
    }
}
