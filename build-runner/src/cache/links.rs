//! AWS mode: the environment's one archive through the job's presigned links (the runner
//! holds no AWS credential). A missing archive answers 404 — or 403, since the signer may
//! not list the bucket — and is a miss.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use trellis_github::https::HttpsClient;

use super::archive::{self, ArchiveError};

/// S3 takes at most 5 GB in one `PUT`; a cache that large would not be worth restoring.
const MAX_ARCHIVE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

fn client() -> Result<HttpsClient, String> {
    HttpsClient::new("trellis-build-runner", Duration::from_secs(15 * 60))
        .map_err(|e| e.to_string())
}

/// Downloads and unpacks the archive saved under `key` into `dest`: `Ok(None)` when there
/// is none; returns the archive's size.
pub async fn restore(url: &str, key: &str, dest: &Path) -> Result<Option<u64>, ArchiveError> {
    let http = client().map_err(ArchiveError::Unusable)?;
    let (status, body) = http
        .send(Method::GET, url, &[], Bytes::new())
        .await
        .map_err(|e| ArchiveError::Unusable(format!("downloading it: {e}")))?;
    match status {
        StatusCode::OK => {}
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => return Ok(None),
        other => {
            return Err(ArchiveError::Unusable(format!(
                "downloading it: HTTP {other}"
            )));
        }
    }
    let size = body.len() as u64;
    let (key, dest) = (key.to_string(), dest.to_path_buf());
    tokio::task::spawn_blocking(move || archive::unpack(body.as_ref(), &key, &dest))
        .await
        .map_err(|e| ArchiveError::Unusable(e.to_string()))??;
    Ok(Some(size))
}

/// Packs `source` under `key` and uploads it; returns its size.
pub async fn save(url: &str, key: &str, source: &Path) -> Result<u64, String> {
    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let (path, key, source) = (
        file.path().to_path_buf(),
        key.to_string(),
        source.to_path_buf(),
    );
    let body = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        archive::pack(&source, &key, &path)?;
        let size = std::fs::metadata(&path)?.len();
        if size > MAX_ARCHIVE_BYTES {
            return Err(std::io::Error::other(format!(
                "the archive ({size} bytes) is larger than {MAX_ARCHIVE_BYTES} bytes"
            )));
        }
        std::fs::read(&path)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    let size = body.len() as u64;
    let (status, _) = client()?
        .send(Method::PUT, url, &[], Bytes::from(body))
        .await
        .map_err(|e| format!("uploading it: {e}"))?;
    if status.is_success() {
        Ok(size)
    } else {
        Err(format!("uploading it: HTTP {status}"))
    }
}
