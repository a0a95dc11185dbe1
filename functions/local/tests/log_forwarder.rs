//! The log forwarder on real CloudWatch Logs subscription payloads: stored in order with a
//! gapless seq, pushed to subscribers, control messages and unknown streams ignored.

mod common;

use common::*;
use trellis_core::model::Topic;
use trellis_core::ports::{DeploymentStore, LiveEvent};
use trellis_http::forwarder::{LogForwarder, subscription_payload};
use trellis_local::hub::LocalHub;

#[tokio::test]
async fn the_recorded_subscription_event_decodes_and_its_unknown_stream_is_skipped() {
    let h = harness();
    let forwarder = LogForwarder::new(h.store.clone(), h.notifier.clone());
    let raw = trellis_core::conformance::fixture("aws/cloudwatch-logs-subscription.json");
    let summary = forwarder.handle_json(&raw).await.unwrap();
    assert_eq!(summary.unknown_stream.as_deref(), Some("testLogStream"));
    assert_eq!(summary.stored, 0);
}

#[tokio::test]
async fn lines_are_stored_with_gapless_seq_and_pushed_to_subscribers() {
    let h = harness();
    h.app().await;
    let d = h.pipeline.handle_push(push("f1")).await.unwrap().remove(0);
    let hub = std::sync::Arc::new(LocalHub::new());
    let (conn, mut rx) = hub.connect();
    hub.subscribe(conn, &[Topic::Deployment(d.id.clone())]);
    let forwarder = LogForwarder::new(h.store.clone(), hub.clone());
    let stream = format!("deployments/{}", d.id);
    let batch1: Vec<(i64, String)> = (0..3).map(|i| (1000 + i, format!("line {i}"))).collect();
    let batch2: Vec<(i64, String)> = (3..5).map(|i| (1000 + i, format!("line {i}"))).collect();
    for (batch, first_id) in [(&batch1, 1), (&batch2, 4)] {
        let payload = subscription_payload("/trellis/test", &stream, batch, first_id);
        let summary = forwarder.handle_json(&payload).await.unwrap();
        assert_eq!(summary.stored, batch.len());
    }
    let stored = h.store.read_logs(&d.id, 0, 100).await.unwrap();
    let seqs: Vec<u64> = stored.iter().map(|l| l.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert_eq!(stored[4].text, "line 4");
    let mut pushed = Vec::new();
    while let Ok(m) = rx.try_recv() {
        let v: serde_json::Value = serde_json::from_str(&m).unwrap();
        assert_eq!(v["type"], "log");
        for l in v["lines"].as_array().unwrap() {
            pushed.push(l["seq"].as_u64().unwrap());
        }
    }
    assert_eq!(pushed, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn a_stream_named_by_runner_handle_maps_to_its_deployment() {
    let h = harness();
    h.app().await;
    let d = h.pipeline.handle_push(push("f2")).await.unwrap().remove(0);
    // The recording launcher hands out `runner-<id>`, as ECS hands out task ids.
    let stream = format!("trellis/build-runner/runner-{}", d.id);
    let forwarder = LogForwarder::new(h.store.clone(), h.notifier.clone());
    let payload = subscription_payload("/ecs/trellis", &stream, &[(1, "hello".into())], 1);
    assert_eq!(forwarder.handle_json(&payload).await.unwrap().stored, 1);
    assert!(
        h.notifier
            .events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, LiveEvent::Log { deployment, .. } if *deployment == d.id))
    );
}

#[tokio::test]
async fn control_messages_are_ignored_and_garbage_is_refused() {
    let h = harness();
    let forwarder = LogForwarder::new(h.store.clone(), h.notifier.clone());
    let mut data = trellis_http::forwarder::subscription_data("g", "s", &[], 1);
    data.message_type = "CONTROL_MESSAGE".into();
    let raw = trellis_http::forwarder::encode_subscription(&data);
    let summary = forwarder.handle_json(&raw).await.unwrap();
    assert!(summary.control_message);
    assert!(
        forwarder
            .handle_json(b"{\"awslogs\":{\"data\":\"not base64!\"}}")
            .await
            .is_err()
    );
    assert!(forwarder.handle_json(b"[]").await.is_err());
}
