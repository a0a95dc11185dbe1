//! A local build is untrusted code: it must not read the server's secrets (data directory,
//! process environment), write another environment's site, or reach the dashboard's origin.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};
use trellis_e2e::{DEPLOY_TIMEOUT, Server};

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Sets development's deploy command and deploys; returns the finished deployment and its log.
async fn deploy_with(server: &Server, command: &str) -> (Value, Vec<String>) {
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": false, "settings": {"deployCommand": command}}),
        )
        .await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let id = server.start_deploy("development").await;
    let done = tokio::time::timeout(DEPLOY_TIMEOUT, live.finished(&id))
        .await
        .expect("the deployment ends");
    let (lines, _) = server.logs(&id).await;
    let text = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap_or_default().to_string())
        .collect();
    (done, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_cannot_read_the_servers_secrets_or_write_another_site() {
    let server = Server::start().await;
    server.register_sample().await;
    let data = server.data_dir.display().to_string();
    let sites = format!("{data}-sites");
    let server_pid = server.pid().unwrap();
    let probe = format!(
        "id -u; \
         for f in {data}/trellis.db {data}/trellis.db-wal {data}/admin-token {data}/webhook-secret \
                  /proc/{server_pid}/environ; do \
           if cat \"$f\" >/dev/null 2>&1; then echo \"LEAK read $f\"; fi; done; \
         if ls {data} >/dev/null 2>&1; then echo 'LEAK listed the data directory'; fi; \
         if mkdir -p {sites}/sample/production 2>/dev/null && \
            echo owned > {sites}/sample/production/index.html 2>/dev/null; then \
           echo 'LEAK wrote the production site'; fi; \
         echo probe-done"
    );
    let (done, log) = deploy_with(&server, &probe).await;
    assert_eq!(done["status"], "succeeded", "{done} {log:?}");
    assert!(log.iter().any(|l| l == "probe-done"), "{log:?}");
    let uid: u32 = log
        .iter()
        .find_map(|l| l.trim().parse().ok())
        .expect("the build printed its uid");
    if running_as_root() {
        let leaks: Vec<&String> = log.iter().filter(|l| l.starts_with("LEAK")).collect();
        assert!(leaks.is_empty(), "the build reached the server: {leaks:?}");
        assert!(uid >= 2_000_000_000, "the build ran as uid {uid}");
    } else {
        // Documented: without root, builds run as the server's user (not isolated).
        // SAFETY: getuid has no preconditions.
        assert_eq!(uid, unsafe { libc::getuid() });
    }

    // Whatever the build did, the secrets stay the owner's alone.
    let mode = |name: &str| {
        std::fs::metadata(server.data_dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700);
    for file in [
        "trellis.db",
        "trellis.db-wal",
        "trellis.db-shm",
        "admin-token",
        "webhook-secret",
    ] {
        if server.data_dir.join(file).exists() {
            assert_eq!(mode(file), 0o600, "{file}");
        }
    }
    assert!(server.data_dir.join("trellis.db-wal").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_are_served_on_their_own_origin_and_never_follow_symlinks() {
    let server = Server::start().await;
    server.register_sample().await;
    let data = server.data_dir.display().to_string();
    let publish = format!(
        "echo '<p>published</p>' > \"$TRELLIS_LOCAL_SITE_DIR/index.html\" && \
         ln -sf {data}/webhook-secret \"$TRELLIS_LOCAL_SITE_DIR/secret.txt\" && \
         ln -sfn / \"$TRELLIS_LOCAL_SITE_DIR/root\" && \
         mkdir -p \"$TRELLIS_LOCAL_SITE_DIR/docs\" && \
         ln -sf ../index.html \"$TRELLIS_LOCAL_SITE_DIR/docs/index.html\" && \
         printf '{{\"url\":\"%s\"}}' \"$TRELLIS_LOCAL_SITE_URL\" > \"$TRELLIS_OUTPUTS_FILE\""
    );
    let (done, log) = deploy_with(&server, &publish).await;
    assert_eq!(done["status"], "succeeded", "{done} {log:?}");
    let site = format!("{}/sample/development/", server.sites);
    assert_eq!(done["outputs"]["url"], site.as_str());
    assert_ne!(
        server.sites, server.base,
        "sites share the dashboard's origin"
    );

    let get = |url: String| async move {
        let r = reqwest::get(&url).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let (status, page) = get(site.clone()).await;
    assert_eq!((status, page.trim()), (200, "<p>published</p>"));
    let secret = std::fs::read_to_string(server.data_dir.join("webhook-secret")).ok();
    for path in [
        "secret.txt",
        "root/etc/passwd",
        "docs/",
        "%2e%2e/%2e%2e/",
        "../../",
    ] {
        let (status, body) = get(format!("{site}{path}")).await;
        assert_eq!(status, 404, "{path} was served: {body}");
        if let Some(secret) = &secret {
            assert!(!body.contains(secret.trim()));
        }
    }
    // Neither origin serves the other's content.
    assert_eq!(get(format!("{}/api/apps", server.sites)).await.0, 404);
    let (status, body) = get(server.url("/sites/sample/development/")).await;
    assert!(
        status == 404 && !body.contains("published"),
        "{status} {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_user_gets_a_home_and_npm_cache_it_can_write() {
    // The server's own npm cache (npm sets npm_config_cache when it starts a server) is not
    // writable by a build's user: the build gets its own.
    let server = Server::start_with_env(&[("npm_config_cache", "/root/.npm")]).await;
    server.register_sample().await;
    let (done, log) = deploy_with(
        &server,
        "touch \"$HOME/written\" && echo \"cache=$npm_config_cache\" && npm run deploy",
    )
    .await;
    assert_eq!(done["status"], "succeeded", "{done} {log:?}");
    if running_as_root() {
        assert!(
            log.iter()
                .any(|l| l.starts_with("cache=") && !l.contains("/root/")),
            "{log:?}"
        );
    }
}
