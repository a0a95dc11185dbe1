//! A private GitHub repository deployed by a local server: once the GitHub App is connected
//! (manifest flow), branches and commits are read through the app, and the runner clones
//! with a token that reads that one repository only.

use serde_json::json;
use trellis_e2e::*;

#[tokio::test]
async fn a_local_server_deploys_a_private_github_repository_through_the_connected_app() {
    let github = GithubStandIn::start().await;
    let server = Server::start_with_env(&[
        ("TRELLIS_GITHUB_URL", github.url.as_str()),
        ("TRELLIS_GITHUB_API_URL", github.url.as_str()),
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
}
