//! Files a build wrote, read by a more privileged process (the runner reading outputs, the
//! local server serving a site). A build controls those trees: a symlink in them must never
//! make the reader open something outside, not even through a race between check and open.

use std::fs::File;
use std::os::fd::FromRawFd;
use std::path::Path;

use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};

/// Opens `relative` for reading, resolved beneath `base` without following any symlink (in
/// any component) and without leaving `base` (`..` included). The kernel enforces both
/// (openat2), so nothing can be swapped in between a check and the open.
pub fn open_beneath(base: &Path, relative: &Path) -> std::io::Result<File> {
    let dir = File::open(base)?;
    let how = OpenHow::new()
        .flags(OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW)
        .resolve(
            ResolveFlag::RESOLVE_BENEATH
                | ResolveFlag::RESOLVE_NO_SYMLINKS
                | ResolveFlag::RESOLVE_NO_MAGICLINKS,
        );
    use std::os::fd::AsRawFd;
    let fd = openat2(dir.as_raw_fd(), relative, how).map_err(std::io::Error::from)?;
    // SAFETY: openat2 returned a new descriptor that nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read(base: &Path, rel: &str) -> std::io::Result<String> {
        let mut s = String::new();
        open_beneath(base, Path::new(rel))?.read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn reads_plain_files_and_refuses_symlinks_and_escapes() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s3cret").unwrap();
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("dir")).unwrap();
        std::fs::write(base.path().join("dir/page.html"), "hello").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), base.path().join("link"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), base.path().join("linked-dir")).unwrap();
        std::os::unix::fs::symlink("page.html", base.path().join("dir/inner-link")).unwrap();

        assert_eq!(read(base.path(), "dir/page.html").unwrap(), "hello");
        for refused in [
            "link",
            "linked-dir/secret",
            "dir/inner-link",
            "../secret",
            "dir/../../secret",
        ] {
            assert!(read(base.path(), refused).is_err(), "{refused} was opened");
        }
        let absolute = outside.path().join("secret");
        assert!(read(base.path(), absolute.to_str().unwrap()).is_err());
    }
}
