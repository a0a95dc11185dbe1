//! Many signed pushes to one environment at once: every valid delivery is accepted (GitHub
//! does not redeliver by itself), the lock holds throughout, and the newest push wins.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::*;
use hmac::{Hmac, Mac};
use tower::ServiceExt;
use trellis_core::model::{DeploymentStatus, Repository};
use trellis_core::ports::DeploymentStore;
use trellis_core::requests::{NewApp, NewEnvironment};
use trellis_http::AppState;
use trellis_http::auth::ApiToken;
use trellis_http::forwarder::LogForwarder;
use trellis_http::webhook::WebhookSecret;

const SECRET: &str = "concurrent-pushes-secret";
const PUSHES: usize = 300;
const AT_ONCE: usize = 20;

fn sha(i: usize) -> String {
    format!("{i:040x}")
}

/// A signed push of commit `i` (its parent is commit `i - 1`).
fn push_delivery(i: usize) -> Request<Body> {
    let mut p: serde_json::Value = serde_json::from_slice(&trellis_core::conformance::fixture(
        "github/push-new-branch.json",
    ))
    .unwrap();
    p["before"] = sha(i.saturating_sub(1)).into();
    p["after"] = sha(i).into();
    p["created"] = false.into();
    p["head_commit"]["id"] = sha(i).into();
    p["head_commit"]["message"] = format!("push {i}").into();
    let body = serde_json::to_vec(&p).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&body);
    Request::post("/api/webhooks/github")
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", format!("delivery-{i}"))
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
        )
        .body(Body::from(body))
        .unwrap()
}

async fn assert_lock_holds(store: &dyn DeploymentStore) {
    let list = store
        .list_deployments("hello", "development", 1000, None)
        .await
        .unwrap();
    let running = list
        .iter()
        .filter(|d| d.status == DeploymentStatus::Running)
        .count();
    let queued = list
        .iter()
        .filter(|d| d.status == DeploymentStatus::Queued)
        .count();
    assert!(
        running <= 1 && queued <= 1,
        "{running} running, {queued} queued"
    );
}

/// Ends every running deployment (as its runner would), which starts the queued one.
async fn finish_running(h: &Harness) {
    for d in h.store.list_active_deployments().await.unwrap() {
        if d.status == DeploymentStatus::Running {
            h.pipeline.finish(&d.id, succeed()).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_pushes_twenty_at_a_time_are_all_accepted_and_the_newest_wins() {
    let h = harness();
    h.pipeline
        .create_app(NewApp {
            name: "hello".into(),
            repository: Repository::Github {
                full_name: "Codertocat/Hello-World".into(),
                installation_id: 1,
            },
            settings: Default::default(),
            environments: Some(vec![NewEnvironment {
                name: "development".into(),
                branch: Some("master".into()),
                ..Default::default()
            }]),
        })
        .await
        .unwrap();
    let router = trellis_http::router(AppState {
        pipeline: h.pipeline.clone(),
        access: h.access.clone(),
        token: Arc::new(ApiToken::new("unused-token-0123456789")),
        webhook_secret: Arc::new(WebhookSecret::new(SECRET)),
        forwarder: Arc::new(LogForwarder::new(h.store.clone(), h.notifier.clone())),
        github: None,
        feedback: None,
        notifications: None,
        caches: None,
    });

    let gate = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut sent = tokio::task::JoinSet::new();
    // All but the last at once (20 in flight); the last one after them, so it is the newest.
    for i in 1..PUSHES {
        let (router, gate) = (router.clone(), gate.clone());
        sent.spawn(async move {
            let _slot = gate.acquire_owned().await.unwrap();
            let response = router.oneshot(push_delivery(i)).await.unwrap();
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (i, status, String::from_utf8_lossy(&body).into_owned())
        });
    }
    let mut refused = Vec::new();
    while let Some(done) = sent.join_next().await {
        let (i, status, body) = done.unwrap();
        if !(200..300).contains(&status) {
            refused.push(format!("push {i}: {status} {body}"));
        }
        assert_lock_holds(h.store.as_ref()).await;
        finish_running(&h).await;
    }
    assert!(
        refused.is_empty(),
        "{} refused: {refused:#?}",
        refused.len()
    );

    let last = router.oneshot(push_delivery(PUSHES)).await.unwrap();
    assert_eq!(last.status().as_u16(), 202);
    // Drain: whatever is running and queued ends.
    for _ in 0..3 {
        finish_running(&h).await;
        assert_lock_holds(h.store.as_ref()).await;
    }
    let env = h
        .pipeline
        .get_environment("hello", "development")
        .await
        .unwrap();
    assert!(env.running_deployment.is_none() && env.queued_deployment.is_none());
    assert_eq!(
        env.current_commit.map(|c| c.sha),
        Some(sha(PUSHES)),
        "the newest push is what ends deployed"
    );
}
