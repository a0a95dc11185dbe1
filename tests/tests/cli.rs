//! The `trellis` client commands against a real server: text output, `--json`, exit codes.

use std::process::Output;

use trellis_e2e::{Server, TOKEN, binary};

async fn trellis(server: &Server, args: &[&str]) -> Output {
    tokio::process::Command::new(binary("trellis"))
        .args(["--url", &server.base, "--token", TOKEN])
        .args(args)
        .output()
        .await
        .expect("the CLI runs")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_shows_environments_follows_a_deploy_and_maps_failures_to_exit_codes() {
    let server = Server::start().await;
    server.register_sample().await;

    let envs = trellis(&server, &["envs", "sample"]).await;
    assert!(envs.status.success(), "{envs:?}");
    let lines: Vec<String> = text(&envs).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].trim_start().starts_with("development"),
        "{lines:?}"
    );
    assert!(lines[2].ends_with("[protected]"), "{lines:?}");

    let deploy = trellis(&server, &["deploy", "sample", "development", "--follow"]).await;
    let out = text(&deploy);
    assert_eq!(deploy.status.code(), Some(0), "{out}");
    let last = out.lines().last().unwrap();
    assert!(
        last.contains(" development deploy succeeded manual "),
        "{last}"
    );

    let history = trellis(&server, &["--json", "history", "sample", "development"]).await;
    let list: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(list[0]["status"], "succeeded");
    assert_eq!(
        list[0]["requestedBy"], "admin token",
        "who asked is recorded"
    );

    // A refused request exits 3 and says why on stderr.
    let refused = trellis(&server, &["envs", "no-such-app"]).await;
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    assert!(!refused.stderr.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_dry_run_lists_what_would_ship_and_starts_nothing() {
    let server = Server::start().await;
    server.register_sample().await;
    server
        .patch(
            "/api/apps/sample/environments/development",
            serde_json::json!({"testsEnabled": false}),
        )
        .await;
    let run = |args: &'static [&'static str]| trellis(&server, args);
    let first = run(&["deploy", "sample", "development", "--follow"]).await;
    assert!(first.status.success(), "{first:?}");
    let promoted = run(&["promote", "sample", "development", "--follow"]).await;
    assert!(promoted.status.success(), "{promoted:?}");
    let b = server.repo.commit_message("second", "Add the pricing page");
    let c = server.repo.commit_message("third", "Fix the footer");
    let again = run(&["deploy", "sample", "development", "--follow"]).await;
    assert!(again.status.success(), "{again:?}");
    server
        .patch(
            "/api/apps/sample/environments/staging",
            serde_json::json!({"variables": {"FEATURE_FLAG": "on"}}),
        )
        .await;
    let before = server.deployments("staging").await.len();

    let dry = run(&["promote", "sample", "development", "--dry-run"]).await;
    let out = text(&dry);
    assert!(dry.status.success(), "{dry:?}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("development → staging: {}", &c[..7])),
        "{out}"
    );
    assert!(lines[1].ends_with("2 commit(s) to ship"), "{out}");
    assert!(
        lines[2].starts_with(&format!("  {} Fix the footer", &c[..7])),
        "{out}"
    );
    assert!(
        lines[3].starts_with(&format!("  {} Add the pricing page", &b[..7])),
        "{out}"
    );
    assert!(out.contains("variables.FEATURE_FLAG (added)"), "{out}");
    assert_eq!(
        server.deployments("staging").await.len(),
        before,
        "nothing started"
    );

    // Paged by the API; the CLI read every page.
    let page = server
        .get("/api/apps/sample/environments/development/promote?limit=1")
        .await;
    assert_eq!(
        (page["total"].as_u64(), page["nextSkip"].as_u64()),
        (Some(2), Some(1)),
        "{page}"
    );
    assert_eq!(page["commits"][0]["sha"], c.as_str(), "{page}");
    let json = run(&["--json", "promote", "sample", "development", "--dry-run"]).await;
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["commits"].as_array().map(Vec::len), Some(2), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_shows_clears_and_turns_off_an_environments_dependency_cache() {
    let server = Server::start().await;
    server.register_sample().await;
    let deploy = trellis(&server, &["deploy", "sample", "development", "--follow"]).await;
    let out = text(&deploy);
    assert_eq!(deploy.status.code(), Some(0), "{out}");
    assert!(out.contains("==> cache-restore: miss npm-node"), "{out}");

    let shown = trellis(&server, &["cache", "sample", "development"]).await;
    let out = text(&shown);
    assert!(shown.status.success(), "{shown:?}");
    assert!(out.starts_with("dependency cache: on, "), "{out}");
    assert!(out.contains("npm-node"), "an archive is listed: {out}");

    let cleared = trellis(&server, &["cache", "sample", "development", "--clear"]).await;
    assert!(cleared.status.success(), "{cleared:?}");
    assert!(
        text(&cleared).starts_with("cleared 1 archive(s)"),
        "{}",
        text(&cleared)
    );

    let off = trellis(
        &server,
        &[
            "--json",
            "configure",
            "sample",
            "development",
            "--cache",
            "false",
        ],
    )
    .await;
    let env: serde_json::Value = serde_json::from_slice(&off.stdout).unwrap();
    assert_eq!(env["dependencyCache"], false, "{env}");
    let shown = trellis(&server, &["cache", "sample", "development"]).await;
    assert!(
        text(&shown).starts_with("dependency cache: off, 0.0 MB"),
        "{}",
        text(&shown)
    );
}
