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
