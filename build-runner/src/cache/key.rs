//! Which cache a checkout uses: the package manager its lockfile names, that lockfile's hash
//! and the Node.js major version on the runner's path.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};
use trellis_core::cache::CacheKey;

/// Lockfiles in the order `detect::install_command` chooses the package manager.
const LOCKFILES: &[(&str, &str)] = &[
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
    // No lockfile: npm resolves from package.json, so that is what decides what it fetches.
    ("package.json", "npm"),
];

/// The key for `checkout`, or `None` when it has nothing to install.
pub fn cache_key(checkout: &Path, node_major: Option<u32>) -> std::io::Result<Option<CacheKey>> {
    for (file, manager) in LOCKFILES {
        let path = checkout.join(file);
        // A symlinked lockfile could point anywhere the runner may read.
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {
                let hash = Sha256::digest(std::fs::read(&path)?);
                return Ok(Some(CacheKey {
                    manager: manager.to_string(),
                    node_major,
                    lockfile_sha256: hex::encode(hash),
                }));
            }
            _ => continue,
        }
    }
    Ok(None)
}

/// `v22.11.0` → 22.
pub fn parse_node_version(output: &str) -> Option<u32> {
    output
        .trim()
        .strip_prefix('v')?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The major version of the `node` on `path` (the build's own `PATH`), if there is one.
pub fn node_major(path: Option<&str>) -> Option<u32> {
    let mut cmd = std::process::Command::new("node");
    cmd.arg("--version");
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().ok()?;
    parse_node_version(&String::from_utf8_lossy(&out.stdout))
}

/// What tells each package manager to keep its cache in `dir/<manager>` (set for every step;
/// the cache directory is the workspace's own, never the server user's).
pub fn cache_env(dir: &Path) -> BTreeMap<String, String> {
    let at = |sub: &str| dir.join(sub).display().to_string();
    BTreeMap::from([
        ("npm_config_cache".into(), at("npm")),
        ("npm_config_store_dir".into(), at("pnpm")),
        ("YARN_CACHE_FOLDER".into(), at("yarn/cache")),
        ("YARN_GLOBAL_FOLDER".into(), at("yarn/global")),
        ("BUN_INSTALL_CACHE_DIR".into(), at("bun")),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(files: &[(&str, &str)]) -> Option<CacheKey> {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        cache_key(dir.path(), Some(22)).unwrap()
    }

    #[test]
    fn the_lockfile_decides_the_manager_and_the_hash() {
        let npm = key_of(&[("package.json", "{}"), ("package-lock.json", "v1")]).unwrap();
        assert_eq!(npm.manager, "npm");
        let changed = key_of(&[("package.json", "{}"), ("package-lock.json", "v2")]).unwrap();
        assert_ne!(
            npm.as_string(),
            changed.as_string(),
            "a lockfile change misses"
        );
        let same = key_of(&[("package.json", "{\"x\":1}"), ("package-lock.json", "v1")]);
        assert_eq!(same.unwrap().as_string(), npm.as_string());
        let pnpm = key_of(&[("package.json", "{}"), ("pnpm-lock.yaml", "v1")]).unwrap();
        assert_eq!(pnpm.manager, "pnpm");
        assert_eq!(key_of(&[("yarn.lock", "")]).unwrap().manager, "yarn");
        assert_eq!(key_of(&[("package.json", "{}")]).unwrap().manager, "npm");
        assert_eq!(key_of(&[]), None);
    }

    #[test]
    fn a_node_upgrade_misses() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package-lock.json"), "v1").unwrap();
        let on_22 = cache_key(dir.path(), Some(22)).unwrap().unwrap();
        let on_24 = cache_key(dir.path(), Some(24)).unwrap().unwrap();
        assert_ne!(on_22.as_string(), on_24.as_string());
        assert_eq!(parse_node_version("v22.11.0\n"), Some(22));
        assert_eq!(parse_node_version("22"), None);
    }

    #[test]
    fn a_symlinked_lockfile_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("package-lock.json")).unwrap();
        assert_eq!(cache_key(dir.path(), Some(22)).unwrap(), None);
    }
}
