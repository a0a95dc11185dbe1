//! Property tests of the decoders and encoders of bytes from outside: GitHub webhook
//! deliveries (payload and signature) and CloudWatch Logs subscription events. Whatever
//! arrives, they answer (a decision or a 400/401) and never panic; what they encode decodes
//! to itself.

use aws_lambda_events::event::cloudwatch_logs::{LogData, LogEntry, LogsEvent};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use serde_json::{Value, json};
use trellis_http::forwarder::{encode_subscription, subscription_data, subscription_payload};
use trellis_http::webhook::{PushDecision, WebhookSecret, interpret_push};

/// A fixed seed: CI runs the same cases every time (a failure reproduces), and nothing is
/// written beside the sources.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6ee6),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any JSON document, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn hex_sha() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9a-f]{40}", "[0-9a-f]{64}", Just("0".repeat(40))]
}

/// Something shaped like a push delivery, each field right, wrong, odd or missing.
fn push_like() -> impl Strategy<Value = Value> {
    let reference = prop_oneof![
        ".{0,20}".prop_map(|b| format!("refs/heads/{b}")),
        ".{0,20}".prop_map(|t| format!("refs/tags/{t}")),
        ".{0,30}",
    ];
    let sha = prop_oneof![3 => hex_sha(), 1 => ".{0,70}"];
    let author = prop_oneof![
        Just(Value::Null),
        (prop::option::of(".{0,10}"), prop::option::of(".{0,10}"))
            .prop_map(|(name, username)| json!({"name": name, "username": username})),
    ];
    let head_commit = prop_oneof![
        Just(Value::Null),
        (sha.clone(), ".{0,40}", author).prop_map(
            |(id, message, author)| json!({"id": id, "message": message, "author": author})
        ),
        any_json(),
    ];
    (
        reference,
        sha.clone(),
        sha,
        prop::option::of(any::<bool>()),
        head_commit,
        ".{0,20}",
        prop::collection::vec(any::<prop::sample::Index>(), 0..2),
    )
        .prop_map(
            |(reference, before, after, deleted, head_commit, full_name, drop)| {
                let mut p = json!({
                    "ref": reference, "before": before, "after": after,
                    "head_commit": head_commit, "repository": {"full_name": full_name},
                });
                if let Some(deleted) = deleted {
                    p["deleted"] = json!(deleted);
                }
                // Now and then a field is missing.
                let keys: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
                for index in drop {
                    p.as_object_mut().unwrap().remove(index.get(&keys));
                }
                p
            },
        )
}

/// A decision or a 400, and a push only for a live branch and a well-formed commit.
fn check_push_decision(body: &[u8]) -> Result<(), TestCaseError> {
    match interpret_push(body) {
        Err(e) => prop_assert_eq!(e.status, StatusCode::BAD_REQUEST, "{}", e.message),
        Ok(PushDecision::Ignore(reason)) => prop_assert!(!reason.is_empty()),
        Ok(PushDecision::Push(push, replay_key)) => {
            let payload: Value = serde_json::from_slice(body).expect("a push was JSON");
            let reference = payload["ref"].as_str().expect("a push has a ref");
            prop_assert_eq!(
                Some(push.branch.as_str()),
                reference.strip_prefix("refs/heads/")
            );
            prop_assert_ne!(payload["deleted"].as_bool(), Some(true));
            // A deleted branch (`after` all zeros) deploys nothing.
            let after = payload["after"].as_str().expect("a push has an after");
            prop_assert!(after.chars().any(|c| c != '0'), "after {after:?}");
            let sha = &push.commit.sha;
            prop_assert!(
                matches!(sha.len(), 40 | 64)
                    && sha.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
                "commit {sha:?}"
            );
            prop_assert!(replay_key.contains(reference));
        }
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

fn log_entry() -> impl Strategy<Value = LogEntry> {
    (".{0,60}", any::<i64>(), ".{0,200}").prop_map(|(id, timestamp, message)| {
        let mut e = LogEntry::default();
        e.id = id;
        e.timestamp = timestamp;
        e.message = message;
        e
    })
}

fn log_data() -> impl Strategy<Value = LogData> {
    (
        (".{0,20}", ".{0,40}", ".{0,60}"),
        prop::collection::vec(".{0,20}", 0..3),
        prop_oneof![
            Just("DATA_MESSAGE".to_string()),
            Just("CONTROL_MESSAGE".to_string()),
            ".{0,20}"
        ],
        prop::collection::vec(log_entry(), 0..40),
    )
        .prop_map(|((owner, group, stream), filters, message_type, events)| {
            let mut data = LogData::default();
            data.owner = owner;
            data.log_group = group;
            data.log_stream = stream;
            data.subscription_filters = filters;
            data.message_type = message_type;
            data.log_events = events;
            data
        })
}

fn decode(raw: &[u8]) -> Result<LogData, serde_json::Error> {
    serde_json::from_slice::<LogsEvent>(raw).map(|e| e.aws_logs.data)
}

fn envelope(data: String) -> Vec<u8> {
    json!({"awslogs": {"data": data}}).to_string().into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("in memory");
    gz.finish().expect("in memory")
}

/// What may arrive where a subscription event is expected: anything, an envelope around
/// anything, base64 of anything, gzip of anything, or a real event cut short.
fn subscription_garbage() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        ".{0,100}".prop_map(envelope),
        prop::collection::vec(any::<u8>(), 0..256).prop_map(|b| envelope(STANDARD.encode(b))),
        any_json().prop_map(|v| envelope(STANDARD.encode(gzip(v.to_string().as_bytes())))),
        prop::collection::vec(any::<u8>(), 0..256)
            .prop_map(|b| envelope(STANDARD.encode(gzip(&b)))),
        (log_data(), any::<prop::sample::Index>()).prop_map(|(data, cut)| {
            let raw = encode_subscription(&data);
            raw[..cut.index(raw.len() + 1)].to_vec()
        }),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_push_payload_of_any_bytes_is_decided_or_refused(
        body in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        check_push_decision(&body)?;
    }

    #[test]
    fn a_push_payload_of_any_json_is_decided_or_refused(payload in any_json()) {
        check_push_decision(payload.to_string().as_bytes())?;
    }

    #[test]
    fn a_push_shaped_payload_is_decided_or_refused(payload in push_like()) {
        check_push_decision(payload.to_string().as_bytes())?;
    }

    /// Signed with the key, any body verifies; changed in any one byte, or checked with
    /// another key, it does not; a changed signature is refused too.
    #[test]
    fn exactly_the_bodies_signed_with_the_key_verify(
        key in ".{0,40}",
        other_key in ".{0,40}",
        body in prop::collection::vec(any::<u8>(), 0..512),
        at in any::<prop::sample::Index>(),
        flip in 1..=255u8,
    ) {
        let rt = runtime();
        let secret = WebhookSecret::new(&key);
        let signature = secret.sign(&body);
        prop_assert!(rt.block_on(secret.verify(&body, Some(&signature))).is_ok());

        if !body.is_empty() {
            let mut changed = body.clone();
            changed[at.index(body.len())] ^= flip;
            let e = rt.block_on(secret.verify(&changed, Some(&signature))).unwrap_err();
            prop_assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        }
        let mut longer = body.clone();
        longer.push(flip);
        prop_assert!(rt.block_on(secret.verify(&longer, Some(&signature))).is_err());

        // The hex digits after `sha256=`: any one changed to another digit.
        let mut forged = signature.clone().into_bytes();
        let i = "sha256=".len() + at.index(64);
        forged[i] = if forged[i] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).expect("hex");
        prop_assert!(rt.block_on(secret.verify(&body, Some(&forged))).is_err());

        if other_key != key {
            let theirs = WebhookSecret::new(&other_key).sign(&body);
            prop_assert!(rt.block_on(secret.verify(&body, Some(&theirs))).is_err());
        }
    }

    /// Whatever the signature header holds, the answer is a 401 unless it is the signature.
    #[test]
    fn any_signature_header_but_the_right_one_is_refused(
        header in prop_oneof![".{0,80}", "sha256=[0-9a-fA-F]{0,70}"],
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let secret = WebhookSecret::new("It's a Secret to Everybody");
        prop_assume!(header != secret.sign(&body));
        let e = runtime().block_on(secret.verify(&body, Some(&header))).unwrap_err();
        prop_assert_eq!(e.status, StatusCode::UNAUTHORIZED);
    }

    /// What the local launcher and the tests encode is what the forwarder decodes.
    #[test]
    fn a_subscription_event_decodes_to_what_was_encoded(data in log_data()) {
        let decoded = decode(&encode_subscription(&data)).expect("an encoded event decodes");
        prop_assert_eq!(decoded, data);
    }

    /// The payload the launcher builds: its lines, in order, with CloudWatch's numbered ids.
    #[test]
    fn a_subscription_payload_carries_its_lines(
        group in ".{0,30}",
        stream in ".{0,60}",
        lines in prop::collection::vec((any::<i64>(), ".{0,120}"), 0..40),
        // The launcher numbers from 1 and counts lines: far below where the ids could overflow.
        first_id in 0..(1u64 << 48),
    ) {
        let decoded = decode(&subscription_payload(&group, &stream, &lines, first_id))
            .expect("a payload decodes");
        prop_assert_eq!(decoded.clone(), subscription_data(&group, &stream, &lines, first_id));
        prop_assert_eq!(&decoded.log_group, &group);
        prop_assert_eq!(&decoded.log_stream, &stream);
        prop_assert_eq!(decoded.log_events.len(), lines.len());
        for (i, (event, (timestamp, text))) in decoded.log_events.iter().zip(&lines).enumerate() {
            prop_assert_eq!(event.timestamp, *timestamp);
            prop_assert_eq!(&event.message, text);
            prop_assert_eq!(event.id.parse::<u64>().ok(), Some(first_id + i as u64));
        }
    }

    /// Anything else is refused as not a subscription event, without a panic.
    #[test]
    fn any_bytes_decode_or_are_refused(raw in subscription_garbage()) {
        let _ = decode(&raw);
    }
}
