//! A cache archive: gzip-compressed tar whose first entry is a manifest (format, key, how
//! many files and bytes follow), then the cache directory's regular files and directories
//! under `content/`. Reading checks everything a truncated, corrupted or hostile archive
//! could get wrong — the manifest, each entry's type and path, the counts, gzip's checksum —
//! and never writes outside its destination.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

const MANIFEST: &str = "trellis-cache.json";
const CONTENT: &str = "content";
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Manifest {
    format: u32,
    key: String,
    files: u64,
    bytes: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    /// A sound archive saved under another key (a lockfile or Node.js change).
    #[error("saved for {0}")]
    OtherKey(String),
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

/// Every regular file and directory under `root` (relative paths, sorted); symlinks and
/// anything else a build left there are not cache content and stay out.
fn walk(root: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<(PathBuf, u64)>)> {
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(&rel))?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let kind = entry.file_type()?;
            let path = rel.join(entry.file_name());
            if kind.is_dir() {
                dirs.push(path.clone());
                pending.push(path);
            } else if kind.is_file() {
                files.push((path, entry.metadata()?.len()));
            }
        }
    }
    Ok((dirs, files))
}

/// Packs `source` into `out` under `key`.
pub fn pack(source: &Path, key: &str, out: &Path) -> std::io::Result<Counts> {
    let (dirs, files) = walk(source)?;
    let counts = Counts {
        files: files.len() as u64,
        bytes: files.iter().map(|(_, len)| len).sum(),
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
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, manifest.as_slice())?;
    for dir in &dirs {
        tar.append_dir(Path::new(CONTENT).join(dir), source.join(dir))?;
    }
    for (file, len) in &files {
        let mut f = File::open(source.join(file))?;
        if f.metadata()?.len() != *len {
            return Err(std::io::Error::other(format!(
                "{} changed while it was being saved",
                file.display()
            )));
        }
        tar.append_file(Path::new(CONTENT).join(file), &mut f)?;
    }
    tar.into_inner()?.finish()?.flush()?;
    Ok(counts)
}

/// A relative path of normal components only, below `content/`.
fn content_path(path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(CONTENT).ok()?;
    let normal = rel.components().all(|c| matches!(c, Component::Normal(_)));
    (normal && rel.components().next().is_some()).then(|| rel.to_path_buf())
}

/// Unpacks an archive saved under `key` into `dest` (which must not exist yet).
pub fn unpack(source: impl Read, key: &str, dest: &Path) -> Result<Counts, ArchiveError> {
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
    if manifest.key != key {
        return Err(ArchiveError::OtherKey(manifest.key));
    }
    std::fs::create_dir(dest).map_err(unusable)?;
    let mut counts = Counts::default();
    for entry in entries {
        let mut entry = entry.map_err(unusable)?;
        let path = entry.path().map_err(unusable)?.into_owned();
        let rel =
            content_path(&path).ok_or_else(|| unusable(format!("it holds {}", path.display())))?;
        let target = dest.join(&rel);
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                std::fs::create_dir_all(&target).map_err(unusable)?;
            }
            tar::EntryType::Regular => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(unusable)?;
                }
                let mut out = File::create(&target).map_err(unusable)?;
                let written = std::io::copy(&mut entry, &mut out).map_err(unusable)?;
                counts.files += 1;
                counts.bytes += written;
            }
            other => {
                return Err(unusable(format!(
                    "{} is a {other:?}, not a file or directory",
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
    Ok(counts)
}

#[cfg(test)]
mod tests;
