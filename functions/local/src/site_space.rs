//! Where local builds publish, and as whom they run. A build writes its site into its own
//! workspace; the runner publishes it (plain files only) into that environment's directory
//! once the deploy succeeded, so a build never writes the sites directory itself. When the
//! server runs as root, each environment's builds run as a user of their own (no login, no
//! files elsewhere): a build cannot read the server's data directory or process, or another
//! environment's processes.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// Build users are numbered from here, far above the ids distributions hand out.
const BUILD_UID_BASE: u32 = 2_000_000_000;
const BUILD_UID_SPAN: u64 = 100_000_000;

pub struct SiteSpace {
    dir: PathBuf,
    url: String,
    separate_users: bool,
}

/// What a build is given: its variables, where the runner publishes its site and, when
/// separated, the user it runs as.
pub struct Site {
    pub env: BTreeMap<String, String>,
    pub publish_dir: PathBuf,
    pub user: Option<u32>,
}

impl SiteSpace {
    /// `separate_users` only works for a root server (it changes owners and users).
    pub fn new(dir: PathBuf, url: String, separate_users: bool) -> Self {
        SiteSpace {
            dir,
            url,
            separate_users,
        }
    }

    /// Whether this process may run builds as other users.
    pub fn can_separate_users() -> bool {
        nix::unistd::geteuid().is_root()
    }

    /// Creates the app's directory under the sites (the runner publishes the environment's).
    pub fn prepare(&self, app: &str, environment: &str) -> std::io::Result<Site> {
        let app_dir = self.dir.join(app);
        std::fs::create_dir_all(&app_dir)?;
        // Readable and traversable by anyone: the pages are public.
        for dir in [&self.dir, &app_dir] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
        }
        let env = BTreeMap::from([(
            "TRELLIS_LOCAL_SITE_URL".to_string(),
            format!("{}/{app}/{environment}/", self.url.trim_end_matches('/')),
        )]);
        Ok(Site {
            env,
            publish_dir: app_dir.join(environment),
            user: self.separate_users.then(|| build_uid(app, environment)),
        })
    }
}

/// The same environment always gets the same user (its site stays its own across runs);
/// different environments differ (FNV-1a over "app/environment").
pub fn build_uid(app: &str, environment: &str) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in app.bytes().chain([b'/']).chain(environment.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    BUILD_UID_BASE + (hash % BUILD_UID_SPAN) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_environment_has_a_stable_unprivileged_user() {
        let dev = build_uid("shop", "development");
        assert_eq!(dev, build_uid("shop", "development"));
        assert_ne!(dev, build_uid("shop", "production"));
        assert!(dev >= BUILD_UID_BASE);
    }

    #[test]
    fn a_build_gets_only_its_own_site() {
        let dir = tempfile::tempdir().unwrap();
        let space = SiteSpace::new(dir.path().join("sites"), "http://h:1/".into(), false);
        let site = space.prepare("shop", "development").unwrap();
        // The runner publishes there; the build itself never gets a path into the sites.
        assert_eq!(site.publish_dir, dir.path().join("sites/shop/development"));
        assert!(!site.env.contains_key("TRELLIS_LOCAL_SITE_DIR"));
        assert_eq!(
            site.env["TRELLIS_LOCAL_SITE_URL"],
            "http://h:1/shop/development/"
        );
        assert!(site.user.is_none());
        assert!(!site.env.contains_key("TRELLIS_LOCAL_SITES_DIR"));
    }
}
