//! Property tests of what clients and CloudWatch send in, against the real SQLite store:
//! any WebSocket message gets a well-formed answer (and a subscription only to what exists),
//! and any subscription payload is stored, told apart or refused, never a panic; a real one
//! is stored once, however often it is delivered.

mod common;

use std::sync::Mutex;

use async_trait::async_trait;
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};
use trellis_core::logs::clamp_line;
use trellis_core::model::{Connection, Topic};
use trellis_core::ports::DeploymentStore;
use trellis_http::forwarder::{ForwardError, LogForwarder, subscription_payload};
use trellis_http::live::ServerMessage;
use trellis_http::websocket::{Subscriptions, handle_message, on_message};

use common::{Harness, harness};

/// A fixed seed: CI runs the same cases every time (a failure reproduces), and nothing is
/// written beside the sources.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(0x11fe),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A store holding the app `shop` and one finished deployment of it.
fn seeded(rt: &tokio::runtime::Runtime) -> (Harness, String) {
    rt.block_on(async {
        let h = harness();
        h.app().await;
        let id = h.deployed_dev("a1").await.id;
        (h, id)
    })
}

/// The local hub's side of a connection, reduced to what it was asked.
#[derive(Default)]
struct Recorded(Mutex<Vec<Topic>>);

#[async_trait]
impl Subscriptions for Recorded {
    async fn subscribe(&self, topics: &[Topic]) -> Result<(), String> {
        self.0.lock().unwrap().extend_from_slice(topics);
        Ok(())
    }
    async fn unsubscribe(&self, _topics: &[Topic]) {}
}

/// Text a client could send: anything, any JSON, or a message of the protocol with each field
/// right, wrong or missing, naming things that exist or not.
fn client_text(deployment: String) -> impl Strategy<Value = String> {
    let name = prop_oneof![
        2 => Just(json!("shop")),
        2 => Just(json!(deployment)),
        2 => ".{0,16}".prop_map(Value::from),
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(json!({"id": "shop"})),
    ];
    let action = prop_oneof![
        4 => Just(json!("subscribe")),
        2 => Just(json!("unsubscribe")),
        2 => Just(json!("ping")),
        1 => Just(json!("Subscribe")),
        1 => ".{0,10}".prop_map(Value::from),
        1 => Just(json!(1)),
    ];
    let message = (
        prop::option::weighted(0.9, action),
        prop::option::of(name.clone()),
        prop::option::of(name),
        prop::option::weighted(0.2, ".{0,8}"),
    )
        .prop_map(|(action, deployment_id, app, extra)| {
            let mut m = serde_json::Map::new();
            for (key, value) in [
                ("action", action),
                ("deploymentId", deployment_id),
                ("app", app),
            ] {
                if let Some(value) = value {
                    m.insert(key.into(), value);
                }
            }
            if let Some(extra) = extra {
                m.insert(extra, json!(true));
            }
            Value::Object(m).to_string()
        });
    prop_oneof![
        1 => ".{0,64}",
        1 => "[\\[\\]{}\",:a-z0-9 ]{0,40}",
        6 => message.clone(),
        1 => message.prop_map(|m| m.chars().take(m.chars().count() / 2).collect()),
    ]
}

/// The topics a protocol message names, as the server must echo them.
fn named_topics(text: &str) -> Vec<Topic> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let mut topics = Vec::new();
    if let Some(Value::String(d)) = m.get("deploymentId") {
        topics.push(Topic::Deployment(d.clone()));
    }
    if let Some(Value::String(a)) = m.get("app") {
        topics.push(Topic::App(a.clone()));
    }
    topics
}

fn exists(topic: &Topic, deployment: &str) -> bool {
    match topic {
        Topic::Deployment(d) => d == deployment,
        Topic::App(a) => a == "shop",
    }
}

/// The answer is one of the server's messages, in JSON that reads back as the same message,
/// and says what the client asked: a pong to a ping, (un)subscribed to exactly the topics it
/// named (subscribed only to ones that exist), or an error with a reason.
fn check_answer(text: &str, reply: &ServerMessage, deployment: &str) -> Result<(), TestCaseError> {
    let json = reply.to_json();
    let back: ServerMessage = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("answer {json} is no server message: {e}")))?;
    prop_assert_eq!(back.to_json(), json.clone());
    let action = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("action").and_then(Value::as_str).map(str::to_string));
    match reply {
        ServerMessage::Pong => prop_assert_eq!(action.as_deref(), Some("ping")),
        ServerMessage::Subscribed { topics } => {
            prop_assert_eq!(action.as_deref(), Some("subscribe"));
            prop_assert_eq!(topics, &named_topics(text));
            prop_assert!(topics.iter().all(|t| exists(t, deployment)), "{json}");
        }
        ServerMessage::Unsubscribed { topics } => {
            prop_assert_eq!(action.as_deref(), Some("unsubscribe"));
            prop_assert_eq!(topics, &named_topics(text));
        }
        ServerMessage::Error { message } => prop_assert!(!message.is_empty()),
        other => prop_assert!(false, "{other:?} answers no client message"),
    }
    Ok(())
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    if let Err(e) = TestRunner::new(config(cases)).run(&strategy, test) {
        panic!("{e}");
    }
}

#[test]
fn any_client_message_gets_a_well_formed_answer() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (h, deployment) = seeded(&rt);
    let store: &dyn DeploymentStore = h.store.as_ref();
    rt.block_on(store.put_connection(&Connection {
        id: "conn-1".into(),
        login: None,
        connected_at: time::OffsetDateTime::now_utc(),
        expires_at: time::OffsetDateTime::now_utc() + time::Duration::hours(2),
    }))
    .unwrap();
    run(256, client_text(deployment.clone()), |text| {
        // The local hub's transport and API Gateway's (subscriptions kept in the store).
        let recorded = Recorded::default();
        let local = rt.block_on(handle_message(
            store,
            &h.access,
            &trellis_core::access::Actor::Operator,
            &recorded,
            &text,
        ));
        check_answer(&text, &local, &deployment)?;
        if let ServerMessage::Subscribed { topics } = &local {
            prop_assert_eq!(&*recorded.0.lock().unwrap(), topics);
        } else {
            prop_assert!(recorded.0.lock().unwrap().is_empty());
        }
        let stored = rt.block_on(on_message(store, &h.access, "conn-1", &text));
        check_answer(&text, &stored, &deployment)?;
        prop_assert_eq!(stored.to_json(), local.to_json());
        Ok(())
    });
}

/// Whatever arrives, the forwarder stores it, tells it apart (control message, unknown
/// stream) or refuses it as a bad payload: never a panic, never a store error.
#[test]
fn any_subscription_payload_is_stored_told_apart_or_refused() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (h, deployment) = seeded(&rt);
    let forwarder = LogForwarder::new(h.store.clone(), h.notifier.clone());
    let stream = prop_oneof![
        Just(format!("deployments/{deployment}")),
        Just(String::new()),
        ".{0,30}",
    ];
    let real = (
        stream,
        prop::collection::vec((any::<i64>(), ".{0,50}"), 0..8),
    )
        .prop_map(|(stream, lines)| subscription_payload("/trellis", &stream, &lines, 1));
    let raw = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        (real.clone(), any::<prop::sample::Index>())
            .prop_map(|(raw, cut)| raw[..cut.index(raw.len() + 1)].to_vec()),
        real,
    ];
    run(128, raw, |raw| {
        match rt.block_on(forwarder.handle_json(&raw)) {
            Ok(_) | Err(ForwardError::BadPayload(_)) => Ok(()),
            Err(e) => Err(TestCaseError::fail(format!("{e}"))),
        }
    });
}

/// A deployment's lines arrive as sent (clamped, stable in timestamp order), after what the
/// log held, with gapless numbers; delivered again, the same payload stores nothing.
#[test]
fn a_delivery_is_stored_once_in_order() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (h, deployment) = seeded(&rt);
    let forwarder = LogForwarder::new(h.store.clone(), h.notifier.clone());
    let stream = format!("deployments/{deployment}");
    let next_id = std::cell::Cell::new(1u64);
    let lines = prop::collection::vec((-3i64..3, ".{0,60}"), 1..20);
    run(64, lines, |lines| {
        let store: &dyn DeploymentStore = h.store.as_ref();
        let before = rt
            .block_on(store.read_logs(&deployment, 0, usize::MAX))
            .unwrap();
        let payload = subscription_payload("/trellis", &stream, &lines, next_id.get());
        next_id.set(next_id.get() + lines.len() as u64);
        let first = rt.block_on(forwarder.handle_json(&payload)).unwrap();
        prop_assert_eq!(first.stored, lines.len());
        let again = rt.block_on(forwarder.handle_json(&payload)).unwrap();
        prop_assert_eq!(again.stored, 0);

        let after = rt
            .block_on(store.read_logs(&deployment, 0, usize::MAX))
            .unwrap();
        prop_assert_eq!(&after[..before.len()], &before[..]);
        let added = &after[before.len()..];
        let mut expected = lines.clone();
        expected.sort_by_key(|(timestamp, _)| *timestamp);
        prop_assert_eq!(added.len(), expected.len());
        let first_seq = before.last().map_or(1, |l| l.seq + 1);
        for (i, (line, (timestamp, text))) in added.iter().zip(&expected).enumerate() {
            prop_assert_eq!(line.seq, first_seq + i as u64);
            prop_assert_eq!(line.timestamp, *timestamp);
            prop_assert_eq!(&line.text, &clamp_line(text));
        }
        Ok(())
    });
}
