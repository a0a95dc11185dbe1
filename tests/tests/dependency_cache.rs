//! The dependency cache through the real server and runner: a miss then a hit, a corrupt
//! archive ignored, a lockfile change, clearing, turning it off. The install step is a small
//! script standing in for a package manager (it keeps a file in `$npm_config_cache` and says
//! whether it found one); real npm installs are measured by the `install_cache` benchmark.

use reqwest::Method;
use serde_json::{Value, json};
use trellis_e2e::*;

const INSTALL: &str = r#"import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.env.npm_config_cache;
const kept = join(dir, 'packages', 'kept.txt');
if (existsSync(kept)) {
  console.log(`install: reused ${readFileSync(kept, 'utf8')}`);
} else {
  mkdirSync(join(dir, 'packages'), { recursive: true });
  writeFileSync(kept, `download ${Date.now()}`);
  console.log('install: downloaded');
}
"#;

async fn deploy(server: &Server, live: &Live) -> (Value, Vec<String>) {
    let id = server.start_deploy("development").await;
    finish(server, live, &id).await
}

async fn finish(server: &Server, live: &Live, id: &str) -> (Value, Vec<String>) {
    let done = live.finished(id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (lines, _) = server.logs(id).await;
    let text = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap_or_default().to_string())
        .collect();
    (server.deployment(id).await, text)
}

fn said(lines: &[String], what: &str) -> bool {
    lines.iter().any(|l| l.contains(what))
}

async fn cache(server: &Server) -> Value {
    server
        .get("/api/apps/sample/environments/development/cache")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_miss_then_hits_and_every_way_a_cache_can_go_wrong() {
    let server = Server::start().await;
    server.register_sample().await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"autoDeploy": false, "settings": {"installCommand": "node install.mjs"}}),
        )
        .await;
    std::fs::write(server.repo.path.join("install.mjs"), INSTALL).unwrap();
    server.repo.git(&["add", "install.mjs"]);
    server
        .repo
        .git(&["commit", "-q", "-m", "A stand-in installer"]);

    // A miss installs from scratch and saves; the next deployment restores it.
    let (first, log) = deploy(&server, &live).await;
    assert_eq!(first["cache"]["status"], "miss", "{first}");
    assert!(
        said(&log, "install: downloaded") && said(&log, "==> cache-save: saved"),
        "{log:#?}"
    );
    let key = first["cache"]["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("npm-node"), "{key}");
    let (second, log) = deploy(&server, &live).await;
    assert_eq!(second["cache"]["status"], "hit", "{second}");
    assert!(second["cache"]["restoreMs"].is_u64(), "{second}");
    assert!(said(&log, "install: reused"), "{log:#?}");
    let stored = cache(&server).await;
    assert_eq!(stored["enabled"], true);
    assert_eq!(stored["entries"][0]["key"], key.as_str(), "{stored}");

    // A corrupt archive is ignored (the build succeeds) and replaced.
    let archive = server
        .data_dir
        .join(format!("dependency-cache/sample/development/{key}.tar.gz"));
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes.truncate(middle);
    std::fs::write(&archive, bytes).unwrap();
    let (damaged, log) = deploy(&server, &live).await;
    assert_eq!(damaged["cache"]["status"], "unusable", "{damaged}");
    assert!(
        damaged["cache"]["note"]
            .as_str()
            .unwrap()
            .contains("unusable")
    );
    assert!(said(&log, "install: downloaded"), "{log:#?}");
    let (repaired, _) = deploy(&server, &live).await;
    assert_eq!(repaired["cache"]["status"], "hit", "{repaired}");

    // A lockfile change misses but reuses the downloaded packages (content-addressed: the
    // package manager checks them against the new lockfile), and replaces the archive.
    let lock = server.repo.path.join("package-lock.json");
    let mut lockfile: Value = serde_json::from_slice(&std::fs::read(&lock).unwrap()).unwrap();
    lockfile["version"] = "1.0.1".into();
    std::fs::write(&lock, serde_json::to_vec_pretty(&lockfile).unwrap()).unwrap();
    server
        .repo
        .git(&["commit", "-q", "-am", "Bump the lockfile"]);
    let (changed, log) = deploy(&server, &live).await;
    assert_eq!(changed["cache"]["status"], "miss", "{changed}");
    assert!(said(&log, "install: reused"), "{log:#?}");
    let note = changed["cache"]["note"].as_str().unwrap();
    assert!(note.contains(&format!("saved for {key}")), "{note}");
    let new_key = changed["cache"]["key"].as_str().unwrap().to_string();
    assert_ne!(new_key, key);
    let stored = cache(&server).await;
    let keys: Vec<&Value> = stored["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["key"])
        .collect();
    assert_eq!(keys, [&Value::from(new_key.as_str())], "{stored}");

    // Clearing: the next install starts clean.
    let (status, cleared) = server
        .call(
            Method::DELETE,
            "/api/apps/sample/environments/development/cache",
            None,
        )
        .await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!(cleared["archives"], 1);
    assert_eq!(cache(&server).await["entries"], json!([]));
    let (after_clear, _) = deploy(&server, &live).await;
    assert_eq!(after_clear["cache"]["status"], "miss");
    let audit = server.get("/api/audit?app=sample").await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "cache.clear"),
        "{audit}"
    );

    // Off: nothing restored, nothing saved.
    let env = server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"dependencyCache": false}),
        )
        .await;
    assert_eq!(env["dependencyCache"], false);
    let before = cache(&server).await["entries"].clone();
    let (off, log) = deploy(&server, &live).await;
    assert_eq!(off["cache"]["status"], "off", "{off}");
    assert!(said(&log, "install: downloaded"), "{log:#?}");
    assert!(
        said(
            &log,
            "==> cache-restore: skipped (off for this environment)"
        ),
        "{log:#?}"
    );
    let stored = cache(&server).await;
    assert_eq!(stored["enabled"], false);
    assert_eq!(stored["entries"], before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environments_never_share_a_cache_and_clearing_needs_the_deploy_role() {
    let (github, server) = with_github().await;
    server.register_sample().await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let (first, _) = deploy(&server, &live).await;
    assert_eq!(first["cache"]["status"], "miss", "{first}");
    // Staging's first deployment of the same commit does not get development's cache.
    let (status, promoted) = server
        .post(
            "/api/apps/sample/environments/development/promote",
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{promoted}");
    let (staging, _) = finish(&server, &live, promoted["id"].as_str().unwrap()).await;
    assert_eq!(staging["cache"]["status"], "miss", "{staging}");

    // A viewer sees the cache but may not clear it; nothing is cleared.
    server.set_role("sample", "grace", "viewer").await;
    let mut grace = Browser::new(&server);
    github.sign_in_as("grace");
    grace.sign_in("/").await;
    grace.me().await;
    let path = "/api/apps/sample/environments/development/cache";
    let (status, seen) = grace.call(Method::GET, path, None, false).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["entries"].as_array().unwrap().len(), 1, "{seen}");
    let (status, refused) = grace.call(Method::DELETE, path, None, true).await;
    assert_eq!(status, 403, "{refused}");
    assert!(message(&refused).contains("deployer"), "{refused}");
    assert_eq!(cache(&server).await["entries"], seen["entries"]);
    let (status, missing) = server
        .call(
            Method::DELETE,
            "/api/apps/sample/environments/nowhere/cache",
            None,
        )
        .await;
    assert_eq!(status, 404, "{missing}");
}

/// Real npm: a dependency from a tarball in the repository. The second deployment restores
/// node_modules for the same lockfile and skips the install, and the deploy still finds the
/// package.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hit_restores_node_modules_and_skips_the_install() {
    let server = Server::start().await;
    server.register_sample().await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let repo = &server.repo.path;
    let package = server.data_dir.parent().unwrap().join("package");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("package.json"),
        r#"{"name": "greeting", "version": "1.0.0", "main": "index.js"}"#,
    )
    .unwrap();
    std::fs::write(
        package.join("index.js"),
        "module.exports = 'hello from a cached package';\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.join("vendor")).unwrap();
    let packed = std::process::Command::new("tar")
        .arg("czf")
        .arg(repo.join("vendor/greeting-1.0.0.tgz"))
        .arg("-C")
        .arg(package.parent().unwrap())
        .arg("package")
        .status()
        .unwrap();
    assert!(packed.success());
    let manifest = repo.join("package.json");
    let mut pkg: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    pkg["dependencies"] = json!({"greeting": "file:vendor/greeting-1.0.0.tgz"});
    std::fs::write(&manifest, serde_json::to_vec_pretty(&pkg).unwrap()).unwrap();
    let locked = std::process::Command::new("npm")
        .args([
            "install",
            "--package-lock-only",
            "--offline",
            "--no-audit",
            "--no-fund",
        ])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(locked.status.success(), "{locked:?}");
    server.repo.git(&["add", "-A"]);
    server
        .repo
        .git(&["commit", "-q", "-m", "Depend on a vendored package"]);
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"autoDeploy": false, "testsEnabled": false,
                   "settings": {"deployCommand": "node -e \"console.log(require('greeting'))\""}}),
        )
        .await;

    let (first, log) = deploy(&server, &live).await;
    assert_eq!(first["cache"]["status"], "miss", "{first}");
    assert!(said(&log, "==> install: npm ci"), "{log:#?}");
    let (second, log) = deploy(&server, &live).await;
    assert_eq!(second["cache"]["status"], "hit", "{second}");
    assert!(said(&log, "packages and node_modules"), "{log:#?}");
    assert!(said(&log, "==> install: skipped"), "{log:#?}");
    assert!(said(&log, "hello from a cached package"), "{log:#?}");
}
