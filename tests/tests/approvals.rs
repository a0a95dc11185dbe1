//! An environment that requires approval, end to end on a real server: a request waits, the
//! requester and a deployer cannot let it through, another admin can; a rejection ends it
//! with its reason; the audit log of the app shows every attempt.

use reqwest::Method;
use serde_json::{Value, json};
use trellis_e2e::*;

async fn signed_in(github: &GithubStandIn, server: &Server, login: &str) -> Browser {
    let mut browser = Browser::new(server);
    github.sign_in_as(login);
    browser.sign_in("/").await;
    browser.me().await;
    browser
}

async fn promote(browser: &Browser) -> Value {
    let (status, d) = browser
        .call(
            Method::POST,
            "/api/apps/sample/environments/development/promote",
            Some(json!({})),
            true,
        )
        .await;
    assert_eq!(status, 202, "{d}");
    d
}

#[tokio::test]
async fn a_deployment_waits_for_another_admin_and_a_rejection_says_why() {
    let (github, server) = with_github().await;
    server.register_sample().await;
    for (login, role) in [("ada", "admin"), ("grace", "admin"), ("bob", "deployer")] {
        server.set_role("sample", login, role).await;
    }
    let staging = "/api/apps/sample/environments/staging";
    let (status, err) = server
        .call(
            Method::PATCH,
            staging,
            Some(json!({"requiresApproval": true, "autoDeploy": true})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("requiresApproval")),
        "{err}"
    );
    server
        .patch(staging, json!({"requiresApproval": true}))
        .await;
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let (status, first) = server
        .post(
            "/api/apps/sample/environments/development/deploy",
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{first}");
    let first = live.finished(first["id"].as_str().unwrap()).await;
    assert_eq!(first["status"], "succeeded", "{first}");

    let (ada, grace, bob) = (
        signed_in(&github, &server, "ada").await,
        signed_in(&github, &server, "grace").await,
        signed_in(&github, &server, "bob").await,
    );

    // A deployer's request waits; an admin turns it down with a reason.
    let waiting = promote(&bob).await;
    assert_eq!(
        (waiting["status"].as_str(), waiting["requestedBy"].as_str()),
        (Some("awaiting_approval"), Some("bob"))
    );
    let id = waiting["id"].as_str().unwrap().to_string();
    let (status, err) = bob
        .call(
            Method::POST,
            &format!("/api/deployments/{id}/approve"),
            Some(json!({})),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(message(&err).contains("admin"), "{err}");
    let (status, err) = grace
        .call(
            Method::POST,
            &format!("/api/deployments/{id}/reject"),
            Some(json!({"reason": ""})),
            true,
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("reason")),
        "{err}"
    );
    let (status, rejected) = grace
        .call(
            Method::POST,
            &format!("/api/deployments/{id}/reject"),
            Some(json!({"reason": "freeze until Monday"})),
            true,
        )
        .await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(rejected["status"], "cancelled", "{rejected}");
    assert!(
        rejected["error"]
            .as_str()
            .unwrap_or_default()
            .contains("rejected by grace: freeze until Monday"),
        "{rejected}"
    );

    // An admin's own request needs another admin.
    let waiting = promote(&ada).await;
    let id = waiting["id"].as_str().unwrap().to_string();
    let (status, err) = ada
        .call(
            Method::POST,
            &format!("/api/deployments/{id}/approve"),
            Some(json!({})),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(
        message(&err).contains("someone else must approve it"),
        "{err}"
    );
    assert_eq!(server.deployment(&id).await["status"], "awaiting_approval");
    let (status, approved) = grace
        .call(
            Method::POST,
            &format!("/api/deployments/{id}/approve"),
            Some(json!({})),
            true,
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["approvedBy"], "grace", "{approved}");
    let done = live.finished(&id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        server.environment("staging").await["currentCommit"]["sha"],
        first["commit"]["sha"]
    );

    // Each attempt, allowed or refused, is in the app's own audit log.
    let (_, log) = server
        .call(Method::GET, "/api/audit?app=sample", None)
        .await;
    let seen: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| matches!(e["action"].as_str(), Some("approve" | "reject")))
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        seen,
        [
            expect("grace", "approve", "succeeded"),
            expect("ada", "approve", "refused"),
            expect("grace", "reject", "succeeded"),
            expect("grace", "reject", "failed"),
            expect("bob", "approve", "refused"),
        ],
        "{log}"
    );
}
