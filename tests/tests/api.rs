//! The HTTP edge as a client meets it: authentication, webhooks, validation errors, secrets.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use trellis_e2e::{Server, TOKEN, WEBHOOK_SECRET, fixture};

fn sign(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(
    server: &Server,
    event: &str,
    delivery: &str,
    body: &[u8],
    signature: Option<String>,
) -> (u16, Value) {
    let mut req = server
        .http
        .post(server.url("/api/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .body(body.to_vec());
    if let Some(sig) = signature {
        req = req.header("x-hub-signature-256", sig);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// An app connected to the repository of the octokit push fixtures, tracking `master`.
async fn github_app(server: &Server) {
    let body: Value = serde_json::from_slice(&fixture("github/push-new-branch.json")).unwrap();
    let full_name = body["repository"]["full_name"].as_str().unwrap();
    let (status, app) = server
        .post(
            "/api/apps",
            json!({
                "name": "hello",
                "repository": {"provider": "github", "fullName": full_name, "installationId": 1},
                "environments": [
                    {"name": "development", "branch": "master"},
                    {"name": "production", "protected": true}
                ],
                // The runner cannot reach GitHub from here: make it fail fast and visibly.
                "settings": {"timeoutMinutes": 1}
            }),
        )
        .await;
    assert_eq!(status, 201, "{app}");
}

async fn all_deployments(server: &Server) -> usize {
    let mut n = 0;
    for env in ["development", "production"] {
        n += server
            .get(&format!("/api/apps/hello/environments/{env}/deployments"))
            .await
            .as_array()
            .unwrap()
            .len();
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_verified_deduplicated_and_filtered() {
    let server = Server::start().await;
    github_app(&server).await;
    let push = fixture("github/push-new-branch.json");

    // Wrongly signed, unsigned: refused, nothing created.
    let (status, body) = deliver(&server, "push", "d-1", &push, Some(sign(&push, "wrong"))).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = deliver(&server, "push", "d-1", &push, None).await;
    assert_eq!(status, 401);
    let mut tampered = push.clone();
    tampered.push(b' ');
    let (status, _) = deliver(
        &server,
        "push",
        "d-1",
        &tampered,
        Some(sign(&push, WEBHOOK_SECRET)),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(all_deployments(&server).await, 0);

    // Correctly signed: one deployment in the tracking environment, none in production.
    let (status, body) = deliver(
        &server,
        "push",
        "d-1",
        &push,
        Some(sign(&push, WEBHOOK_SECRET)),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["deployments"].as_array().unwrap().len(), 1);
    assert_eq!(all_deployments(&server).await, 1);

    // A redelivery creates nothing.
    let (status, body) = deliver(
        &server,
        "push",
        "d-1",
        &push,
        Some(sign(&push, WEBHOOK_SECRET)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["ignored"].as_str().unwrap().contains("already"));
    assert_eq!(all_deployments(&server).await, 1);

    // Tag pushes, branch deletions and pings are answered with why nothing happens.
    let tag = fixture("github/push-tag-deleted.json");
    let (status, body) = deliver(
        &server,
        "push",
        "d-2",
        &tag,
        Some(sign(&tag, WEBHOOK_SECRET)),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["ignored"].as_str().unwrap().contains("tag"), "{body}");
    let mut deletion: Value = serde_json::from_slice(&push).unwrap();
    deletion["deleted"] = json!(true);
    deletion["created"] = json!(false);
    deletion["after"] = json!("0000000000000000000000000000000000000000");
    deletion["head_commit"] = Value::Null;
    let deletion = serde_json::to_vec(&deletion).unwrap();
    let (status, body) = deliver(
        &server,
        "push",
        "d-3",
        &deletion,
        Some(sign(&deletion, WEBHOOK_SECRET)),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body["ignored"].as_str().unwrap().contains("deleted"),
        "{body}"
    );
    let ping = fixture("github/ping.json");
    let (status, body) = deliver(
        &server,
        "ping",
        "d-4",
        &ping,
        Some(sign(&ping, WEBHOOK_SECRET)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(all_deployments(&server).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_but_health_needs_the_token() {
    let server = Server::start().await;
    let health = server
        .http
        .get(server.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let openapi: Value = server
        .http
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/apps",
        "/api/apps/{app}/environments/{env}/promote",
        "/api/deployments/{id}/logs",
        "/api/webhooks/github",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} documented");
    }

    for (method, path) in [
        (reqwest::Method::GET, "/api/apps"),
        (reqwest::Method::POST, "/api/apps"),
        (reqwest::Method::GET, "/api/deployments/x/logs"),
    ] {
        let resp = server
            .http
            .request(method.clone(), server.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{method} {path}");
        let resp = server
            .http
            .request(method.clone(), server.url(path))
            .bearer_auth("not-the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{method} {path}");
    }
    let ws = tokio_tungstenite::connect_async(format!(
        "{}/api/ws?token=wrong",
        server.base.replace("http://", "ws://")
    ))
    .await;
    assert!(ws.is_err(), "a WebSocket with a wrong token is refused");
    let (status, _) = server.call(reqwest::Method::GET, "/api/apps", None).await;
    assert_eq!(status, 200);
    assert!(!TOKEN.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_precise_4xx_and_writes_nothing() {
    let server = Server::start().await;
    let repo = server.repo.path.display().to_string();
    let raw = |body: Vec<u8>| {
        server
            .http
            .post(server.url("/api/apps"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let resp = raw(b"{\"name\": \"x\",".to_vec()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");

    // Its own client: the server closes a connection whose body it refused to read.
    let resp = reqwest::Client::new()
        .post(server.url("/api/apps"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large");

    let cases = [
        (
            json!({"name": "Bad Name", "repository": {"provider": "local", "path": repo}}),
            "name",
        ),
        (
            json!({"name": "ok", "repository": {"provider": "local", "path": 5}}),
            "repository.path",
        ),
        (
            json!({"name": "ok", "repository": {"provider": "local", "path": repo}, "colour": 1}),
            "colour",
        ),
        (
            json!({"name": "ok", "repository": {"provider": "local", "path": "/no/such/repo"}}),
            "repository",
        ),
        (
            json!({"name": "ok", "repository": {"provider": "github", "fullName": "nope", "installationId": 1}}),
            "repository.fullName",
        ),
        (
            json!({"name": "ok", "repository": {"provider": "local", "path": repo},
                "environments": [{"name": "dev"}, {"name": "Prod"}]}),
            "environments[1].name",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = server.post("/api/apps", body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
        assert_eq!(err["error"]["field"], field, "{body} → {err}");
        assert!(!err["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        server.get("/api/apps").await,
        json!([]),
        "nothing was written"
    );

    server.register_sample().await;
    let (status, err) = server
        .post(
            "/api/apps/sample/environments/development/promote",
            json!({}),
        )
        .await;
    assert_eq!(status, 409);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no succeeded deployment")
    );
    let (status, _) = server
        .call(reqwest::Method::GET, "/api/apps/nope", None)
        .await;
    assert_eq!(status, 404);
    let (status, err) = server
        .call(
            reqwest::Method::GET,
            "/api/deployments/x/logs?after=abc",
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "after");
    let (status, _) = server
        .post("/api/apps/sample/environments/production/deploy", json!({}))
        .await;
    assert_eq!(
        status, 409,
        "production is deployed only by promote or rollback"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_write_only_and_masked_in_logs() {
    let server = Server::start().await;
    server.register_sample().await;
    let secret = "hunter2-super-secret";
    let env = server
        .patch(
            "/api/apps/sample/environments/development",
            json!({
                "testsEnabled": false,
                "variables": {"GREETING": "hello"},
                "secrets": {"API_KEY": secret},
                "settings": {"deployCommand": "echo \"key=$API_KEY greeting=$GREETING\" && npm run deploy"}
            }),
        )
        .await;
    assert_eq!(env["secretNames"], json!(["API_KEY"]));
    assert!(!env.to_string().contains(secret));
    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let id = server.start_deploy("development").await;
    let done = live.finished(&id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let (lines, _) = server.logs(&id).await;
    let all: String = lines
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all.contains("key=*** greeting=hello"), "{all}");
    assert!(!all.contains(secret));
    assert!(!server.deployment(&id).await.to_string().contains(secret));
}
