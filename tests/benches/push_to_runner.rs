//! How long from a signed GitHub `push` delivery to the build runner running, on a real
//! `trellis serve` with the harness's GitHub stand-in (the connected app, the installation,
//! the repository served over git's smart HTTP). Each push is a new commit to `main`, which
//! development tracks; pushes are sequential (each deployment ends before the next push, so
//! none waits in line). The clock starts just before the delivery is signed and sent; it
//! stops at:
//! - the webhook's answer (202, the deployment's id);
//! - the deployment's `running` status event on the live socket: the pipeline has claimed the
//!   environment and is about to launch; nothing of the runner exists yet;
//! - the server reading the runner's first line (the line's own timestamp, whole ms, taken
//!   when the server reads it from the runner's output): the runner is running;
//! - the runner's first log line on the live socket ("==> Trellis build runner: …"): the
//!   runner process is executing, and its output reaches a viewer. This is the headline
//!   figure, as it is the first sign the runner has started, and what a user watching sees.
//!
//! Build the binaries first (`cargo build -p trellis-local -p trellis-build-runner --bins`),
//! then `cargo bench -p trellis-e2e --bench push_to_runner --profile dev`.

use std::time::Instant;

use serde_json::{Value, json};
use trellis_e2e::*;

const WARM_UP: usize = 2;
const PUSHES: usize = 20;
const GOAL_P99_MS: f64 = 500.0;
const FIRST_LINE: &str = "==> Trellis build runner: ";

fn push(before: &str, after: &str, n: usize) -> Value {
    let mut v: Value = serde_json::from_slice(&fixture("github/push.json")).unwrap();
    v["ref"] = "refs/heads/main".into();
    v["before"] = before.into();
    v["after"] = after.into();
    v["created"] = false.into();
    v["deleted"] = false.into();
    v["head_commit"] =
        json!({"id": after, "message": format!("Push {n}"), "author": {"name": "Bench"}});
    v
}

/// Milliseconds from the delivery being sent to each mark.
struct Marks {
    answer: f64,
    running: f64,
    line_read: f64,
    first_line: f64,
}

/// Pushes a new commit, delivers its webhook and follows its deployment to the end.
async fn push_once(server: &Server, live: &mut TimedLive, n: usize) -> Marks {
    let before = server.repo.head();
    let after = server
        .repo
        .commit_message(&format!("push {n}"), &format!("Push {n}"));
    let body = push(&before, &after, n);
    let (sent, sent_wall) = (Instant::now(), wall_ms());
    let (status, answer) = server
        .deliver_webhook("push", &format!("push-to-runner-{n}"), &body)
        .await;
    let answered = sent.elapsed();
    assert_eq!(status, 202, "{answer}");
    let id = answer["deployments"][0].as_str().unwrap().to_string();
    let ms = |at: Instant| (at - sent).as_secs_f64() * 1000.0;
    let (mut running, mut first_line, mut line_read) = (None, None, None);
    loop {
        // Messages that arrived before the answer was read wait in the client's queue with
        // their arrival times.
        let a = live.next(DEPLOY_TIMEOUT).await;
        let m = &a.message;
        if m["type"] == "deployment" && m["deployment"]["id"] == id.as_str() {
            if m["deployment"]["status"] == "running" && running.is_none() {
                running = Some(ms(a.at));
            }
            if is_terminal(&m["deployment"]) {
                assert_eq!(m["deployment"]["status"], "succeeded", "{m}");
                break;
            }
        }
        if m["type"] == "log" && m["deploymentId"] == id.as_str() && first_line.is_none() {
            let line = &m["lines"][0];
            assert_eq!(line["seq"], 1, "{m}");
            let text = line["text"].as_str().unwrap();
            assert!(text.starts_with(FIRST_LINE), "{text}");
            first_line = Some(ms(a.at));
            line_read = Some(line["timestamp"].as_f64().unwrap() - sent_wall);
        }
    }
    Marks {
        answer: answered.as_secs_f64() * 1000.0,
        running: running.expect("a running event"),
        line_read: line_read.expect("a first log line"),
        first_line: first_line.expect("a first log line"),
    }
}

fn report(what: &str, sample: Vec<f64>) -> Spread {
    let s = Spread::of(sample);
    println!(
        "{what:<34} n={:<3} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        s.n, s.p50, s.p99, s.max
    );
    s
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let github = GithubStandIn::start().await;
    let server = Server::start_with_env(&[
        ("TRELLIS_GITHUB_URL", github.url.as_str()),
        ("TRELLIS_GITHUB_API_URL", github.url.as_str()),
    ])
    .await;
    connect_github(&server).await;
    github.install(1, "Codertocat/Hello-World", false);
    github.host("Codertocat/Hello-World", &server.repo.path);
    // Steps that do nothing: each deployment ends quickly, and the runner's start is all
    // that is measured.
    let (status, app) = server
        .post(
            "/api/apps",
            json!({"name": "hello",
                "repository": {"provider": "github", "fullName": "Codertocat/Hello-World",
                    "installationId": 1},
                "settings": {"installCommand": "true", "deployCommand": "true",
                    "removeCommand": "true"}}),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    server
        .patch(
            "/api/apps/hello/environments/development",
            json!({"testsEnabled": false}),
        )
        .await;
    let mut live = TimedLive::connect(&server).await;
    live.subscribe_app("hello").await;

    // Warm-up: the first deployments pay for first connections (stand-in, SQLite pages).
    for n in 0..WARM_UP {
        push_once(&server, &mut live, n).await;
    }
    let mut marks = Vec::new();
    for n in WARM_UP..WARM_UP + PUSHES {
        marks.push(push_once(&server, &mut live, n).await);
    }
    println!("signed push delivery sent -> ..., sequential, this machine:");
    report(
        "webhook answered (202)",
        marks.iter().map(|m| m.answer).collect(),
    );
    report(
        "`running` event received",
        marks.iter().map(|m| m.running).collect(),
    );
    report(
        "runner's first line read by server",
        marks.iter().map(|m| m.line_read).collect(),
    );
    let started = report(
        "runner's first log line received",
        marks.iter().map(|m| m.first_line).collect(),
    );
    println!(
        "goal: first runner line p99 <= {GOAL_P99_MS} ms: {}",
        goal(started.p99 <= GOAL_P99_MS)
    );
}
