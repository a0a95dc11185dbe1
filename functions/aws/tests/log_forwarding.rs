//! The log forwarder as the CloudWatch Logs subscription Lambda runs it: DynamoDB on moto for
//! the store, and a small recording HTTP server standing in for API Gateway's `@connections`
//! endpoint (it answers 410 Gone for a connection that has left).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use trellis_aws::{ApiGatewayNotifier, DynamoStore};
use trellis_core::model::{Connection, DeploymentStatus, Topic};
use trellis_core::ports::{DeploymentStore, Expect, Write};
use trellis_http::forwarder::{
    LogForwarder, encode_subscription, subscription_data, subscription_payload,
};
use trellis_http::live::MAX_MESSAGE_BYTES;

type Posts = Arc<Mutex<Vec<(String, String)>>>;

async fn record(State(posts): State<Posts>, Path(id): Path<String>, body: String) -> StatusCode {
    if id == "gone" {
        return StatusCode::GONE;
    }
    posts.lock().unwrap().push((id, body));
    StatusCode::OK
}

struct Setup {
    store: Arc<DynamoStore>,
    forwarder: LogForwarder,
    posts: Posts,
    deployment: String,
}

async fn setup() -> Setup {
    let posts: Posts = Arc::default();
    let app = Router::new()
        .route("/@connections/{id}", post(record))
        .with_state(posts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let config = trellis_aws::testing::sdk_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let table = trellis_aws::testing::unique("trellis-forwarder");
    DynamoStore::create_table(&dynamo, &table).await.unwrap();
    let store = Arc::new(DynamoStore::new(dynamo, table));
    let deployment =
        trellis_core::conformance::deployment("shop", "dev", 1, DeploymentStatus::Running);
    store
        .commit(vec![Write::PutDeployment(
            deployment.clone(),
            Expect::Absent,
        )])
        .await
        .unwrap();
    for (conn, topic) in [
        ("watcher", Topic::Deployment(deployment.id.clone())),
        ("dashboard", Topic::App("shop".into())),
        ("gone", Topic::App("shop".into())),
        ("elsewhere", Topic::App("blog".into())),
    ] {
        store
            .put_connection(&Connection {
                id: conn.into(),
                login: None,
                connected_at: trellis_core::conformance::at(0),
                expires_at: trellis_core::conformance::at(7_200_000),
            })
            .await
            .unwrap();
        store.subscribe(conn, &topic).await.unwrap();
    }
    let management = aws_sdk_apigatewaymanagement::Client::from_conf(
        aws_sdk_apigatewaymanagement::config::Builder::from(&config)
            .endpoint_url(url)
            .build(),
    );
    let notifier = Arc::new(ApiGatewayNotifier::new(management, store.clone()));
    Setup {
        forwarder: LogForwarder::new(store.clone(), notifier),
        store,
        posts,
        deployment: deployment.id,
    }
}

#[tokio::test]
async fn lines_are_stored_and_pushed_to_subscribers_and_gone_connections_removed() {
    let s = setup().await;
    let stream = format!("build-runner/runner/{}", s.deployment);
    let lines: Vec<(i64, String)> = (0..3).map(|i| (1_000 + i, format!("step {i}"))).collect();
    let summary = s
        .forwarder
        .handle_json(&subscription_payload("/ecs/trellis", &stream, &lines, 1))
        .await
        .unwrap();
    assert_eq!(summary.stored, 3);

    let stored = s.store.read_logs(&s.deployment, 0, 100).await.unwrap();
    assert_eq!(stored.iter().map(|l| l.seq).collect::<Vec<_>>(), [1, 2, 3]);
    let posts = s.posts.lock().unwrap().clone();
    let mut to: Vec<&str> = posts.iter().map(|(id, _)| id.as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        ["dashboard", "watcher"],
        "each subscriber once, nobody else"
    );
    let message: serde_json::Value = serde_json::from_str(&posts[0].1).unwrap();
    assert_eq!(message["type"], "log");
    assert_eq!(message["deploymentId"], s.deployment.as_str());
    assert_eq!(message["lines"][2]["text"], "step 2");

    assert!(
        !s.store
            .subscribers(&Topic::App("shop".into()))
            .await
            .unwrap()
            .contains(&"gone".to_string()),
        "a 410 Gone connection is forgotten"
    );
}

#[tokio::test]
async fn a_batch_over_the_message_limit_is_split_in_order() {
    let s = setup().await;
    let stream = format!("deployments/{}", s.deployment);
    let big = "y".repeat(6_000);
    let lines: Vec<(i64, String)> = (0..60).map(|i| (i, format!("{i:03} {big}"))).collect();
    s.forwarder
        .handle_json(&subscription_payload("/ecs/trellis", &stream, &lines, 1))
        .await
        .unwrap();
    let posts = s.posts.lock().unwrap().clone();
    let to_watcher: Vec<&String> = posts
        .iter()
        .filter(|(id, _)| id == "watcher")
        .map(|(_, body)| body)
        .collect();
    assert!(to_watcher.len() > 1, "split into several messages");
    let mut seqs = Vec::new();
    for body in to_watcher {
        assert!(body.len() <= MAX_MESSAGE_BYTES, "{} bytes", body.len());
        assert!(body.len() < 128 * 1024);
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        seqs.extend(
            v["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["seq"].as_u64().unwrap()),
        );
    }
    assert_eq!(seqs, (1..=60).collect::<Vec<_>>());
}

#[tokio::test]
async fn control_messages_and_unknown_streams_post_nothing() {
    let s = setup().await;
    let mut control = subscription_data("/ecs/trellis", "whatever", &[], 1);
    control.message_type = "CONTROL_MESSAGE".into();
    let summary = s
        .forwarder
        .handle_json(&encode_subscription(&control))
        .await
        .unwrap();
    assert!(summary.control_message);
    let summary = s
        .forwarder
        .handle_json(&subscription_payload(
            "/ecs/trellis",
            "runner/runner/unknown-task",
            &[(1, "x".into())],
            1,
        ))
        .await
        .unwrap();
    assert_eq!(
        summary.unknown_stream.as_deref(),
        Some("runner/runner/unknown-task")
    );
    assert!(s.posts.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_redelivered_payload_is_stored_and_pushed_once() {
    let s = setup().await;
    let stream = format!("build-runner/runner/{}", s.deployment);
    let first: Vec<(i64, String)> = (0..3).map(|i| (1_000 + i, format!("step {i}"))).collect();
    let second: Vec<(i64, String)> = (3..5).map(|i| (1_000 + i, format!("step {i}"))).collect();
    let payload = subscription_payload("/ecs/trellis", &stream, &first, 1);
    assert_eq!(s.forwarder.handle_json(&payload).await.unwrap().stored, 3);
    // Lambda retries an invocation that failed after storing: the same payload again.
    assert_eq!(s.forwarder.handle_json(&payload).await.unwrap().stored, 0);
    let next = subscription_payload("/ecs/trellis", &stream, &second, 4);
    assert_eq!(s.forwarder.handle_json(&next).await.unwrap().stored, 2);
    assert_eq!(s.forwarder.handle_json(&payload).await.unwrap().stored, 0);

    let stored = s.store.read_logs(&s.deployment, 0, 100).await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|l| (l.seq, l.text.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, "step 0"),
            (2, "step 1"),
            (3, "step 2"),
            (4, "step 3"),
            (5, "step 4")
        ],
        "each line once, gapless"
    );
    let pushed: Vec<u64> = s
        .posts
        .lock()
        .unwrap()
        .iter()
        .filter(|(id, _)| id == "watcher")
        .flat_map(|(_, body)| {
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            v["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["seq"].as_u64().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(pushed, [1, 2, 3, 4, 5], "a redelivery pushes nothing");
}
