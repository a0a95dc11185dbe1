//! Faults a local server must survive without leaving a build behind.

use std::time::Duration;

use serde_json::json;
use trellis_e2e::{DEPLOY_TIMEOUT, Server, process_exit, processes_of_deployment, session_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_deploy_leaves_no_build_running_and_recovers() {
    let mut server = Server::start().await;
    server.register_sample().await;
    // A deploy that keeps working for a long time, as a real one would.
    let command = "echo deploy-started; sleep 600";
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": false, "settings": {"deployCommand": command}}),
        )
        .await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let id = server.start_deploy("development").await;
    live.wait_for(DEPLOY_TIMEOUT, |_| {
        live.log_lines(&id)
            .iter()
            .any(|l| l["text"] == "deploy-started")
            .then_some(())
    })
    .await;
    let build = processes_of_deployment(&id);
    let runner = build
        .iter()
        .find_map(|pid| session_of(*pid))
        .expect("the build runs in its runner's session");

    // The server dies, and its runner with it (a runner built with panic = "abort" used to die
    // on its closed stdout): the build itself lives on in the runner's session.
    server.crash().await;
    std::process::Command::new("kill")
        .args(["-KILL", &runner.to_string()])
        .status()
        .unwrap();
    assert!(process_exit(runner, Duration::from_secs(10)).await);
    assert!(
        !processes_of_deployment(&id).is_empty(),
        "the build outlives its runner"
    );
    server.restart().await;

    let failed = server.deployment(&id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("server stopped"),
        "{failed}"
    );
    let left = processes_of_deployment(&id);
    assert!(left.is_empty(), "processes of {id} still run: {left:?}");

    // The environment is free again: the next deploy runs alone and succeeds.
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"settings": {"deployCommand": "npm run deploy"}}),
        )
        .await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let (status, next) = server
        .post(
            "/api/apps/sample/environments/development/deploy",
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{next}");
    let done = tokio::time::timeout(DEPLOY_TIMEOUT, live.finished(next["id"].as_str().unwrap()))
        .await
        .expect("the next deployment ends");
    assert_eq!(done["status"], "succeeded", "{done}");
}
