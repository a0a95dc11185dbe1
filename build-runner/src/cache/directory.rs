//! Local mode: archives in `<dir>/<key>.tar.gz`, every environment's under one `root` kept
//! within a size cap. Several runners may save at once: each writes its own temporary file
//! and renames it into place (readers see a whole archive or none), and eviction tolerates
//! files another runner removed first.

use std::fs::File;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::archive::{self, ArchiveError, Unpacked};

const SUFFIX: &str = ".tar.gz";
/// A temporary file this old belongs to a runner that died while saving.
const ABANDONED: Duration = Duration::from_secs(3600);

pub fn archive_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}{SUFFIX}"))
}

/// Restores the environment's archive for `key` into `dest/<root>` — or, when it only has
/// one saved under another key, that one's reusable roots. `Ok(None)`: nothing saved.
/// Returns what was restored and the archive's size.
pub fn restore(
    dir: &Path,
    key: &str,
    dest: &Path,
    reusable: &[&str],
) -> Result<Option<(Unpacked, u64)>, ArchiveError> {
    let exact = archive_path(dir, key);
    let path = if exact.exists() {
        exact
    } else {
        match archives(dir).into_iter().max_by_key(|(_, _, used)| *used) {
            Some((other, _, _)) => other,
            None => return Ok(None),
        }
    };
    let file = match File::open(&path) {
        Ok(f) => f,
        // Evicted or replaced by another runner meanwhile: as if never saved.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ArchiveError::Unusable(e.to_string())),
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Recently used archives are the last to be evicted.
    let _ = File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(SystemTime::now()));
    let dest = dest.to_path_buf();
    archive::unpack(file, key, |root| Some(dest.join(root)), reusable).map(|u| Some((u, size)))
}

/// Saves `source` under `key` and drops the environment's archives of other keys; then
/// evicts the least recently used archives under `root` until it fits in `max_bytes`.
/// Returns the archive's size.
pub fn save(
    dir: &Path,
    root: &Path,
    max_bytes: u64,
    key: &str,
    roots: &[(&str, &Path)],
) -> std::io::Result<u64> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let nonce = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let temporary = dir.join(format!(".{key}.{}.{nonce}.partial", std::process::id()));
    let packed = archive::pack(roots, key, &temporary).and_then(|_| {
        let size = std::fs::metadata(&temporary)?.len();
        if size > max_bytes {
            return Err(std::io::Error::other(format!(
                "the archive ({size} bytes) is larger than the whole cache may be \
                 ({max_bytes} bytes, TRELLIS_CACHE_MAX_MB)"
            )));
        }
        std::fs::rename(&temporary, archive_path(dir, key))?;
        Ok(size)
    });
    if packed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    let size = packed?;
    for (path, _, _) in archives(dir) {
        if path != archive_path(dir, key) {
            let _ = std::fs::remove_file(path);
        }
    }
    evict(root, max_bytes, &archive_path(dir, key));
    Ok(size)
}

/// `(path, size, last used)` of every archive in `dir`; old temporary files are removed.
fn archives(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let (path, Ok(meta)) = (entry.path(), entry.metadata()) else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().to_string();
        let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if name.ends_with(".partial") {
            if used.elapsed().unwrap_or_default() > ABANDONED {
                let _ = std::fs::remove_file(&path);
            }
        } else if meta.is_file() && name.ends_with(SUFFIX) {
            found.push((path, meta.len(), used));
        }
    }
    found
}

/// Removes the least recently used archives under `root` (`root/<app>/<env>/`) until the
/// rest fit in `max_bytes`, never `keep`.
pub fn evict(root: &Path, max_bytes: u64, keep: &Path) {
    let mut all = Vec::new();
    for app in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for env in std::fs::read_dir(app.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            all.extend(archives(&env.path()));
        }
    }
    let mut total: u64 = all.iter().map(|(_, size, _)| size).sum();
    all.sort_by_key(|(_, _, used)| *used);
    for (path, size, _) in all {
        if total <= max_bytes {
            break;
        }
        if path == keep {
            continue;
        }
        // Another runner may have removed it already: it is gone either way.
        let _ = std::fs::remove_file(&path);
        total = total.saturating_sub(size);
    }
}

#[cfg(test)]
mod tests;
