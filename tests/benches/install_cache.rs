//! The install step with a cold and with a warm dependency cache, through a real `trellis
//! serve` and build runner: an app with 461 npm packages (tests/benches/install-fixture:
//! Express, the AWS SDK for DynamoDB, Jest, TypeScript, Zod) deployed four times — cold (an
//! empty cache: every package from the public npm registry), warm, then cold again after
//! clearing the cache through the API, and warm again. Each install is `npm ci` as the runner
//! detects it; a warm one's time includes restoring the archive. Needs the npm registry.
//! `cargo build -p trellis-local -p trellis-build-runner --bins`, then
//! `cargo bench -p trellis-e2e --bench install_cache --profile dev`.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use trellis_e2e::{Server, workspace_root};

const GOAL_RATIO: f64 = 3.0;
/// A cold install downloads every package: allow for a slow registry.
const INSTALL_LIMIT: Duration = Duration::from_secs(900);

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@example.com",
        ])
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

/// A git repository holding the fixture app.
fn fixture_repo(dir: &Path) -> std::path::PathBuf {
    let repo = dir.join("install-bench");
    std::fs::create_dir_all(&repo).unwrap();
    let fixture = workspace_root().join("tests/benches/install-fixture");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(fixture.join(file), repo.join(file)).unwrap();
    }
    std::fs::write(
        repo.join(".npmrc"),
        "audit=false\nfund=false\nupdate-notifier=false\n",
    )
    .unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(
        &repo,
        &["commit", "-q", "-m", "The install benchmark's app"],
    );
    repo
}

struct Install {
    install_ms: f64,
    restore_ms: f64,
    save_ms: f64,
    status: String,
    bytes: u64,
}

/// The install step's time from the runner's own log lines (stamped as they were read); 0
/// when a warm cache left it nothing to do.
fn install_ms(lines: &[Value]) -> f64 {
    let at = |prefix: &str| {
        lines
            .iter()
            .find(|l| l["text"].as_str().is_some_and(|t| t.starts_with(prefix)))
            .and_then(|l| l["timestamp"].as_f64())
    };
    if at("==> install: skipped").is_some() {
        return 0.0;
    }
    at("<== install succeeded").expect("the install's end") - at("==> install:").expect("its start")
}

async fn deploy(server: &Server, live: &trellis_e2e::Live) -> Install {
    let (status, d) = server
        .post("/api/apps/bench/environments/development/deploy", json!({}))
        .await;
    assert_eq!(status, 202, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let done = live
        .deployment_where(INSTALL_LIMIT, |d| {
            d["id"] == id.as_str() && matches!(d["status"].as_str(), Some("succeeded" | "failed"))
        })
        .await;
    let (lines, _) = server.logs(&id).await;
    assert_eq!(done["status"], "succeeded", "{done}\n{lines:#?}");
    let d = server.deployment(&id).await;
    let cache = &d["cache"];
    Install {
        install_ms: install_ms(&lines),
        restore_ms: cache["restoreMs"].as_f64().unwrap_or(0.0),
        save_ms: cache["saveMs"].as_f64().unwrap_or(0.0),
        status: cache["status"].as_str().unwrap_or("?").to_string(),
        bytes: cache["bytes"].as_u64().unwrap_or(0),
    }
}

fn row(what: &str, i: &Install) {
    println!(
        "{what:<26} cache {:<5} install {:>7.1} s   restore {:>5.2} s   save {:>5.2} s   archive {:>6.1} MB",
        i.status,
        i.install_ms / 1000.0,
        i.restore_ms / 1000.0,
        i.save_ms / 1000.0,
        i.bytes as f64 / 1e6
    );
}

/// Four deployments (cold, warm, cold after clearing, warm) on a server whose builds work in
/// `tmpdir` (the system's default when `None`).
async fn series(label: &str, tmpdir: Option<&str>) {
    let env: Vec<(&str, &str)> = tmpdir.map(|t| ("TMPDIR", t)).into_iter().collect();
    let server = Server::start_with_env(&env).await;
    let repo = fixture_repo(server.data_dir.parent().unwrap());
    let (status, app) = server
        .post(
            "/api/apps",
            json!({"name": "bench", "repository": {"provider": "local", "path": repo},
                   "settings": {"deployCommand": "true", "removeCommand": "true"}}),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    let live = server.live().await;
    live.subscribe(json!({"app": "bench"})).await;

    let cold = deploy(&server, &live).await;
    let warm = deploy(&server, &live).await;
    let (status, cleared) = server
        .call(
            reqwest::Method::DELETE,
            "/api/apps/bench/environments/development/cache",
            None,
        )
        .await;
    assert_eq!(status, 200, "{cleared}");
    let cold_again = deploy(&server, &live).await;
    let warm_again = deploy(&server, &live).await;
    assert_eq!(
        [
            &cold.status,
            &warm.status,
            &cold_again.status,
            &warm_again.status
        ],
        ["miss", "hit", "miss", "hit"]
    );

    let packages = {
        let lock: Value =
            serde_json::from_slice(&std::fs::read(repo.join("package-lock.json")).unwrap())
                .unwrap();
        lock["packages"].as_object().map_or(0, |p| p.len() - 1)
    };
    println!("\n{label}: npm ci of {packages} packages (public registry), 4 deployments in a row");
    row("1. cold (empty cache)", &cold);
    row("2. warm", &warm);
    row("3. cold (after clearing)", &cold_again);
    row("4. warm", &warm_again);
    let total = |i: &Install| i.install_ms + i.restore_ms;
    for (what, c, w) in [
        ("first pair", &cold, &warm),
        ("second pair", &cold_again, &warm_again),
    ] {
        let ratio = total(c) / total(w);
        println!(
            "{what}: cold {:.1} s vs warm {:.1} s (restore + install): {ratio:.1}x faster; goal >= {GOAL_RATIO}x: {}",
            total(c) / 1000.0,
            total(w) / 1000.0,
            if ratio >= GOAL_RATIO { "met" } else { "missed" }
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    series("workspaces on the data disk", None).await;
    // The same on memory: what file creation costs on this machine's disk, set apart.
    if Path::new("/dev/shm").is_dir() {
        series("workspaces in /dev/shm (tmpfs)", Some("/dev/shm")).await;
    }
}
