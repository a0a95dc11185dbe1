use super::*;

fn sample(root: &Path) {
    std::fs::create_dir_all(root.join("_cacache/content-v2/sha512/ab")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(
        root.join("_cacache/content-v2/sha512/ab/cd"),
        vec![7u8; 100_000],
    )
    .unwrap();
    std::fs::write(root.join("_cacache/index"), b"index").unwrap();
}

fn packed(key: &str) -> (tempfile::TempDir, PathBuf, Counts) {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    sample(&source);
    let out = dir.path().join("a.tar.gz");
    let counts = pack(&source, key, &out).unwrap();
    (dir, out, counts)
}

#[test]
fn what_is_packed_comes_back_the_same() {
    let (dir, out, counts) = packed("npm-node22-k");
    assert_eq!(
        counts,
        Counts {
            files: 2,
            bytes: 100_005
        }
    );
    let dest = dir.path().join("restored");
    let got = unpack(File::open(&out).unwrap(), "npm-node22-k", &dest).unwrap();
    assert_eq!(got, counts);
    assert_eq!(
        std::fs::read(dest.join("_cacache/content-v2/sha512/ab/cd")).unwrap(),
        vec![7u8; 100_000]
    );
    assert!(dest.join("empty").is_dir());
}

#[test]
fn another_key_is_told_apart_from_damage() {
    let (dir, out, _) = packed("npm-node22-old");
    let err = unpack(
        File::open(&out).unwrap(),
        "npm-node22-new",
        &dir.path().join("d"),
    );
    assert_eq!(err, Err(ArchiveError::OtherKey("npm-node22-old".into())));
    assert!(
        !dir.path().join("d").exists(),
        "nothing is written for another key"
    );
}

#[test]
fn a_truncated_archive_is_unusable() {
    let (dir, out, _) = packed("k");
    let bytes = std::fs::read(&out).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 4] {
        let dest = dir.path().join(format!("cut-{cut}"));
        let err = unpack(&bytes[..cut], "k", &dest).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Unusable(_)),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn a_flipped_byte_is_caught() {
    let (dir, out, _) = packed("k");
    let mut bytes = std::fs::read(&out).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    let err = unpack(bytes.as_slice(), "k", &dir.path().join("d")).unwrap_err();
    assert!(matches!(err, ArchiveError::Unusable(_)), "{err:?}");
}

#[test]
fn garbage_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let err = unpack(&b"not an archive at all"[..], "k", &dir.path().join("d")).unwrap_err();
    assert!(matches!(err, ArchiveError::Unusable(_)), "{err:?}");
}

/// An archive with the right manifest and one hand-made entry (path bytes as given).
fn hostile(path: &[u8], kind: tar::EntryType, link: Option<&str>) -> Vec<u8> {
    let manifest = serde_json::to_vec(&Manifest {
        format: FORMAT,
        key: "k".into(),
        files: 1,
        bytes: 4,
    })
    .unwrap();
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, manifest.as_slice())
        .unwrap();
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..path.len()].copy_from_slice(path);
    header.set_entry_type(kind);
    header.set_mode(0o644);
    if let Some(target) = link {
        header.set_link_name(target).unwrap();
        header.set_size(0);
        header.set_cksum();
        tar.append(&header, &[][..]).unwrap();
    } else {
        header.set_size(4);
        header.set_cksum();
        tar.append(&header, &b"evil"[..]).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

#[test]
fn a_hostile_archive_writes_nothing_outside_its_destination() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        hostile(b"content/../escape", tar::EntryType::Regular, None),
        hostile(b"/tmp/escape-absolute", tar::EntryType::Regular, None),
        hostile(b"elsewhere/escape", tar::EntryType::Regular, None),
        hostile(b"content/link", tar::EntryType::Symlink, Some("/etc")),
        hostile(b"content/hard", tar::EntryType::Link, Some("/etc/passwd")),
    ];
    for (i, bytes) in cases.iter().enumerate() {
        let dest = dir.path().join(format!("d{i}"));
        let err = unpack(bytes.as_slice(), "k", &dest).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Unusable(_)),
            "case {i}: {err:?}"
        );
    }
    assert!(!dir.path().join("escape").exists());
    assert!(!Path::new("/tmp/escape-absolute").exists());
    for i in 0..cases.len() {
        let dest = dir.path().join(format!("d{i}"));
        assert!(!dest.join("link").exists() && !dest.join("hard").exists());
    }
}

#[test]
fn symlinks_a_build_left_in_its_cache_are_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    sample(&source);
    std::os::unix::fs::symlink("/etc/passwd", source.join("passwd")).unwrap();
    let out = dir.path().join("a.tar.gz");
    let counts = pack(&source, "k", &out).unwrap();
    assert_eq!(counts.files, 2);
    let dest = dir.path().join("d");
    unpack(File::open(&out).unwrap(), "k", &dest).unwrap();
    assert!(std::fs::symlink_metadata(dest.join("passwd")).is_err());
}
