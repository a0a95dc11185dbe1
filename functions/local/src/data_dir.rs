//! The data directory holds plaintext secrets (the database and its WAL, the tokens, job
//! files): it is the owner's alone. Existing installs made with looser modes are tightened at
//! start, and the server says what it changed.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Creates the directory (owner-only) or tightens an existing one and everything in it.
/// Returns the canonical path and what was tightened (paths relative to it).
pub fn prepare(dir: &Path) -> std::io::Result<(PathBuf, Vec<String>)> {
    std::fs::create_dir_all(dir)?;
    let dir = dir.canonicalize()?;
    let mut tightened = Vec::new();
    tighten(&dir, &dir, &mut tightened)?;
    Ok((dir, tightened))
}

fn tighten(root: &Path, path: &Path, tightened: &mut Vec<String>) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let wanted = if meta.is_dir() { DIR_MODE } else { FILE_MODE };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & wanted))?;
        let shown = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        tightened.push(format!(
            "{} {:o} → {:o}",
            if shown.is_empty() { "." } else { &shown },
            mode,
            mode & wanted
        ));
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            tighten(root, &entry?.path(), tightened)?;
        }
    }
    Ok(())
}

/// From now on, whatever this process creates (SQLite's `-wal` and `-shm` included) is
/// readable by its owner only. Child processes of builds set their own.
pub fn private_umask() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_modes_are_tightened_and_reported() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("data");
        std::fs::create_dir_all(dir.join("runs/01")).unwrap();
        std::fs::write(dir.join("trellis.db"), "db").unwrap();
        std::fs::write(dir.join("runs/01/job.json"), "{}").unwrap();
        for (p, m) in [
            ("", 0o755),
            ("runs", 0o755),
            ("trellis.db", 0o644),
            ("runs/01/job.json", 0o640),
        ] {
            std::fs::set_permissions(dir.join(p), std::fs::Permissions::from_mode(m)).unwrap();
        }
        let (dir, tightened) = prepare(&dir).unwrap();
        let mode = |p: &str| std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(""), 0o700);
        assert_eq!(mode("runs"), 0o700);
        assert_eq!(mode("trellis.db"), 0o600);
        assert_eq!(mode("runs/01/job.json"), 0o600);
        assert!(
            tightened.contains(&"trellis.db 644 → 600".to_string()),
            "{tightened:?}"
        );
        assert_eq!(tightened.len(), 5, "{tightened:?}");
        // Already private: nothing to say.
        assert!(prepare(&dir).unwrap().1.is_empty());
    }
}
