//! The dependency cache around the install step: the runner (never the build) restores the
//! environment's archive for this checkout's key before installing, and saves one after a
//! clean install. Nothing here can fail a build: a cache that cannot be used is reported and
//! the install runs from scratch.

mod archive;
mod directory;
pub mod key;
mod links;

use std::path::{Path, PathBuf};
use std::time::Instant;

use trellis_core::cache::{CacheAccess, CacheReport, CacheStatus};
use trellis_core::job::RunnerJob;

pub use archive::ArchiveError;

/// Where a workspace keeps package manager caches (`<workspace>/dependency-cache/<manager>`).
pub fn cache_dir(workspace: &Path) -> PathBuf {
    workspace.join("dependency-cache")
}

/// The cache of one run, between restore and save.
pub struct CacheSession {
    pub report: CacheReport,
    access: Option<CacheAccess>,
    /// The package manager's directory in the workspace.
    manager_dir: Option<PathBuf>,
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

impl CacheSession {
    /// Restores what the environment saved for this checkout, if anything; returns the
    /// session and the line the log shows.
    pub async fn restore(
        job: &RunnerJob,
        checkout: &Path,
        workspace: &Path,
        path_env: Option<&str>,
    ) -> (CacheSession, String) {
        let off = |status: CacheStatus, line: &str| {
            let session = CacheSession {
                report: CacheReport::status(status),
                access: None,
                manager_dir: None,
            };
            (session, format!("==> cache: {line}"))
        };
        if !job.cache_wanted {
            return off(CacheStatus::Off, "off for this environment");
        }
        let key = match key::cache_key(checkout, key::node_major(path_env)) {
            Ok(Some(k)) => k,
            Ok(None) => return off(CacheStatus::None, "nothing to cache (no package.json)"),
            Err(e) => return off(CacheStatus::None, &format!("cannot read the lockfile: {e}")),
        };
        let key_text = key.as_string();
        let manager_dir = cache_dir(workspace).join(&key.manager);
        let mut session = CacheSession {
            report: CacheReport {
                key: Some(key_text.clone()),
                ..CacheReport::status(CacheStatus::Miss)
            },
            access: job.cache.clone(),
            manager_dir: Some(manager_dir.clone()),
        };
        let Some(access) = job.cache.clone() else {
            session.report.status = CacheStatus::Unusable;
            session.report.note = Some("this run was given no cache to use".into());
            return (session, "==> cache: unavailable for this run".into());
        };
        let started = Instant::now();
        let restoring = workspace.join(".dependency-cache-restoring");
        let outcome = match &access {
            CacheAccess::Directory { dir, .. } => {
                let (dir, key, dest) = (PathBuf::from(dir), key_text.clone(), restoring.clone());
                tokio::task::spawn_blocking(move || {
                    let size = std::fs::metadata(directory::archive_path(&dir, &key))
                        .map(|m| m.len())
                        .unwrap_or(0);
                    directory::restore(&dir, &key, &dest).map(|c| c.map(|_| size))
                })
                .await
                .unwrap_or_else(|e| Err(ArchiveError::Unusable(e.to_string())))
            }
            CacheAccess::Links { restore_url, .. } => {
                links::restore(restore_url, &key_text, &restoring).await
            }
        };
        let outcome = outcome.and_then(|restored| match restored {
            Some(size) => {
                std::fs::create_dir_all(cache_dir(workspace))
                    .and_then(|()| std::fs::rename(&restoring, &manager_dir))
                    .map_err(|e| ArchiveError::Unusable(e.to_string()))?;
                Ok(Some(size))
            }
            None => Ok(None),
        });
        let _ = std::fs::remove_dir_all(&restoring);
        session.report.restore_ms = Some(elapsed_ms(started));
        let line = match outcome {
            Ok(Some(size)) => {
                session.report.status = CacheStatus::Hit;
                session.report.bytes = Some(size);
                format!(
                    "==> cache: hit {key_text} ({} restored in {})",
                    megabytes(size),
                    seconds(elapsed_ms(started))
                )
            }
            Ok(None) => format!("==> cache: miss {key_text}: installing from scratch"),
            Err(ArchiveError::OtherKey(other)) => format!(
                "==> cache: miss {key_text} (the saved cache is for {other}): installing from scratch"
            ),
            Err(ArchiveError::Unusable(why)) => {
                let _ = std::fs::remove_dir_all(&manager_dir);
                session.report.status = CacheStatus::Unusable;
                session.report.note = Some(format!("the saved cache was unusable: {why}"));
                format!(
                    "==> cache: the saved cache is unusable ({why}): ignored, installing from scratch"
                )
            }
        };
        (session, line)
    }

    /// Extra environment for the steps once restored: a hit need not ask the registry.
    pub fn step_env(&self) -> Vec<(String, String)> {
        if self.report.status == CacheStatus::Hit {
            vec![("npm_config_prefer_offline".into(), "true".into())]
        } else {
            Vec::new()
        }
    }

    /// After a clean install: saves the manager's cache under this run's key. Returns the
    /// line the log shows, if there is something to say.
    pub async fn save(&mut self) -> Option<String> {
        if !matches!(
            self.report.status,
            CacheStatus::Miss | CacheStatus::Unusable
        ) {
            return None;
        }
        let (access, dir, key) = (
            self.access.clone()?,
            self.manager_dir.clone()?,
            self.report.key.clone()?,
        );
        if !dir.is_dir() {
            return Some("==> cache: nothing to save (the install cached nothing)".into());
        }
        // npm writes its debug logs into its cache: they are the run's, not the cache's.
        let _ = std::fs::remove_dir_all(dir.join("_logs"));
        let started = Instant::now();
        let saved = match access {
            CacheAccess::Directory {
                dir: env_dir,
                root,
                max_bytes,
            } => {
                let key = key.clone();
                tokio::task::spawn_blocking(move || {
                    directory::save(Path::new(&env_dir), Path::new(&root), max_bytes, &key, &dir)
                        .map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
            }
            CacheAccess::Links { save_url, .. } => links::save(&save_url, &key, &dir).await,
        };
        let ms = elapsed_ms(started);
        Some(match saved {
            Ok(size) => {
                self.report.save_ms = Some(ms);
                self.report.bytes = Some(size);
                format!(
                    "==> cache: saved {key} ({} in {})",
                    megabytes(size),
                    seconds(ms)
                )
            }
            Err(why) => {
                self.report.note = Some(format!("not saved: {why}"));
                format!("==> cache: not saved ({why}); the build goes on")
            }
        })
    }
}
