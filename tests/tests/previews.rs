//! Pull-request previews end to end: a signed `pull_request` delivery deploys `pr-<number>`
//! of a GitHub repository (cloned through the connected app) and comments on the pull
//! request, a push to it redeploys and edits that comment, a fork's waits for approval, and
//! closing the pull request tears the preview down and removes it.

use std::time::Duration;

use serde_json::{Value, json};
use trellis_e2e::*;

/// The pull request's Trellis comment once it says `what` (the comment is written in the
/// background: asked until then, 30 s at most).
async fn comment_saying(github: &GithubStandIn, number: u64, what: &str) -> Comment {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let on_pr: Vec<Comment> = github
            .comments()
            .into_iter()
            .filter(|c| c.number == number)
            .collect();
        if let Some(c) = on_pr.iter().find(|c| c.body.contains(what)) {
            assert_eq!(on_pr.len(), 1, "one comment, edited in place: {on_pr:?}");
            return c.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{on_pr:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn event(action: &str, number: u64, sha: &str, head_repo: &str) -> Value {
    let mut v: Value = serde_json::from_slice(&fixture("github/pull-request-opened.json")).unwrap();
    v["action"] = action.into();
    v["number"] = number.into();
    v["pull_request"]["head"]["sha"] = sha.into();
    v["pull_request"]["head"]["ref"] = "changes".into();
    v["pull_request"]["head"]["repo"]["full_name"] = head_repo.into();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_gets_a_preview_that_goes_when_it_closes() {
    let github = GithubStandIn::start().await;
    let server = Server::start_with_env(&[
        ("TRELLIS_GITHUB_URL", github.url.as_str()),
        ("TRELLIS_GITHUB_API_URL", github.url.as_str()),
    ])
    .await;
    connect_github(&server).await;
    github.install(1, "Codertocat/Hello-World", false);
    github.host("Codertocat/Hello-World", &server.repo.path);
    let (status, app) = server
        .post(
            "/api/apps",
            json!({"name": "hello",
                "repository": {"provider": "github", "fullName": "Codertocat/Hello-World", "installationId": 1},
                "settings": {"deployCommand": "npm run deploy", "removeCommand": "npm run remove"}}),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    let (status, err) = server
        .call(
            reqwest::Method::PATCH,
            "/api/apps/hello",
            Some(json!({"previews": {"baseEnvironment": "qa"}})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("previews.baseEnvironment"))
    );
    let on = server
        .patch(
            "/api/apps/hello",
            json!({"previews": {"baseEnvironment": "development"}}),
        )
        .await;
    assert_eq!(on["previewsFrom"], "development", "{on}");

    server.repo.git(&["checkout", "-q", "-b", "changes"]);
    let head = server
        .repo
        .commit_message("pricing", "Add the pricing page");
    let live = server.live().await;
    live.subscribe(json!({"app": "hello"})).await;
    let (status, answer) = server
        .deliver_webhook(
            "pull_request",
            "pr-2-opened",
            &event("opened", 2, &head, "Codertocat/Hello-World"),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["deployments"][0].as_str().unwrap().to_string();
    let done = live.finished(&id).await;
    assert_eq!(
        (done["status"].as_str(), done["environment"].as_str()),
        (Some("succeeded"), Some("pr-2")),
        "{done}"
    );
    let preview = server.get("/api/apps/hello/environments/pr-2").await;
    assert_eq!(preview["preview"]["number"], 2, "{preview}");
    assert_eq!(preview["currentCommit"]["sha"], head.as_str());
    let comment = comment_saying(&github, 2, "deployed").await;
    assert!(
        comment.body.contains("`pr-2`") && comment.body.contains(&head[..7]),
        "{}",
        comment.body
    );
    assert!(
        comment
            .body
            .contains(&format!("{}/deployments/{id}", server.base)),
        "{}",
        comment.body
    );

    // A push to the pull request redeploys its preview and edits the same comment.
    let newer = server
        .repo
        .commit_message("pricing v2", "Tune the pricing page");
    let (status, sync) = server
        .deliver_webhook(
            "pull_request",
            "pr-2-sync",
            &event("synchronize", 2, &newer, "Codertocat/Hello-World"),
        )
        .await;
    assert_eq!(status, 202, "{sync}");
    assert_eq!(
        live.finished(sync["deployments"][0].as_str().unwrap())
            .await["status"],
        "succeeded"
    );
    let edited = comment_saying(&github, 2, &newer[..7]).await;
    assert_eq!(edited.id, comment.id);
    assert!(edited.edits >= 1);

    // The same delivery again is not a second deployment.
    let (status, again) = server
        .deliver_webhook(
            "pull_request",
            "pr-2-opened",
            &event("opened", 2, &head, "Codertocat/Hello-World"),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    let (status, err) = server
        .post("/api/apps/hello/environments/pr-2/promote", json!({}))
        .await;
    assert_eq!(status, 409, "{err}");

    // A fork's pull request waits for someone to look at it.
    let (status, fork) = server
        .deliver_webhook(
            "pull_request",
            "pr-3-opened",
            &event("opened", 3, &head, "mallory/Hello-World"),
        )
        .await;
    assert_eq!(status, 202, "{fork}");
    let waiting = server
        .deployment(fork["deployments"][0].as_str().unwrap())
        .await;
    assert_eq!(waiting["status"], "awaiting_approval", "{waiting}");

    // Closing tears pr-2 down and removes it; pr-3 never ran, so it goes at once.
    let (status, closed) = server
        .deliver_webhook(
            "pull_request",
            "pr-2-closed",
            &event("closed", 2, &head, "Codertocat/Hello-World"),
        )
        .await;
    assert_eq!(status, 202, "{closed}");
    let teardown = live
        .finished(closed["deployments"][0].as_str().unwrap())
        .await;
    assert_eq!(teardown["status"], "succeeded", "{teardown}");
    // The environment goes right after its teardown's end is published (no event says so).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = server
            .call(
                reqwest::Method::GET,
                "/api/apps/hello/environments/pr-2",
                None,
            )
            .await;
        if status == 404 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "pr-2 is still there"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // On GitHub: the comment says so, and the environment has no active deployment left.
    comment_saying(&github, 2, "torn down").await;
    let statuses: Vec<String> = github
        .reports()
        .iter()
        .filter(|r| r.kind == "deployment_status")
        .filter_map(|r| r.body["state"].as_str().map(str::to_string))
        .collect();
    assert!(statuses.contains(&"inactive".to_string()), "{statuses:?}");
    let (status, _) = server
        .deliver_webhook(
            "pull_request",
            "pr-3-closed",
            &event("closed", 3, &head, "mallory/Hello-World"),
        )
        .await;
    assert_eq!(status, 200);
    let app = server.get("/api/apps/hello").await;
    let names: Vec<&str> = app["environments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["development", "staging", "production"]);
}
