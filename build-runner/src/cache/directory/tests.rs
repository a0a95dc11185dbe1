use super::*;
use crate::cache::archive::{Counts, PACKAGES};

/// Saves `source` as the package cache.
fn save_packages(
    dir: &Path,
    root: &Path,
    max: u64,
    key: &str,
    source: &Path,
) -> std::io::Result<u64> {
    save(dir, root, max, key, &[(PACKAGES, source)])
}

/// Restores into `dest`; the counts of an exact hit.
fn restore_exact(dir: &Path, key: &str, dest: &Path) -> Result<Option<Counts>, ArchiveError> {
    restore(dir, key, dest, &[PACKAGES]).map(|r| r.filter(|(u, _)| u.exact).map(|(u, _)| u.counts))
}

fn content(root: &Path, fill: u8, len: usize) -> PathBuf {
    let dir = root.join(format!("content-{fill}-{len}"));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/file"), vec![fill; len]).unwrap();
    dir
}

/// Content that does not compress, so archive sizes are predictable.
fn incompressible(root: &Path, name: &str, len: usize) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ name.len() as u64;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(dir.join("blob"), bytes).unwrap();
    dir
}

#[test]
fn nothing_saved_is_a_miss_and_a_saved_key_is_a_hit() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, dir) = (tmp.path().join("cache"), tmp.path().join("cache/app/dev"));
    assert_eq!(restore_exact(&dir, "k1", &tmp.path().join("d0")), Ok(None));
    let source = content(tmp.path(), 1, 1000);
    save_packages(&dir, &root, u64::MAX, "k1", &source).unwrap();
    let counts = restore_exact(&dir, "k1", &tmp.path().join("d1"))
        .unwrap()
        .unwrap();
    assert_eq!(
        counts,
        Counts {
            files: 1,
            bytes: 1000
        }
    );
}

#[test]
fn a_lockfile_change_replaces_the_environments_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, dir) = (tmp.path().join("cache"), tmp.path().join("cache/app/dev"));
    save_packages(&dir, &root, u64::MAX, "old", &content(tmp.path(), 1, 10)).unwrap();
    assert_eq!(restore_exact(&dir, "new", &tmp.path().join("d")), Ok(None));
    assert!(
        tmp.path().join("d/packages/sub/file").exists(),
        "the old key's packages are reused"
    );
    save_packages(&dir, &root, u64::MAX, "new", &content(tmp.path(), 2, 10)).unwrap();
    assert!(!archive_path(&dir, "old").exists());
    assert!(archive_path(&dir, "new").exists());
}

#[test]
fn a_corrupt_archive_is_reported_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache/app/dev");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(archive_path(&dir, "k"), b"\x1f\x8b garbage").unwrap();
    let got = restore_exact(&dir, "k", &tmp.path().join("d"));
    assert!(matches!(got, Err(ArchiveError::Unusable(_))), "{got:?}");
}

#[test]
fn concurrent_writers_leave_one_whole_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, dir) = (tmp.path().join("cache"), tmp.path().join("cache/app/dev"));
    let sources: Vec<PathBuf> = (1..=8u8).map(|i| content(tmp.path(), i, 200_000)).collect();
    std::thread::scope(|s| {
        for source in &sources {
            let (dir, root) = (&dir, &root);
            s.spawn(move || save_packages(dir, root, u64::MAX, "k", source).unwrap());
        }
    });
    let dest = tmp.path().join("restored");
    let counts = restore_exact(&dir, "k", &dest).unwrap().unwrap();
    assert_eq!(counts.bytes, 200_000);
    let body = std::fs::read(dest.join("packages/sub/file")).unwrap();
    assert!(
        body.iter().all(|b| *b == body[0]),
        "one writer's content, not a mix"
    );
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "no temporary files left: {left:?}");
}

#[test]
fn the_least_recently_used_archives_go_first() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("cache");
    let env = |name: &str| root.join("app").join(name);
    let at = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs);
    let mut sizes = Vec::new();
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        let source = incompressible(tmp.path(), name, 100_000);
        sizes.push(save_packages(&env(name), &root, u64::MAX, "k", &source).unwrap());
        File::options()
            .write(true)
            .open(archive_path(&env(name), "k"))
            .unwrap()
            .set_modified(at(i as u64))
            .unwrap();
    }
    // "a" is the oldest save, but a restore makes it the most recently used.
    restore_exact(&env("a"), "k", &tmp.path().join("d"))
        .unwrap()
        .unwrap();
    let source = incompressible(tmp.path(), "dd", 100_000);
    let cap = sizes.iter().sum::<u64>();
    save_packages(&env("d"), &root, cap, "k", &source).unwrap();
    assert!(
        !archive_path(&env("b"), "k").exists(),
        "b was the least recently used"
    );
    for kept in ["a", "c", "d"] {
        assert!(archive_path(&env(kept), "k").exists(), "{kept} was evicted");
    }
}

#[test]
fn an_archive_larger_than_the_cap_is_not_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, dir) = (tmp.path().join("cache"), tmp.path().join("cache/app/dev"));
    let source = incompressible(tmp.path(), "big", 50_000);
    let err = save_packages(&dir, &root, 10_000, "k", &source).unwrap_err();
    assert!(err.to_string().contains("larger than"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
