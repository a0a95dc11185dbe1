//! How fast a line a build prints reaches a client of the live WebSocket (the dashboard's
//! socket), through a real `trellis serve` and build runner: latency p50/p99, lines per
//! second, and whether every line arrived exactly once. The build's deploy step is a node
//! script committed into the sample repository (`live_logs.mjs`); each line carries the time
//! it was printed, and the client subtracts it from the time the message arrived (one clock:
//! the same machine). Two deployments: a steady 500 lines/s for 10 s, then a burst of 10,000
//! lines as fast as node prints them. Also prints the server's memory, idle after start and
//! after the burst. Build the binaries first (`cargo build -p trellis-local
//! -p trellis-build-runner --bins`), then `cargo bench -p trellis-e2e --bench live_logs
//! --profile dev`.

use std::collections::BTreeMap;

use serde_json::json;
use trellis_e2e::*;

const SCRIPT: &str = include_str!("live_logs.mjs");
const STEADY_RATE: usize = 500;
const STEADY_SECS: usize = 10;
const BURST: usize = 10_000;
const GOAL_P99_MS: f64 = 250.0;
const GOAL_LINES_PER_SEC: f64 = 10_000.0;

/// What the client saw of one deployment's log.
#[derive(Default)]
struct Seen {
    latencies_ms: Vec<f64>,
    first_print_ms: f64,
    last_print_ms: f64,
    last_arrival_ms: f64,
    /// seq → how many times it arrived.
    seqs: BTreeMap<u64, u32>,
    /// The script's own counter → how many times it arrived.
    counters: BTreeMap<u64, u32>,
}

impl Seen {
    fn line(&mut self, phase: &str, seq: u64, text: &str, arrived_ms: f64) {
        *self.seqs.entry(seq).or_default() += 1;
        let mut fields = text.split(' ');
        if fields.next() != Some("BENCH") || fields.next() != Some(phase) {
            return; // the runner's own lines: counted by seq, not timed
        }
        let n: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap();
        let printed: f64 = fields.next().and_then(|f| f.parse().ok()).unwrap();
        *self.counters.entry(n).or_default() += 1;
        if self.latencies_ms.is_empty() {
            self.first_print_ms = printed;
        }
        self.last_print_ms = self.last_print_ms.max(printed);
        self.last_arrival_ms = arrived_ms;
        self.latencies_ms.push(arrived_ms - printed);
    }
}

/// How many of `expected` arrived, and how many never did, came more than once, or were
/// never sent (a seq past the stored log's end).
struct Tally {
    expected: usize,
    received: usize,
    missing: usize,
    duplicated: usize,
    unexpected: usize,
}

impl Tally {
    fn of(seen: &BTreeMap<u64, u32>, expected: std::ops::RangeInclusive<u64>) -> Tally {
        Tally {
            expected: expected.clone().count(),
            received: seen.values().map(|&c| c as usize).sum(),
            missing: expected.clone().filter(|k| !seen.contains_key(k)).count(),
            duplicated: seen.values().map(|&c| c as usize - 1).sum(),
            unexpected: seen.keys().filter(|k| !expected.contains(k)).count(),
        }
    }

    fn exact(&self) -> bool {
        self.missing + self.duplicated + self.unexpected == 0
    }
}

/// Runs the script in a manual deploy of development and records its log until it ends.
async fn deploy(server: &Server, live: &mut TimedLive, phase: &str, args: &str) -> (String, Seen) {
    let command = format!("node bench-log.mjs {phase} {args}");
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"settings": {"deployCommand": command}}),
        )
        .await;
    let id = server.start_deploy("development").await;
    let mut seen = Seen::default();
    loop {
        let a = live.next(DEPLOY_TIMEOUT).await;
        // The launcher forwards every line before it reports the runner's end, and the hub
        // keeps one connection's messages in order: at the end, every line is here.
        if ended(&a.message, &id) {
            assert_eq!(
                a.message["deployment"]["status"], "succeeded",
                "{}",
                a.message
            );
            return (id, seen);
        }
        if a.message["type"] == "log" && a.message["deploymentId"] == id.as_str() {
            for line in a.message["lines"].as_array().unwrap() {
                let seq = line["seq"].as_u64().unwrap();
                seen.line(phase, seq, line["text"].as_str().unwrap(), a.wall_ms);
            }
        }
    }
}

struct Row {
    name: String,
    lines: usize,
    latency: Spread,
    printed_per_sec: f64,
    received_per_sec: f64,
    seqs: Tally,
    counters: Tally,
}

async fn measure(
    server: &Server,
    live: &mut TimedLive,
    name: &str,
    phase: &str,
    args: &str,
    lines: usize,
) -> Row {
    let (id, seen) = deploy(server, live, phase, args).await;
    let (stored, complete) = server.logs(&id).await;
    assert!(complete, "the log of {id} is complete");
    let secs = |ms: f64| ms / 1000.0;
    Row {
        name: name.into(),
        lines,
        printed_per_sec: lines as f64 / secs(seen.last_print_ms - seen.first_print_ms),
        // From the first line printed to the last one shown: what a reader of the log sees.
        received_per_sec: seen.latencies_ms.len() as f64
            / secs(seen.last_arrival_ms - seen.first_print_ms),
        latency: Spread::of(seen.latencies_ms),
        seqs: Tally::of(&seen.seqs, 1..=stored.len() as u64),
        counters: Tally::of(&seen.counters, 0..=lines as u64 - 1),
    }
}

fn print_table(rows: &[Row]) {
    println!("live log lines, printed by a build -> received on the live WebSocket, this machine:");
    println!(
        "{:<22} {:>6} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "phase", "lines", "p50 ms", "p99 ms", "max ms", "printed/s", "received/s"
    );
    for r in rows {
        let l = &r.latency;
        println!(
            "{:<22} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>10.0} {:>10.0}",
            r.name, r.lines, l.p50, l.p99, l.max, r.printed_per_sec, r.received_per_sec
        );
    }
    println!("each line exactly once (log seqs; the script's own counters):");
    println!(
        "{:<22} {:<6} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "phase", "by", "expected", "received", "missing", "duplicated", "unexpected"
    );
    for r in rows {
        for (by, t) in [("seq", &r.seqs), ("count", &r.counters)] {
            println!(
                "{:<22} {:<6} {:>8} {:>8} {:>8} {:>10} {:>10}",
                r.name, by, t.expected, t.received, t.missing, t.duplicated, t.unexpected
            );
        }
    }
}

fn print_memory(when: &str, m: &Memory) {
    println!(
        "trellis serve memory, {when:<22} VmRSS {:>7.1} MiB   VmHWM {:>7.1} MiB",
        m.rss_kib as f64 / 1024.0,
        m.peak_kib as f64 / 1024.0
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server = Server::start().await;
    let pid = server.pid().expect("the server runs");
    let idle = Memory::of(pid);
    // Committed before the app is registered: registering records the head and deploys
    // nothing, so only the benchmark's own deploys run.
    std::fs::write(server.repo.path.join("bench-log.mjs"), SCRIPT).unwrap();
    server.repo.git(&["add", "bench-log.mjs"]);
    server
        .repo
        .git(&["commit", "-q", "-m", "Add the live_logs benchmark's script"]);
    server.register_sample().await;
    // Nothing but the measured step: no tests, no dependencies to install.
    server
        .patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": false, "settings": {"installCommand": "true"}}),
        )
        .await;
    let mut live = TimedLive::connect(&server).await;
    live.subscribe_app("sample").await;

    let steady = measure(
        &server,
        &mut live,
        &format!("steady {STEADY_RATE}/s x {STEADY_SECS} s"),
        "steady",
        &format!("{STEADY_RATE} {STEADY_SECS}"),
        STEADY_RATE * STEADY_SECS,
    )
    .await;
    let burst = measure(
        &server,
        &mut live,
        &format!("burst of {BURST}"),
        "burst",
        &BURST.to_string(),
        BURST,
    )
    .await;
    let after_burst = Memory::of(pid);

    let rows = [steady, burst];
    print_table(&rows);
    print_memory("idle after start:", &idle);
    print_memory("after the burst:", &after_burst);
    let p99 = rows.iter().map(|r| r.latency.p99).fold(0.0, f64::max);
    let exact = rows.iter().all(|r| r.seqs.exact() && r.counters.exact());
    println!(
        "goal: p99 <= {GOAL_P99_MS} ms: {}",
        goal(p99 <= GOAL_P99_MS)
    );
    println!(
        "goal: burst received >= {GOAL_LINES_PER_SEC} lines/s: {}",
        goal(rows[1].received_per_sec >= GOAL_LINES_PER_SEC)
    );
    println!("goal: every line exactly once: {}", goal(exact));
}
