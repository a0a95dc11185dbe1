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

/// What tells the package manager (`None`: npm only, which every Node.js build may call) to
/// keep its cache in `dir/<manager>`: the workspace's own, never a home directory other
/// builds share. Only that manager's variables, so no other tool warns of settings it lacks.
pub fn cache_env(dir: &Path, manager: Option<&str>) -> BTreeMap<String, String> {
    let at = |sub: &str| dir.join(sub).display().to_string();
    let mut env = BTreeMap::from([("npm_config_cache".to_string(), at("npm"))]);
    match manager {
        Some("pnpm") => {
            env.insert("npm_config_store_dir".into(), at("pnpm"));
        }
        Some("yarn") => {
            env.insert("YARN_CACHE_FOLDER".into(), at("yarn/cache"));
            env.insert("YARN_GLOBAL_FOLDER".into(), at("yarn/global"));
        }
        Some("bun") => {
            env.insert("BUN_INSTALL_CACHE_DIR".into(), at("bun"));
        }
        _ => {}
    }
    env
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
    fn only_the_projects_package_manager_is_told_where_its_cache_is() {
        let dir = Path::new("/w/dependency-cache");
        let npm = cache_env(dir, Some("npm"));
        assert_eq!(npm.keys().collect::<Vec<_>>(), ["npm_config_cache"]);
        assert_eq!(npm["npm_config_cache"], "/w/dependency-cache/npm");
        let pnpm = cache_env(dir, Some("pnpm"));
        assert_eq!(pnpm["npm_config_store_dir"], "/w/dependency-cache/pnpm");
        assert!(cache_env(dir, Some("yarn")).contains_key("YARN_CACHE_FOLDER"));
        assert!(cache_env(dir, Some("bun")).contains_key("BUN_INSTALL_CACHE_DIR"));
        assert_eq!(cache_env(dir, None).len(), 1);
    }

    #[test]
    fn a_symlinked_lockfile_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("package-lock.json")).unwrap();
        assert_eq!(cache_key(dir.path(), Some(22)).unwrap(), None);
    }
}
