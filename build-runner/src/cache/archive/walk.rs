//! What of a directory goes into an archive: directories, regular files, and symlinks that
//! point inside it (`node_modules/.bin`, pnpm's links); anything else a build left there —
//! a link out of the tree, a device, a socket — stays out.

use std::path::{Path, PathBuf};

use super::stays_inside;

#[derive(Debug, Default)]
pub struct Tree {
    pub dirs: Vec<PathBuf>,
    pub files: Vec<(PathBuf, u64)>,
    /// (link, target), both as written.
    pub links: Vec<(PathBuf, PathBuf)>,
    /// Symlinks left out because they point outside the tree.
    pub outside: usize,
}

/// Everything under `root` (relative paths, sorted within each directory).
pub fn walk(root: &Path) -> std::io::Result<Tree> {
    let mut tree = Tree::default();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(&rel))?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let kind = entry.file_type()?;
            let path = rel.join(entry.file_name());
            if kind.is_dir() {
                tree.dirs.push(path.clone());
                pending.push(path);
            } else if kind.is_file() {
                tree.files.push((path, entry.metadata()?.len()));
            } else if kind.is_symlink() {
                let target = std::fs::read_link(entry.path())?;
                if stays_inside(&path, &target) {
                    tree.links.push((path, target));
                } else {
                    tree.outside += 1;
                }
            }
        }
    }
    Ok(tree)
}
