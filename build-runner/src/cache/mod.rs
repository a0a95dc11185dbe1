//! The dependency cache around the install step. The runner (never the build) restores the
//! environment's archive before installing and saves one after a clean install. An archive
//! holds the package manager's download cache and the `node_modules` the install produced:
//! for the same key (package manager, lockfile, Node.js major) both come back and the
//! detected install has nothing left to do; after a lockfile change only the downloaded
//! packages are reused (content-addressed, checked against the new lockfile by the package
//! manager) and the install runs. Nothing here can fail a build: a cache that cannot be used
//! is reported and the install runs from scratch.

mod archive;
mod directory;
pub mod key;
mod links;

use std::path::{Path, PathBuf};
use std::time::Instant;

use trellis_core::cache::{CacheAccess, CacheReport, CacheStatus};
use trellis_core::job::RunnerJob;

use archive::{ArchiveError, MODULES, PACKAGES, Unpacked};

/// Roots of another key's archive a restore may use.
const REUSABLE: &[&str] = &[PACKAGES];

/// Where a workspace keeps package manager caches (`<workspace>/dependency-cache/<manager>`).
pub fn cache_dir(workspace: &Path) -> PathBuf {
    workspace.join("dependency-cache")
}

/// The cache of one run, between restore and save.
pub struct CacheSession {
    pub report: CacheReport,
    /// `node_modules` came back for this very key: the detected install has nothing to do.
    pub modules_restored: bool,
    /// The package manager the key names.
    manager: String,
    access: Option<CacheAccess>,
    /// The package manager's directory in the workspace, and the checkout's `node_modules`
    /// (`None` when the repository commits its own).
    packages: Option<PathBuf>,
    modules: Option<PathBuf>,
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn seconds(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

fn elapsed_ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// Moves a restored root into place (nothing when the archive did not hold it).
fn put(staged: &Path, to: &Path) -> std::io::Result<bool> {
    if !staged.exists() {
        return Ok(false);
    }
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::rename(staged, to)?;
    Ok(true)
}

impl CacheSession {
    fn without(status: CacheStatus) -> CacheSession {
        CacheSession {
            report: CacheReport::status(status),
            modules_restored: false,
            manager: String::new(),
            access: None,
            packages: None,
            modules: None,
        }
    }

    /// Restores what the environment saved for this checkout, if anything; returns the
    /// session and what the log says of it (`skipped (…)` when there was nothing to do).
    pub async fn restore(
        job: &RunnerJob,
        checkout: &Path,
        workspace: &Path,
        path_env: Option<&str>,
    ) -> (CacheSession, String) {
        let off = |status, line: &str| (Self::without(status), format!("skipped ({line})"));
        if !job.cache_wanted {
            return off(CacheStatus::Off, "off for this environment");
        }
        let key = match key::cache_key(checkout, key::node_major(path_env)) {
            Ok(Some(k)) => k,
            Ok(None) => return off(CacheStatus::None, "nothing to cache (no package.json)"),
            Err(e) => return off(CacheStatus::None, &format!("cannot read the lockfile: {e}")),
        };
        let key_text = key.as_string();
        let modules = checkout.join("node_modules");
        let mut session = CacheSession {
            report: CacheReport {
                key: Some(key_text.clone()),
                ..CacheReport::status(CacheStatus::Miss)
            },
            modules_restored: false,
            manager: key.manager.clone(),
            access: job.cache.clone(),
            packages: Some(cache_dir(workspace).join(&key.manager)),
            modules: (!modules.exists()).then_some(modules),
        };
        let Some(access) = job.cache.clone() else {
            session.report.status = CacheStatus::Unusable;
            session.report.note = Some("this run was given no cache to use".into());
            return (session, "skipped (no cache was given to this run)".into());
        };
        let started = Instant::now();
        let staging = workspace.join(".dependency-cache-restoring");
        let restored = match &access {
            CacheAccess::Directory { dir, .. } => {
                let (dir, key, dest) = (PathBuf::from(dir), key_text.clone(), staging.clone());
                tokio::task::spawn_blocking(move || directory::restore(&dir, &key, &dest, REUSABLE))
                    .await
                    .unwrap_or_else(|e| Err(ArchiveError::Unusable(e.to_string())))
            }
            CacheAccess::Links { restore_url, .. } => {
                links::restore(restore_url, &key_text, &staging, REUSABLE).await
            }
        }
        .and_then(|found| match found {
            Some(found) => session.place(&staging, found),
            None => Ok(None),
        });
        let _ = std::fs::remove_dir_all(&staging);
        let ms = elapsed_ms(started);
        session.report.restore_ms = Some(ms);
        let line = match restored {
            Ok(Some((unpacked, size))) if unpacked.exact => {
                session.report.status = CacheStatus::Hit;
                session.report.bytes = Some(size);
                let what = if session.modules_restored {
                    "packages and node_modules"
                } else {
                    "packages"
                };
                format!(
                    "hit {key_text} ({what}, {} restored in {})",
                    megabytes(size),
                    seconds(ms)
                )
            }
            Ok(Some((unpacked, _))) => {
                session.report.note = Some(format!(
                    "reused {} of packages saved for {}",
                    megabytes(unpacked.counts.bytes),
                    unpacked.key
                ));
                format!(
                    "miss {key_text}: the lockfile changed; reusing the packages \
                     downloaded for {} ({} in {}), installing",
                    unpacked.key,
                    megabytes(unpacked.counts.bytes),
                    seconds(ms)
                )
            }
            Ok(None) => format!("miss {key_text}: installing from scratch"),
            Err(ArchiveError::Unusable(why)) => {
                for dir in [&session.packages, &session.modules].into_iter().flatten() {
                    let _ = std::fs::remove_dir_all(dir);
                }
                session.modules_restored = false;
                session.report.status = CacheStatus::Unusable;
                session.report.note = Some(format!("the saved cache was unusable: {why}"));
                format!("the saved cache is unusable ({why}): ignored, installing from scratch")
            }
        };
        (session, line)
    }

    /// Moves what was unpacked into the workspace and the checkout; `None` when none of it
    /// is of use (another package manager's cache).
    fn place(
        &mut self,
        staging: &Path,
        (unpacked, size): (Unpacked, u64),
    ) -> Result<Option<(Unpacked, u64)>, ArchiveError> {
        let manager = unpacked.key.split('-').next().unwrap_or_default();
        if !unpacked.exact && manager != self.manager {
            return Ok(None);
        }
        let moved = |from: &str, to: &Option<PathBuf>| match to {
            Some(to) => put(&staging.join(from), to),
            None => Ok(false),
        };
        let failed = |e: std::io::Error| ArchiveError::Unusable(e.to_string());
        moved(PACKAGES, &self.packages).map_err(failed)?;
        if unpacked.exact {
            self.modules_restored = moved(MODULES, &self.modules).map_err(failed)?;
        }
        Ok(Some((unpacked, size)))
    }

    /// After a clean install: saves the package manager's cache and `node_modules` under this
    /// run's key. Returns what the log says of it, when there was something to save.
    /// The package manager this checkout's lockfile names, once known.
    pub fn manager(&self) -> Option<&str> {
        Some(self.manager.as_str()).filter(|m| !m.is_empty())
    }

    /// `false` with it: the save failed (the build goes on).
    pub async fn save(&mut self) -> Option<(String, bool)> {
        if !matches!(
            self.report.status,
            CacheStatus::Miss | CacheStatus::Unusable
        ) {
            return None;
        }
        let (access, key) = (self.access.clone()?, self.report.key.clone()?);
        let mut roots: Vec<(&'static str, PathBuf)> = Vec::new();
        if let Some(packages) = &self.packages {
            // npm writes its debug logs into its cache: they are the run's, not the cache's.
            let _ = std::fs::remove_dir_all(packages.join("_logs"));
            roots.push((PACKAGES, packages.clone()));
        }
        roots.extend(self.modules.clone().map(|m| (MODULES, m)));
        roots.retain(|(_, dir)| dir.is_dir());
        if roots.is_empty() {
            return Some(("skipped (the install cached nothing)".into(), true));
        }
        let started = Instant::now();
        let saved = match access {
            CacheAccess::Directory {
                dir,
                root,
                max_bytes,
            } => {
                let key = key.clone();
                tokio::task::spawn_blocking(move || {
                    let roots: Vec<(&str, &Path)> =
                        roots.iter().map(|(n, d)| (*n, d.as_path())).collect();
                    directory::save(Path::new(&dir), Path::new(&root), max_bytes, &key, &roots)
                        .map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
            }
            CacheAccess::Links { save_url, .. } => links::save(&save_url, &key, roots).await,
        };
        let ms = elapsed_ms(started);
        Some(match saved {
            Ok(size) => {
                self.report.save_ms = Some(ms);
                self.report.bytes = Some(size);
                let line = format!("saved {key} ({} in {})", megabytes(size), seconds(ms));
                (line, true)
            }
            Err(why) => {
                self.report.note = Some(format!("not saved: {why}"));
                (format!("not saved ({why}); the build goes on"), false)
            }
        })
    }
}
