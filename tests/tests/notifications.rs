//! Notifications end to end on a real server: a webhook receiver that fails twice, then
//! answers, gets each chosen event once, signed with the destination's key; a Slack
//! destination gets a line of text; the failures are visible, the URL never is.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use trellis_e2e::*;

#[derive(Default)]
struct Received {
    /// (path, headers, body) of every request, answered or not.
    requests: Vec<(String, HeaderMap, String)>,
    /// How many requests to `/hook` are still to be answered 500.
    failures: u32,
}

async fn receiver(failures: u32) -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received {
        failures,
        ..Default::default()
    }));
    let r = received.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
            let r = r.clone();
            async move {
                let mut r = r.lock().unwrap();
                r.requests.push((uri.path().to_string(), headers, body));
                if uri.path() == "/hook" && r.failures > 0 {
                    r.failures -= 1;
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                StatusCode::NO_CONTENT
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

/// The destination's deliveries once `done` holds (sent in the background: the API is asked
/// until then, 30 s at most).
async fn deliveries(server: &Server, id: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let list = server
            .get(&format!("/api/apps/sample/notifications/{id}/deliveries"))
            .await;
        let list = list.as_array().cloned().unwrap_or_default();
        if done(&list) {
            return list;
        }
        assert!(tokio::time::Instant::now() < deadline, "{list:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_each_event_once_signed_and_the_failures_show() {
    let server = Server::start_with_env(&[("TRELLIS_FEEDBACK_RETRY_MS", "100")]).await;
    server.register_sample().await;
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": false}),
        )
        .await;
    let (base, received) = receiver(2).await;

    // What may not be a destination.
    for (url, events, field) in [
        (
            "http://example.com/hook",
            json!(["deployment.failed"]),
            "url",
        ),
        (
            "http://169.254.169.254/latest",
            json!(["deployment.failed"]),
            "url",
        ),
        (base.as_str(), json!(["deployment.exploded"]), "events"),
        (base.as_str(), json!([]), "events"),
    ] {
        let (status, err) = server
            .post(
                "/api/apps/sample/notifications",
                json!({"name": "x", "kind": "webhook", "url": url, "events": events}),
            )
            .await;
        assert_eq!(
            (status, err["error"]["field"].as_str()),
            (422, Some(field)),
            "{url}: {err}"
        );
    }

    let (status, created) = server
        .post(
            "/api/apps/sample/notifications",
            json!({"name": "ops", "kind": "webhook", "url": format!("{base}/hook"),
                "events": ["deployment.succeeded", "deployment.failed"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["signingKey"].as_str().unwrap().to_string();
    let id = created["destination"]["id"].as_str().unwrap().to_string();
    let (_, slack) = server
        .post(
            "/api/apps/sample/notifications",
            json!({"name": "team chat", "kind": "slack", "url": format!("{base}/slack"),
                "events": ["deployment.succeeded"]}),
        )
        .await;
    assert_eq!(slack["signingKey"], Value::Null, "{slack}");
    let listed = server.get("/api/apps/sample/notifications").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert!(
        !listed.to_string().contains("/hook"),
        "the URL is write-only: {listed}"
    );

    let live = server.live().await;
    live.subscribe(json!({"app": "sample"})).await;
    let (_, started) = server
        .post(
            "/api/apps/sample/environments/development/deploy",
            json!({}),
        )
        .await;
    let dep = started["id"].as_str().unwrap().to_string();
    assert_eq!(live.finished(&dep).await["status"], "succeeded");

    let sent = deliveries(&server, &id, |l| {
        l.iter().any(|d| !d["deliveredAt"].is_null())
    })
    .await;
    assert_eq!(sent.len(), 1, "one event chosen and happened: {sent:?}");
    assert_eq!(
        (sent[0]["event"].as_str(), sent[0]["attempts"].as_u64()),
        (Some("deployment.succeeded"), Some(3)),
        "{sent:?}"
    );
    assert!(sent[0]["lastError"].is_null(), "{sent:?}");
    // The two failures stay visible after the delivery succeeded.
    let failures = sent[0]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2, "{sent:?}");
    assert!(
        failures[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 500"),
        "{sent:?}"
    );

    let requests = received.lock().unwrap().requests.clone();
    let hooks: Vec<&(String, HeaderMap, String)> =
        requests.iter().filter(|(p, _, _)| p == "/hook").collect();
    assert!(hooks.len() >= 3, "{} requests", hooks.len());
    let deliveries_ids: std::collections::BTreeSet<&str> = hooks
        .iter()
        .map(|(_, h, _)| h["x-trellis-delivery"].to_str().unwrap())
        .collect();
    assert_eq!(
        deliveries_ids.len(),
        1,
        "retries carry the same delivery id"
    );
    for (_, headers, body) in &hooks {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(headers["x-trellis-signature-256"], expected.as_str());
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            (v["event"].as_str(), v["deployment"]["id"].as_str()),
            (Some("deployment.succeeded"), Some(dep.as_str()))
        );
    }
    let slack_text = requests
        .iter()
        .find(|(p, _, _)| p == "/slack")
        .map(|(_, _, b)| serde_json::from_str::<Value>(b).unwrap())
        .expect("the Slack destination heard of it");
    assert!(
        slack_text["text"]
            .as_str()
            .unwrap()
            .starts_with("sample: deployed "),
        "{slack_text}"
    );

    // A failing deployment is heard of too; removing the destination stops it.
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"settings": {"deployCommand": "exit 3"}}),
        )
        .await;
    let (_, failing) = server
        .post(
            "/api/apps/sample/environments/development/deploy",
            json!({}),
        )
        .await;
    assert_eq!(
        live.finished(failing["id"].as_str().unwrap()).await["status"],
        "failed"
    );
    let sent = deliveries(&server, &id, |l| {
        l.iter()
            .any(|d| d["event"] == "deployment.failed" && !d["deliveredAt"].is_null())
    })
    .await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let (status, _) = server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/apps/sample/notifications/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, audit) = server
        .call(reqwest::Method::GET, "/api/audit?app=sample", None)
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"notification.create") && actions.contains(&"notification.delete"),
        "{actions:?}"
    );
}
