use super::*;

/// A package cache and a `node_modules` with a `.bin` link, under `root`.
fn sample(root: &Path) -> (PathBuf, PathBuf) {
    let packages = root.join("packages-src");
    std::fs::create_dir_all(packages.join("_cacache/content-v2/sha512/ab")).unwrap();
    std::fs::create_dir_all(packages.join("empty")).unwrap();
    std::fs::write(
        packages.join("_cacache/content-v2/sha512/ab/cd"),
        vec![7u8; 100_000],
    )
    .unwrap();
    std::fs::write(packages.join("_cacache/index"), b"index").unwrap();
    let modules = root.join("modules-src");
    std::fs::create_dir_all(modules.join("left-pad/bin")).unwrap();
    std::fs::create_dir_all(modules.join(".bin")).unwrap();
    std::fs::write(
        modules.join("left-pad/bin/cli.js"),
        b"#!/usr/bin/env node\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../left-pad/bin/cli.js", modules.join(".bin/left-pad")).unwrap();
    (packages, modules)
}

fn packed(key: &str) -> (tempfile::TempDir, PathBuf, Counts) {
    let dir = tempfile::tempdir().unwrap();
    let (packages, modules) = sample(dir.path());
    let out = dir.path().join("a.tar.gz");
    let counts = pack(&[(PACKAGES, &packages), (MODULES, &modules)], key, &out).unwrap();
    (dir, out, counts)
}

fn unpack_into(bytes: impl Read, key: &str, dest: &Path) -> Result<Unpacked, ArchiveError> {
    let dest = dest.to_path_buf();
    unpack(bytes, key, move |root| Some(dest.join(root)), &[PACKAGES])
}

#[test]
fn what_is_packed_comes_back_the_same_links_included() {
    let (dir, out, counts) = packed("npm-node22-k");
    assert_eq!(
        counts,
        Counts {
            files: 3,
            bytes: 100_025
        }
    );
    let dest = dir.path().join("restored");
    let got = unpack_into(File::open(&out).unwrap(), "npm-node22-k", &dest).unwrap();
    assert_eq!((got.exact, got.counts), (true, counts));
    assert_eq!(
        std::fs::read(dest.join("packages/_cacache/content-v2/sha512/ab/cd")).unwrap(),
        vec![7u8; 100_000]
    );
    assert!(dest.join("packages/empty").is_dir());
    let link = dest.join("modules/.bin/left-pad");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("../left-pad/bin/cli.js")
    );
    assert_eq!(std::fs::read(&link).unwrap(), b"#!/usr/bin/env node\n");
}

#[test]
fn another_keys_archive_gives_back_its_packages_but_never_its_modules() {
    let (dir, out, _) = packed("npm-node22-old");
    let dest = dir.path().join("d");
    let got = unpack_into(File::open(&out).unwrap(), "npm-node22-new", &dest).unwrap();
    assert_eq!((got.key.as_str(), got.exact), ("npm-node22-old", false));
    assert_eq!(
        got.counts,
        Counts {
            files: 2,
            bytes: 100_005
        }
    );
    assert!(dest.join("packages/_cacache/index").exists());
    assert!(
        !dest.join("modules").exists(),
        "node_modules never crosses a lockfile change"
    );
}

#[test]
fn a_truncated_archive_is_unusable() {
    let (dir, out, _) = packed("k");
    let bytes = std::fs::read(&out).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 4] {
        let dest = dir.path().join(format!("cut-{cut}"));
        let err = unpack_into(&bytes[..cut], "k", &dest).unwrap_err();
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
    let err = unpack_into(bytes.as_slice(), "k", &dir.path().join("d")).unwrap_err();
    assert!(matches!(err, ArchiveError::Unusable(_)), "{err:?}");
}

#[test]
fn garbage_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let err = unpack_into(&b"not an archive at all"[..], "k", &dir.path().join("d")).unwrap_err();
    assert!(matches!(err, ArchiveError::Unusable(_)), "{err:?}");
}

/// An archive with the right manifest and one hand-made entry (path bytes as given).
fn hostile(path: &[u8], kind: tar::EntryType, link: Option<&[u8]>) -> Vec<u8> {
    let manifest = serde_json::to_vec(&Manifest {
        format: FORMAT,
        key: "k".into(),
        files: u64::from(link.is_none()),
        bytes: if link.is_none() { 4 } else { 0 },
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
        header.as_old_mut().linkname[..target.len()].copy_from_slice(target);
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
    use tar::EntryType::{Link, Regular, Symlink};
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        hostile(b"content/packages/../escape", Regular, None),
        hostile(b"content/../escape", Regular, None),
        hostile(b"/tmp/escape-absolute", Regular, None),
        hostile(b"elsewhere/escape", Regular, None),
        hostile(b"content/modules/link", Symlink, Some(b"/etc")),
        hostile(b"content/modules/link", Symlink, Some(b"../../..")),
        hostile(b"content/modules/a/link", Symlink, Some(b"../../outside")),
        hostile(b"content/modules/hard", Link, Some(b"/etc/passwd")),
    ];
    for (i, bytes) in cases.iter().enumerate() {
        let dest = dir.path().join(format!("d{i}"));
        let err = unpack_into(bytes.as_slice(), "k", &dest).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Unusable(_)),
            "case {i}: {err:?}"
        );
        assert!(
            std::fs::symlink_metadata(dest.join("modules/link")).is_err(),
            "case {i}"
        );
    }
    assert!(!dir.path().join("escape").exists());
    assert!(!Path::new("/tmp/escape-absolute").exists());
}

#[test]
fn links_a_build_pointed_out_of_its_tree_are_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let (packages, modules) = sample(dir.path());
    std::os::unix::fs::symlink("/etc/passwd", packages.join("passwd")).unwrap();
    std::os::unix::fs::symlink("../../outside", packages.join("empty/out")).unwrap();
    let out = dir.path().join("a.tar.gz");
    pack(&[(PACKAGES, &packages), (MODULES, &modules)], "k", &out).unwrap();
    let dest = dir.path().join("d");
    unpack_into(File::open(&out).unwrap(), "k", &dest).unwrap();
    assert!(std::fs::symlink_metadata(dest.join("packages/passwd")).is_err());
    assert!(std::fs::symlink_metadata(dest.join("packages/empty/out")).is_err());
    assert!(std::fs::symlink_metadata(dest.join("modules/.bin/left-pad")).is_ok());
}

#[test]
fn a_link_stays_inside_by_its_words() {
    assert!(stays_inside(Path::new(".bin/x"), Path::new("../pkg/x.js")));
    assert!(stays_inside(Path::new("a/b/c"), Path::new("../../d")));
    assert!(!stays_inside(Path::new("x"), Path::new("../y")));
    assert!(!stays_inside(Path::new("a/x"), Path::new("../../y")));
    assert!(!stays_inside(Path::new("a/x"), Path::new("/etc/passwd")));
}

#[test]
fn node_modules_linking_outside_itself_is_left_out_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (packages, modules) = sample(dir.path());
    // A workspace package or a `file:` dependency: a link into the checkout.
    std::os::unix::fs::symlink("../packages/shared", modules.join("shared")).unwrap();
    let out = dir.path().join("a.tar.gz");
    pack(&[(PACKAGES, &packages), (MODULES, &modules)], "k", &out).unwrap();
    let dest = dir.path().join("d");
    let got = unpack_into(File::open(&out).unwrap(), "k", &dest).unwrap();
    assert!(got.exact);
    assert!(dest.join("packages/_cacache/index").exists());
    assert!(
        !dest.join("modules").exists(),
        "a partial node_modules is never restored"
    );
}
