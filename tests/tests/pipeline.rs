//! A commit's whole trip through the pipeline, on the real server, runner and sample app.

use std::time::Duration;

use serde_json::{Value, json};
use trellis_e2e::{DEPLOY_TIMEOUT, Server, is_terminal};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_promote_rollback_and_teardown() {
    let server = Server::start().await;
    let app = server.register_sample().await;
    assert_eq!(app["environments"].as_array().unwrap().len(), 3);
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    assert!(
        server.deployments("development").await.is_empty(),
        "registering an app deploys nothing"
    );

    // 1. A push deploys development.
    let sha1 = server
        .repo
        .commit_message("First message from e2e", "Say something");
    let first = live
        .deployment_where(Duration::from_secs(10), |d| {
            d["environment"] == "development" && d["commit"]["sha"] == sha1.as_str()
        })
        .await;
    assert_eq!(first["trigger"], "push");
    let first_id = first["id"].as_str().unwrap().to_string();
    let done = live.finished(&first_id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let page = server.site("development").await.unwrap();
    assert!(page.contains(&sha1), "the page shows the new commit");
    assert!(page.contains("First message from e2e"));
    let env = server.environment("development").await;
    assert_eq!(env["state"], "deployed");
    assert_eq!(env["currentCommit"]["sha"], sha1.as_str());
    assert_eq!(
        done["outputs"]["url"],
        format!("{}/sample/development/", server.sites).as_str()
    );

    // Its log arrived over the WebSocket in order, with no gaps, and equals the stored log.
    let (stored, complete) = server.logs(&first_id).await;
    assert!(complete);
    let pushed = live.log_lines(&first_id);
    let seqs: Vec<u64> = pushed.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=stored.len() as u64).collect::<Vec<_>>());
    assert_eq!(pushed, stored);
    let text: Vec<&str> = stored.iter().map(|l| l["text"].as_str().unwrap()).collect();
    for step in ["clone", "install", "test", "deploy"] {
        assert!(
            text.iter().any(|t| t.contains(step)),
            "step {step} is logged: {text:#?}"
        );
    }

    // 2. Promote development → staging → production.
    let (status, staging) = server
        .post(
            "/api/apps/sample/environments/development/promote",
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{staging}");
    assert_eq!(staging["environment"], "staging");
    assert_eq!(staging["promotedFrom"], first_id.as_str());
    let staging = live.finished(staging["id"].as_str().unwrap()).await;
    assert_eq!(staging["status"], "succeeded", "{staging}");
    assert!(server.site("staging").await.unwrap().contains(&sha1));

    let (status, prod1) = server
        .post("/api/apps/sample/environments/staging/promote", json!({}))
        .await;
    assert_eq!(status, 202, "{prod1}");
    let prod1 = live.finished(prod1["id"].as_str().unwrap()).await;
    assert_eq!(prod1["status"], "succeeded", "{prod1}");
    assert!(server.site("production").await.unwrap().contains(&sha1));

    // 3. A second commit travels the same way to production.
    let sha2 = server
        .repo
        .commit_message("Second message from e2e", "Say something else");
    let second = live
        .deployment_where(Duration::from_secs(10), |d| {
            d["environment"] == "development" && d["commit"]["sha"] == sha2.as_str()
        })
        .await;
    assert_eq!(
        live.finished(second["id"].as_str().unwrap()).await["status"],
        "succeeded"
    );
    for from in ["development", "staging"] {
        let (status, d) = server
            .post(
                &format!("/api/apps/sample/environments/{from}/promote"),
                json!({}),
            )
            .await;
        assert_eq!(status, 202, "{d}");
        assert_eq!(
            live.finished(d["id"].as_str().unwrap()).await["status"],
            "succeeded"
        );
    }
    let page = server.site("production").await.unwrap();
    assert!(page.contains("Second message from e2e"));
    assert!(
        server
            .repo
            .git(&["log", "-1", "--format=%H"])
            .contains(&sha2)
    );

    // 4. Roll production back to the first deployment: the page reverts.
    let prod1_id = prod1["id"].as_str().unwrap();
    let (status, rb) = server
        .post(
            "/api/apps/sample/environments/production/rollback",
            json!({"deploymentId": prod1_id}),
        )
        .await;
    assert_eq!(status, 202, "{rb}");
    assert_eq!(rb["trigger"], "rollback");
    assert_eq!(rb["rollbackOf"], prod1_id);
    let rb = live.finished(rb["id"].as_str().unwrap()).await;
    assert_eq!(rb["status"], "succeeded", "{rb}");
    let page = server.site("production").await.unwrap();
    assert!(page.contains("First message from e2e"), "{page}");
    assert!(!page.contains("Second message from e2e"));
    assert_eq!(
        server.environment("production").await["currentCommit"]["sha"],
        sha1.as_str()
    );

    // 5. Tear staging down: its page is gone.
    let (status, td) = server
        .post("/api/apps/sample/environments/staging/teardown", json!({}))
        .await;
    assert_eq!(status, 202, "{td}");
    assert_eq!(td["kind"], "teardown");
    let td = live.finished(td["id"].as_str().unwrap()).await;
    assert_eq!(td["status"], "succeeded", "{td}");
    assert_eq!(server.site("staging").await, Err(404));
    assert_eq!(server.environment("staging").await["state"], "removed");

    // The app cannot be deleted while environments are deployed.
    let (status, err) = server
        .call(reqwest::Method::DELETE, "/api/apps/sample", None)
        .await;
    assert_eq!(status, 409, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_runner_fails_its_deployment_within_five_seconds() {
    let server = Server::start().await;
    server.register_sample().await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let id = server
        .start_hanging_deploy(&live, "deploy-is-waiting")
        .await;
    let runner = server.deployment(&id).await["runner"]
        .as_str()
        .expect("the runner handle is recorded")
        .to_string();
    let pid = runner.strip_prefix("pid:").unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let failed = live
        .deployment_where(Duration::from_secs(5), |d| {
            d["id"] == id.as_str() && is_terminal(d)
        })
        .await;
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error"].as_str().unwrap().contains("killed"),
        "{failed}"
    );
    let env = server.environment("development").await;
    assert_eq!(
        env["runningDeployment"],
        Value::Null,
        "the environment is free"
    );

    // The next deploy succeeds.
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"settings": {"deployCommand": null}}),
        )
        .await;
    let (status, d) = server
        .post(
            "/api/apps/sample/environments/development/deploy",
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{d}");
    let done = live.finished(d["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "succeeded", "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_quick_pushes_leave_one_running_at_most_one_queued_and_the_last_deployed() {
    let server = Server::start().await;
    server.register_sample().await;
    // A build that takes a while, so that pushes pile up behind the running one.
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": false, "settings": {"deployCommand": "sleep 2 && npm run deploy"}}),
        )
        .await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;

    let assert_lock_holds = |list: &[Value]| {
        let running = list.iter().filter(|d| d["status"] == "running").count();
        let queued = list.iter().filter(|d| d["status"] == "queued").count();
        assert!(running <= 1, "{running} running: {list:#?}");
        assert!(queued <= 1, "{queued} queued: {list:#?}");
    };
    let mut last = String::new();
    for i in 0..10 {
        last = server
            .repo
            .commit_message(&format!("push number {i}"), &format!("Push {i}"));
        // Each push is seen (the watcher turns it into a deployment) before the next one.
        let sha = last.clone();
        live.deployment_where(Duration::from_secs(10), |d| {
            d["commit"]["sha"] == sha.as_str()
        })
        .await;
        assert_lock_holds(&server.deployments("development").await);
    }
    // Every state the pipeline passes through keeps the lock's promise, until it settles.
    let mut checked = 0;
    loop {
        let seen = live.messages().len();
        let list = server.deployments("development").await;
        assert_lock_holds(&list);
        checked += 1;
        let env = server.environment("development").await;
        if env["currentCommit"]["sha"] == last.as_str()
            && env["runningDeployment"].is_null()
            && env["queuedDeployment"].is_null()
        {
            break;
        }
        assert!(checked < 1000, "the pipeline never settled");
        // Look again when the next event arrives.
        live.wait_for(DEPLOY_TIMEOUT, |msgs| (msgs.len() > seen).then_some(()))
            .await;
    }
    let list = server.deployments("development").await;
    assert_eq!(list.len(), 10, "one deployment per push");
    assert!(list.iter().all(is_terminal));
    let superseded = list
        .iter()
        .filter(|d| {
            d["status"] == "cancelled"
                && d["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("superseded by "))
        })
        .count();
    let succeeded = list.iter().filter(|d| d["status"] == "succeeded").count();
    assert_eq!(superseded + succeeded, 10, "{list:#?}");
    assert!(
        superseded >= 1,
        "pushes during a build supersede each other"
    );
    assert_eq!(list[0]["commit"]["sha"], last.as_str());
    assert_eq!(list[0]["status"], "succeeded");
    assert!(server.site("development").await.unwrap().contains(&last));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_running_deployment_stops_its_build() {
    let server = Server::start().await;
    server.register_sample().await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let id = server.start_hanging_deploy(&live, "build-is-busy").await;
    let (status, c) = server
        .post(&format!("/api/deployments/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["cancelRequested"], true);
    let done = live.finished(&id).await;
    assert_eq!(done["status"], "cancelled", "{done}");
    let (lines, complete) = server.logs(&id).await;
    assert!(complete);
    assert!(
        lines
            .iter()
            .any(|l| l["text"].as_str().is_some_and(|t| t.contains("cancelled"))),
        "the log says the build was cancelled"
    );
    let env = server.environment("development").await;
    assert_eq!(env["state"], "empty");
    assert_eq!(env["runningDeployment"], Value::Null);
    let (status, _) = server
        .post(&format!("/api/deployments/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 409, "an ended deployment cannot be cancelled");
}
