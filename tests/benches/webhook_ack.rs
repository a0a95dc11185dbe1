//! How fast a signed GitHub push delivery is acknowledged by a real `trellis serve`: one at a
//! time, then 20 at once. Each delivery is a new push (its own delivery id and commit) to a
//! registered GitHub app's branch that no environment tracks: the figure is signature, payload
//! checks, both deduplication claims and the app lookup — the webhook's whole path short of
//! starting a runner. Build the binaries first (`cargo build -p trellis-local
//! -p trellis-build-runner --bins`), then `cargo bench -p trellis-e2e --bench webhook_ack`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use trellis_e2e::{Server, fixture};

const SEQUENTIAL: usize = 200;
const CONCURRENT: usize = 20;
const ROUNDS: usize = 20;
const GOAL_P99_MS: f64 = 50.0;

fn push(n: usize) -> Value {
    let mut v: Value = serde_json::from_slice(&fixture("github/push.json")).unwrap();
    let sha = format!("{n:040x}");
    v["ref"] = "refs/heads/bench".into();
    v["before"] = format!("{:040x}", n + 1_000_000).into();
    v["after"] = sha.clone().into();
    v["head_commit"] = json!({"id": sha, "message": "bench", "author": {"name": "Bench"}});
    v
}

async fn deliver(server: &Server, n: usize) -> Duration {
    let started = Instant::now();
    let (status, body) = server
        .deliver_webhook("push", &format!("bench-{n}"), &push(n))
        .await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{body}");
    took
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(what: &str, mut times: Vec<Duration>) -> f64 {
    times.sort();
    let (p50, p99) = (percentile(&times, 0.50), percentile(&times, 0.99));
    println!(
        "{what:<28} n={:<4} p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   max {:>6.2} ms",
        times.len(),
        times.last().unwrap().as_secs_f64() * 1000.0
    );
    p99
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server = Server::start().await;
    let (status, app) = server
        .post(
            "/api/apps",
            json!({"name": "bench", "repository": {"provider": "github",
                "fullName": "Codertocat/Hello-World", "installationId": 1}}),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    // Warm-up: the first requests pay for connection setup on both sides.
    for n in 0..10 {
        deliver(&server, n).await;
    }
    let mut one = Vec::new();
    for n in 0..SEQUENTIAL {
        one.push(deliver(&server, 1_000 + n).await);
    }
    let mut many = Vec::new();
    for round in 0..ROUNDS {
        let batch = futures_util::future::join_all(
            (0..CONCURRENT).map(|i| deliver(&server, 10_000 + round * CONCURRENT + i)),
        )
        .await;
        many.extend(batch);
    }
    println!("webhook acknowledgement (signed push, new each time), this machine:");
    report("1 at a time", one);
    let p99 = report(&format!("{CONCURRENT} at once"), many);
    println!(
        "goal: p99 <= {GOAL_P99_MS} ms at {CONCURRENT} concurrent: {}",
        if p99 <= GOAL_P99_MS { "met" } else { "MISSED" }
    );
}
