//! A cache archive: gzip-compressed tar whose first entry is a manifest (format, key, how
//! many files and bytes follow), then named roots under `content/<root>/`: the package
//! manager's cache (`packages`) and the checkout's installed `node_modules` (`modules`).
//! Reading checks everything a truncated, corrupted or hostile archive could get wrong — the
//! manifest, each entry's type and path, where each symlink points, the counts, gzip's
//! checksum — and never writes outside its destinations.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

const MANIFEST: &str = "trellis-cache.json";
const CONTENT: &str = "content";
const FORMAT: u32 = 2;

/// The package manager's download cache: content-addressed, reusable across lockfiles.
pub const PACKAGES: &str = "packages";
/// What an install produced: only ever restored for the very key it was saved under.
pub const MODULES: &str = "modules";

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Manifest {
    format: u32,
    key: String,
    files: u64,
    bytes: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    #[error("{0}")]
    Unusable(String),
}

fn unusable(what: impl std::fmt::Display) -> ArchiveError {
    ArchiveError::Unusable(what.to_string())
}

/// What was packed or unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub files: u64,
    pub bytes: u64,
}

/// What an archive gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpacked {
    /// The key it was saved under.
    pub key: String,
    /// Every root was restored (the keys match); otherwise only the roots `wanted` allowed.
    pub exact: bool,
    pub counts: Counts,
}

mod walk;
use walk::{Tree, walk};

/// Packs `roots` (name, directory; a missing directory is left out) into `out` under `key`.
/// A `node_modules` that links outside itself (`file:` dependencies, workspace packages) is
/// left out whole: restored without those links it would not be what the install made.
pub fn pack(roots: &[(&str, &Path)], key: &str, out: &Path) -> std::io::Result<Counts> {
    let trees: Vec<(&str, &Path, Tree)> = roots
        .iter()
        .filter(|(_, dir)| dir.is_dir())
        .map(|(name, dir)| walk(dir).map(|t| (*name, *dir, t)))
        .filter(|t| !matches!(t, Ok((MODULES, _, tree)) if tree.outside > 0))
        .collect::<Result<_, _>>()?;
    let counts = Counts {
        files: trees.iter().map(|(_, _, t)| t.files.len() as u64).sum(),
        bytes: trees
            .iter()
            .flat_map(|(_, _, t)| t.files.iter().map(|(_, len)| len))
            .sum(),
    };
    let manifest = serde_json::to_vec(&Manifest {
        format: FORMAT,
        key: key.to_string(),
        files: counts.files,
        bytes: counts.bytes,
    })?;
    // Package tarballs are compressed already: the fastest level keeps saving quick.
    let gz = GzEncoder::new(BufWriter::new(File::create(out)?), Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(false);
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, manifest.as_slice())?;
    for (name, dir, tree) in &trees {
        let inside = |rel: &Path| Path::new(CONTENT).join(name).join(rel);
        for d in &tree.dirs {
            tar.append_dir(inside(d), dir.join(d))?;
        }
        for (file, len) in &tree.files {
            let mut f = File::open(dir.join(file))?;
            if f.metadata()?.len() != *len {
                return Err(std::io::Error::other(format!(
                    "{} changed while it was being saved",
                    file.display()
                )));
            }
            tar.append_file(inside(file), &mut f)?;
        }
        for (link, target) in &tree.links {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            header.set_mode(0o777);
            tar.append_link(&mut header, inside(link), target)?;
        }
    }
    tar.into_inner()?.finish()?.flush()?;
    Ok(counts)
}

/// `(root, path below it)` of a `content/<root>/<path>` entry of normal components only.
fn content_path(path: &Path) -> Option<(String, PathBuf)> {
    let rel = path.strip_prefix(CONTENT).ok()?;
    let mut parts = rel.components();
    let root = match parts.next()? {
        Component::Normal(r) => r.to_str()?.to_string(),
        _ => return None,
    };
    let below = parts.as_path().to_path_buf();
    let normal = below
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    (normal && below.components().next().is_some()).then_some((root, below))
}

/// Whether a symlink at `link` (relative to its root) pointing at `target` stays inside
/// that root, judged by its words alone (every link is checked, so no chain can leave).
pub(crate) fn stays_inside(link: &Path, target: &Path) -> bool {
    let mut depth = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Unpacks an archive. Roots go to `dest(root)` (each must not exist yet); when the archive
/// was saved under another key, only the roots `reusable` names are written, the rest read
/// and checked. Returns what was restored.
pub fn unpack(
    source: impl Read,
    key: &str,
    dest: impl Fn(&str) -> Option<PathBuf>,
    reusable: &[&str],
) -> Result<Unpacked, ArchiveError> {
    let mut archive = tar::Archive::new(GzDecoder::new(BufReader::new(source)));
    let mut entries = archive.entries().map_err(unusable)?;
    let manifest: Manifest = {
        let mut first = entries
            .next()
            .ok_or_else(|| unusable("the archive is empty"))?
            .map_err(unusable)?;
        if first.path().map_err(unusable)?.as_os_str() != MANIFEST {
            return Err(unusable("the archive has no manifest"));
        }
        let mut body = Vec::new();
        first
            .by_ref()
            .take(64 * 1024)
            .read_to_end(&mut body)
            .map_err(unusable)?;
        serde_json::from_slice(&body).map_err(|e| unusable(format!("its manifest: {e}")))?
    };
    if manifest.format != FORMAT {
        return Err(unusable(format!("unknown format {}", manifest.format)));
    }
    let exact = manifest.key == key;
    let target = |root: &str| {
        (exact || reusable.contains(&root))
            .then(|| dest(root))
            .flatten()
    };
    let (mut counts, mut restored) = (Counts::default(), Counts::default());
    for entry in entries {
        let mut entry = entry.map_err(unusable)?;
        let path = entry.path().map_err(unusable)?.into_owned();
        let (root, rel) =
            content_path(&path).ok_or_else(|| unusable(format!("it holds {}", path.display())))?;
        let to = target(&root).map(|d| d.join(&rel));
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                if let Some(to) = to {
                    std::fs::create_dir_all(&to).map_err(unusable)?;
                }
            }
            tar::EntryType::Regular => {
                let written = match &to {
                    Some(to) => {
                        if let Some(parent) = to.parent() {
                            std::fs::create_dir_all(parent).map_err(unusable)?;
                        }
                        let mut out = File::create(to).map_err(unusable)?;
                        std::io::copy(&mut entry, &mut out).map_err(unusable)?
                    }
                    None => std::io::copy(&mut entry, &mut std::io::sink()).map_err(unusable)?,
                };
                counts.files += 1;
                counts.bytes += written;
                if to.is_some() {
                    restored.files += 1;
                    restored.bytes += written;
                }
            }
            tar::EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(unusable)?
                    .ok_or_else(|| unusable(format!("{} links nowhere", path.display())))?
                    .into_owned();
                if !stays_inside(&rel, &link) {
                    return Err(unusable(format!(
                        "{} points outside the cache ({})",
                        path.display(),
                        link.display()
                    )));
                }
                if let Some(to) = to {
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent).map_err(unusable)?;
                    }
                    std::os::unix::fs::symlink(&link, &to).map_err(unusable)?;
                }
            }
            other => {
                return Err(unusable(format!(
                    "{} is a {other:?}, not a file, directory or symlink",
                    path.display()
                )));
            }
        }
    }
    if (counts.files, counts.bytes) != (manifest.files, manifest.bytes) {
        return Err(unusable(format!(
            "it is partial: {} of {} files, {} of {} bytes",
            counts.files, manifest.files, counts.bytes, manifest.bytes
        )));
    }
    // The rest of the stream holds gzip's checksum: reading it checks every byte above.
    let mut rest = archive.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(unusable)?;
    Ok(Unpacked {
        key: manifest.key,
        exact,
        counts: restored,
    })
}

#[cfg(test)]
mod tests;
