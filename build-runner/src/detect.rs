//! Which package manager installs a checkout, judged by its lockfile.

use std::path::Path;

/// The install command for a checkout, or `None` when there is nothing to install.
pub fn install_command(checkout: &Path) -> Option<&'static str> {
    let has = |f: &str| checkout.join(f).exists();
    if has("pnpm-lock.yaml") {
        Some("pnpm install --frozen-lockfile")
    } else if has("yarn.lock") {
        Some("yarn install --frozen-lockfile")
    } else if has("bun.lockb") || has("bun.lock") {
        Some("bun install --frozen-lockfile")
    } else if has("package-lock.json") || has("npm-shrinkwrap.json") {
        Some("npm ci")
    } else if has("package.json") {
        Some("npm install")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(files: &[&str]) -> Option<&'static str> {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        install_command(dir.path())
    }

    #[test]
    fn lockfiles_choose_the_package_manager() {
        assert_eq!(with(&["package.json", "package-lock.json"]), Some("npm ci"));
        assert_eq!(
            with(&["package.json", "pnpm-lock.yaml"]),
            Some("pnpm install --frozen-lockfile")
        );
        assert_eq!(
            with(&["package.json", "yarn.lock"]),
            Some("yarn install --frozen-lockfile")
        );
        assert_eq!(
            with(&["package.json", "bun.lockb"]),
            Some("bun install --frozen-lockfile")
        );
        assert_eq!(with(&["package.json"]), Some("npm install"));
        assert_eq!(with(&[]), None);
    }
}
