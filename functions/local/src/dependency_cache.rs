//! Dependency caches on the local disk: `<data>/dependency-cache/<app>/<environment>/<key>.tar.gz`,
//! readable by the server's user only. The runner (not the build) restores and saves them and
//! keeps the whole directory within its size cap; the server lists and clears them.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use trellis_core::cache::{CacheAccess, CacheEntry, CacheError, Cleared, DependencyCaches};

/// 2 GiB unless `TRELLIS_CACHE_MAX_MB` says otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 2048 * 1024 * 1024;

pub struct LocalDependencyCaches {
    root: PathBuf,
    max_bytes: u64,
}

impl LocalDependencyCaches {
    pub fn new(root: PathBuf, max_bytes: u64) -> Self {
        LocalDependencyCaches { root, max_bytes }
    }

    /// `TRELLIS_CACHE_MAX_MB` (a whole number of MiB, at least 1) or the default; names the
    /// variable when it is not usable.
    pub fn max_bytes_from_env() -> Result<u64, String> {
        match std::env::var("TRELLIS_CACHE_MAX_MB") {
            Err(_) => Ok(DEFAULT_MAX_BYTES),
            Ok(v) => match v.trim().parse::<u64>() {
                Ok(mb) if mb >= 1 => Ok(mb * 1024 * 1024),
                _ => Err(format!(
                    "TRELLIS_CACHE_MAX_MB={v:?} is not a whole number of MiB (at least 1)"
                )),
            },
        }
    }

    fn dir(&self, app: &str, environment: &str) -> PathBuf {
        self.root.join(app).join(environment)
    }
}

fn failed(action: &str, path: &Path, e: std::io::Error) -> CacheError {
    CacheError(format!("{action} {}: {e}", path.display()))
}

/// Archives of one environment's directory (a missing directory has none).
fn archives(dir: &Path) -> Result<Vec<(PathBuf, std::fs::Metadata)>, CacheError> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(failed("reading", dir, e)),
    };
    let mut found = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| failed("reading", dir, e))?;
        let path = entry.path();
        if path.to_string_lossy().ends_with(".tar.gz") {
            let meta = entry.metadata().map_err(|e| failed("reading", &path, e))?;
            if meta.is_file() {
                found.push((path, meta));
            }
        }
    }
    Ok(found)
}

fn remove_dir(dir: &Path, cleared: &mut Cleared) -> Result<(), CacheError> {
    for (_, meta) in archives(dir)? {
        cleared.archives += 1;
        cleared.bytes += meta.len();
    }
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(failed("removing", dir, e)),
    }
}

#[async_trait]
impl DependencyCaches for LocalDependencyCaches {
    async fn access(&self, app: &str, environment: &str) -> Result<CacheAccess, CacheError> {
        Ok(CacheAccess::Directory {
            dir: self.dir(app, environment).display().to_string(),
            root: self.root.display().to_string(),
            max_bytes: self.max_bytes,
        })
    }

    async fn entries(&self, app: &str, environment: &str) -> Result<Vec<CacheEntry>, CacheError> {
        let mut entries: Vec<CacheEntry> = archives(&self.dir(app, environment))?
            .into_iter()
            .map(|(path, meta)| {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let used = meta.modified().unwrap_or(std::time::SystemTime::UNIX_EPOCH);
                CacheEntry {
                    key: name.strip_suffix(".tar.gz").map(str::to_string),
                    bytes: meta.len(),
                    used_at: time::OffsetDateTime::from(used),
                }
            })
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.used_at));
        Ok(entries)
    }

    async fn clear(&self, app: &str, environment: Option<&str>) -> Result<Cleared, CacheError> {
        let mut cleared = Cleared::default();
        match environment {
            Some(env) => remove_dir(&self.dir(app, env), &mut cleared)?,
            None => {
                let app_dir = self.root.join(app);
                let envs = match std::fs::read_dir(&app_dir) {
                    Ok(r) => r,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cleared),
                    Err(e) => return Err(failed("reading", &app_dir, e)),
                };
                for env in envs.flatten() {
                    remove_dir(&env.path(), &mut cleared)?;
                }
                let _ = std::fs::remove_dir(&app_dir);
            }
        }
        Ok(cleared)
    }
}
