//! A private GitHub repository deployed by a local server: once the GitHub App is connected
//! (manifest flow), branches and commits are read through the app, the runner clones with a
//! token that reads that one repository only, and each deployment is reported on GitHub (a
//! deployment with its statuses, a commit status for development), retried when GitHub fails.

use std::time::Duration;

use serde_json::Value;

use serde_json::json;
use trellis_e2e::*;

#[tokio::test]
async fn a_local_server_deploys_a_private_github_repository_through_the_connected_app() {
    let github = GithubStandIn::start().await;
    let server = Server::start_with_env(&[
        ("TRELLIS_GITHUB_URL", github.url.as_str()),
        ("TRELLIS_GITHUB_API_URL", github.url.as_str()),
        ("TRELLIS_FEEDBACK_RETRY_MS", "100"),
    ])
    .await;
    connect_github(&server).await;
    github.install(31, "acme/shop", true);
    github.host("acme/shop", &server.repo.path);

    let (status, app) = server
        .post(
            "/api/apps",
            json!({"name": "shop",
                "repository": {"provider": "github", "fullName": "acme/shop", "installationId": 31},
                "settings": {"deployCommand": "npm run deploy", "removeCommand": "npm run remove"}}),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    let branches = server.get("/api/apps/shop/branches").await;
    assert_eq!(branches[0]["name"], "main", "{branches}");
    assert_eq!(branches[0]["sha"], server.repo.head(), "{branches}");

    let live = server.live().await;
    live.subscribe(json!({"app": "shop"})).await;
    let (status, started) = server
        .post("/api/apps/shop/environments/development/deploy", json!({}))
        .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["commit"]["sha"], server.repo.head(), "{started}");
    assert_eq!(
        started["commit"]["message"], "Initial sample app",
        "{started}"
    );
    let done = live.finished(started["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    // Reported on GitHub: a deployment of development with its final status, linking back to
    // the deployment's page, and the commit's status.
    let id = done["id"].as_str().unwrap();
    let reported = reported(&server, id, |f| {
        f.iter().all(|f| f["delivered"] == "success")
    })
    .await;
    assert_eq!(reported.len(), 2, "{reported:?}");
    let reports = github.reports();
    let made = reports
        .iter()
        .find(|r| r.kind == "deployment")
        .expect("a GitHub deployment");
    assert_eq!(made.repository, "acme/shop");
    assert_eq!(
        (made.body["environment"].as_str(), made.body["ref"].as_str()),
        (Some("development"), done["commit"]["sha"].as_str())
    );
    let last_status = reports
        .iter()
        .rev()
        .find(|r| r.kind == "deployment_status" && r.on == made.on)
        .expect("a deployment status");
    assert_eq!(last_status.body["state"], "success");
    assert_eq!(
        last_status.body["log_url"],
        format!("{}/deployments/{id}", server.base)
    );
    let commit_status = reports
        .iter()
        .rev()
        .find(|r| r.kind == "commit_status")
        .expect("a commit status");
    assert_eq!(
        (
            commit_status.body["state"].as_str(),
            commit_status.body["context"].as_str()
        ),
        (Some("success"), Some("trellis/development"))
    );
    assert_eq!(commit_status.on, done["commit"]["sha"].as_str().unwrap());

    // The runner cloned with a token of the installation, limited to the repository and to
    // reading its contents; the token never shows in the log.
    assert_eq!(github.clones(), [31]);
    assert!(
        github
            .token_scopes()
            .contains(&json!({"repositories": ["shop"], "permissions": {"contents": "read"}})),
        "{:?}",
        github.token_scopes()
    );
    let (lines, _) = server.logs(done["id"].as_str().unwrap()).await;
    assert!(
        lines
            .iter()
            .all(|l| !l["text"].as_str().unwrap_or_default().contains("ghs_inst")),
        "{lines:?}"
    );

    // What promoting development would ship, read through GitHub's compare API.
    let (status, promoted) = server
        .post("/api/apps/shop/environments/development/promote", json!({}))
        .await;
    assert_eq!(status, 202, "{promoted}");
    let first = started["commit"]["sha"].as_str().unwrap().to_string();
    assert_eq!(
        live.finished(promoted["id"].as_str().unwrap()).await["status"],
        "succeeded"
    );
    let b = server.repo.commit_message("second", "Add the pricing page");
    let c = server.repo.commit_message("third", "Fix the footer");
    let (_, again) = server
        .post("/api/apps/shop/environments/development/deploy", json!({}))
        .await;
    assert_eq!(
        live.finished(again["id"].as_str().unwrap()).await["status"],
        "succeeded"
    );
    let preview = server
        .get("/api/apps/shop/environments/development/promote")
        .await;
    let shas: Vec<&str> = preview["commits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["sha"].as_str())
        .collect();
    assert_eq!(shas, [c.as_str(), b.as_str()], "{preview}");
    assert_eq!(
        preview["commits"][0]["message"], "Fix the footer",
        "{preview}"
    );
    assert_eq!(
        (preview["total"].as_u64(), preview["behind"].as_u64()),
        (Some(2), Some(0))
    );
    let second_page = server
        .get("/api/apps/shop/environments/development/promote?skip=1&limit=1")
        .await;
    assert_eq!(
        second_page["commits"][0]["sha"],
        b.as_str(),
        "{second_page}"
    );
    assert_eq!(
        second_page["nextSkip"],
        serde_json::Value::Null,
        "{second_page}"
    );
    assert!(
        github.compares().contains(&format!("{first}...{c}")),
        "{:?}",
        github.compares()
    );

    // A failing deployment shows as a failure on GitHub too.
    server
        .patch(
            "/api/apps/shop/environments/development",
            json!({"settings": {"deployCommand": "exit 2"}}),
        )
        .await;
    let (_, failing) = server
        .post("/api/apps/shop/environments/development/deploy", json!({}))
        .await;
    let failing = failing["id"].as_str().unwrap().to_string();
    assert_eq!(live.finished(&failing).await["status"], "failed");
    let failed = self::reported(&server, &failing, |f| {
        f.iter().all(|f| f["delivered"] == "failure")
    })
    .await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    let last_commit_status = github
        .reports()
        .into_iter()
        .rev()
        .find(|r| r.kind == "commit_status")
        .unwrap();
    assert_eq!(last_commit_status.body["state"], "failure");
}

/// The deployment's feedback once `done` says it is settled (GitHub is told in the
/// background, so there is no event to wait for: the API is asked until then, 30 s at most).
async fn reported(server: &Server, id: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let d = server.deployment(id).await;
        let feedback = d["feedback"].as_array().cloned().unwrap_or_default();
        if !feedback.is_empty() && done(&feedback) {
            return feedback;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "feedback of {id} did not settle: {feedback:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
