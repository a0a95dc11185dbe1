//! Local mode's sites: the build writes its site into its own workspace
//! (`$TRELLIS_LOCAL_SITE_DIR`); once its deploy (or remove) succeeded the runner publishes it
//! into the environment's directory the server serves (`TRELLIS_SITE_PUBLISH_DIR`, given to the
//! runner only). The build never writes the sites directory, so it cannot touch another site,
//! and only plain files and directories are copied: a symlink the build made is left behind.

use std::path::{Path, PathBuf};

/// Where the runner publishes, when the server asked for it.
pub fn publish_dir() -> Option<PathBuf> {
    std::env::var_os("TRELLIS_SITE_PUBLISH_DIR").map(PathBuf::from)
}

/// Replaces the published site with `from` (which may be empty: a removed site).
pub fn publish(from: &Path, to: &Path) -> std::io::Result<usize> {
    let parent = to
        .parent()
        .ok_or_else(|| std::io::Error::other("the publish directory has no parent"))?;
    let name = to.file_name().unwrap_or_default().to_string_lossy();
    let staging = parent.join(format!(".{name}.publishing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let copied = copy_plain(from, &staging)?;
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if to.exists() {
        std::fs::rename(to, &old)?;
    }
    std::fs::rename(&staging, to)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(copied)
}

fn copy_plain(from: &Path, to: &Path) -> std::io::Result<usize> {
    std::fs::create_dir(to)?;
    set_mode(to, 0o755)?;
    let mut copied = 0;
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copied += copy_plain(&entry.path(), &target)?;
        } else if kind.is_file() {
            // Read beneath the build's tree without following anything.
            let mut source =
                trellis_core::files::open_beneath(from, Path::new(&entry.file_name()))?;
            let mut dest = std::fs::File::create(&target)?;
            std::io::copy(&mut source, &mut dest)?;
            set_mode(&target, 0o644)?;
            copied += 1;
        }
    }
    Ok(copied)
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishes_plain_files_only_and_replaces_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("site"), dir.path().join("sites/shop/dev"));
        std::fs::create_dir_all(from.join("docs")).unwrap();
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(to.join("stale.html"), "old").unwrap();
        std::fs::write(from.join("index.html"), "new").unwrap();
        std::fs::write(from.join("docs/a.html"), "a").unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), from.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), from.join("up")).unwrap();

        assert_eq!(publish(&from, &to).unwrap(), 2);
        assert_eq!(
            std::fs::read_to_string(to.join("index.html")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(to.join("docs/a.html")).unwrap(),
            "a"
        );
        for gone in ["stale.html", "leak.txt", "up"] {
            assert!(std::fs::symlink_metadata(to.join(gone)).is_err(), "{gone}");
        }
        // An empty (removed) site publishes as empty.
        std::fs::remove_dir_all(&from).unwrap();
        assert_eq!(publish(&from, &to).unwrap(), 0);
        assert!(std::fs::read_dir(&to).unwrap().next().is_none());
    }
}
