//! A delivery whose processing failed must be processed when GitHub redelivers it: it is
//! not left recorded as done.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use common::*;
use hmac::{Hmac, Mac};
use tower::ServiceExt;
use trellis_core::model::Repository;
use trellis_core::requests::{NewApp, NewEnvironment};
use trellis_http::AppState;
use trellis_http::auth::ApiToken;
use trellis_http::forwarder::LogForwarder;
use trellis_http::webhook::WebhookSecret;

const SECRET: &str = "redelivery-secret";

fn push_body() -> Vec<u8> {
    trellis_core::conformance::fixture("github/push-new-branch.json")
}

fn delivery(body: &[u8]) -> Request<Body> {
    delivery_with_id(body, "delivery-42")
}

fn delivery_with_id(body: &[u8], id: &str) -> Request<Body> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    Request::post("/api/webhooks/github")
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", id)
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
        )
        .body(Body::from(body.to_vec()))
        .unwrap()
}

#[tokio::test]
async fn a_delivery_that_failed_is_processed_when_redelivered() {
    let h = harness();
    let body = push_body();
    let payload: serde_json::Value = serde_json::from_slice(&body).unwrap();
    h.pipeline
        .create_app(NewApp {
            name: "hello".into(),
            repository: Repository::Github {
                full_name: payload["repository"]["full_name"].as_str().unwrap().into(),
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
    let router = || {
        trellis_http::router(AppState {
            pipeline: h.pipeline.clone(),
            access: h.access.clone(),
            token: Arc::new(ApiToken::new("unused")),
            webhook_secret: Arc::new(WebhookSecret::new(SECRET)),
            forwarder: Arc::new(LogForwarder::new(h.store.clone(), h.notifier.clone())),
            github: None,
            feedback: None,
            notifications: None,
            caches: None,
        })
    };

    // A record the store cannot read makes processing fail.
    let db = rusqlite::Connection::open(h._dir.path().join("t.db")).unwrap();
    db.execute(
        "INSERT INTO apps (name, version, body) VALUES ('zz-broken', 1, 'not json')",
        [],
    )
    .unwrap();
    let failed = router().oneshot(delivery(&body)).await.unwrap();
    assert_eq!(failed.status().as_u16(), 500);
    assert_eq!(h.launches(), 0);

    db.execute("DELETE FROM apps WHERE name = 'zz-broken'", [])
        .unwrap();
    let redelivered = router().oneshot(delivery(&body)).await.unwrap();
    assert_eq!(
        redelivered.status().as_u16(),
        202,
        "the redelivery is processed, not ignored as already done"
    );
    assert_eq!(h.launches(), 1);
    let again = router().oneshot(delivery(&body)).await.unwrap();
    assert_eq!(
        again.status().as_u16(),
        200,
        "a processed delivery stays deduplicated"
    );
}

async fn hello_app() -> (Harness, axum::Router) {
    let h = harness();
    let payload: serde_json::Value = serde_json::from_slice(&push_body()).unwrap();
    h.pipeline
        .create_app(NewApp {
            name: "hello".into(),
            repository: Repository::Github {
                full_name: payload["repository"]["full_name"].as_str().unwrap().into(),
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
    (h, router)
}

#[tokio::test]
async fn a_captured_push_replayed_under_new_delivery_ids_queues_nothing() {
    let (h, router) = hello_app().await;
    let body = push_body();
    let first = router
        .clone()
        .oneshot(delivery_with_id(&body, "d-1"))
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 202);
    // Once the commit is no longer the one running (a later push went out), a replay of the
    // old signed payload would deploy the old commit again.
    let running = h
        .env_named("hello", "development")
        .await
        .running_deployment
        .unwrap();
    h.pipeline.finish(&running, succeed()).await.unwrap();
    for id in ["d-2", "d-3"] {
        let replay = router
            .clone()
            .oneshot(delivery_with_id(&body, id))
            .await
            .unwrap();
        assert_eq!(replay.status().as_u16(), 200);
        let text = axum::body::to_bytes(replay.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&text);
        assert!(text.contains("already received"), "{text}");
    }
    assert_eq!(h.launches(), 1);
}

#[tokio::test]
async fn an_oversized_delivery_is_refused_before_its_signature_is_checked() {
    let (h, router) = hello_app().await;
    let huge = vec![b' '; trellis_http::webhook::MAX_WEBHOOK_BYTES + 1];
    let request = Request::post("/api/webhooks/github")
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", "d-huge")
        .header("x-hub-signature-256", "sha256=00")
        .body(Body::from(huge))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(trellis_http::webhook::MAX_WEBHOOK_BYTES, 6 * 1024 * 1024);
    assert_eq!(h.launches(), 0);
}
