//! AWS mode: the environment's one archive through the job's presigned links (the runner
//! holds no AWS credential). A missing archive answers 404 — or 403, since the signer may
//! not list the bucket — and is a miss.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use trellis_github::https::HttpsClient;

use super::archive::{self, ArchiveError, Unpacked};

/// S3 takes at most 5 GB in one `PUT`; a cache that large would not be worth restoring.
const MAX_ARCHIVE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

fn client() -> Result<HttpsClient, String> {
    HttpsClient::new("trellis-build-runner", Duration::from_secs(15 * 60))
        .map_err(|e| e.to_string())
}

/// Downloads the environment's archive and unpacks it into `dest/<root>` (all of it when it
/// was saved under `key`, else its `reusable` roots): `Ok(None)` when there is none; returns
/// what was restored and the archive's size.
pub async fn restore(
    url: &str,
    key: &str,
    dest: &Path,
    reusable: &'static [&'static str],
) -> Result<Option<(Unpacked, u64)>, ArchiveError> {
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
    let unpacked = tokio::task::spawn_blocking(move || {
        archive::unpack(body.as_ref(), &key, |root| Some(dest.join(root)), reusable)
    })
    .await
    .map_err(|e| ArchiveError::Unusable(e.to_string()))??;
    Ok(Some((unpacked, size)))
}

/// Packs `roots` under `key` and uploads them; returns the archive's size.
pub async fn save(
    url: &str,
    key: &str,
    roots: Vec<(&'static str, PathBuf)>,
) -> Result<u64, String> {
    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let (path, key) = (file.path().to_path_buf(), key.to_string());
    let body = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let roots: Vec<(&str, &Path)> = roots.iter().map(|(n, d)| (*n, d.as_path())).collect();
        archive::pack(&roots, &key, &path)?;
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
