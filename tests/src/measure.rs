//! What the benchmarks share: a live WebSocket client that stamps every message the moment it
//! arrives, percentiles, and a process's memory as the kernel counts it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::*;

/// One live message and when it arrived.
pub struct Arrival {
    pub at: Instant,
    /// The machine's clock at arrival, in ms since the epoch: comparable with a time a build
    /// printed on the same machine.
    pub wall_ms: f64,
    pub message: Value,
}

/// A live WebSocket client for measuring. Unlike [`Live`], which keeps every message for
/// tests to search, it hands each message out once with its arrival time, and parses it
/// only when asked: the reading task does nothing but stamp frames, so parsing thousands of
/// lines never delays the stamp of the next one.
pub struct TimedLive {
    incoming: mpsc::UnboundedReceiver<(Instant, f64, String)>,
    outgoing: mpsc::UnboundedSender<String>,
}

pub fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

impl TimedLive {
    pub async fn connect(server: &Server) -> TimedLive {
        let url = format!(
            "{}/api/ws?token={TOKEN}",
            server.base.replace("http://", "ws://")
        );
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket connects");
        let (mut sink, mut stream) = socket.split();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(text) = out_rx.recv().await {
                if sink.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        });
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Text(text) = msg
                    && in_tx
                        .send((Instant::now(), wall_ms(), text.as_str().to_string()))
                        .is_err()
                {
                    break;
                }
            }
        });
        TimedLive {
            incoming: in_rx,
            outgoing: out_tx,
        }
    }

    /// Subscribes to an app's deployments and logs, and waits for the acknowledgement.
    pub async fn subscribe_app(&mut self, app: &str) {
        let body = json!({"action": "subscribe", "app": app});
        self.outgoing.send(body.to_string()).unwrap();
        let reply = self.next(Duration::from_secs(10)).await.message;
        assert_eq!(reply["type"], "subscribed", "{reply}");
    }

    /// The next message; panics if none arrives within `limit`.
    pub async fn next(&mut self, limit: Duration) -> Arrival {
        let (at, wall_ms, text) = tokio::time::timeout(limit, self.incoming.recv())
            .await
            .unwrap_or_else(|_| panic!("no live message within {limit:?}"))
            .expect("the live socket stays open");
        Arrival {
            at,
            wall_ms,
            message: serde_json::from_str(&text).expect("live messages are JSON"),
        }
    }
}

/// Whether a live message says deployment `id` has ended.
pub fn ended(message: &Value, id: &str) -> bool {
    message["type"] == "deployment"
        && message["deployment"]["id"] == id
        && is_terminal(&message["deployment"])
}

/// p50, p99 and max of a sample, in its own unit.
pub struct Spread {
    pub n: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(mut sample: Vec<f64>) -> Spread {
        assert!(!sample.is_empty(), "nothing was measured");
        sample.sort_by(f64::total_cmp);
        let at = |p: f64| sample[((sample.len() as f64 - 1.0) * p).round() as usize];
        Spread {
            n: sample.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: *sample.last().unwrap(),
        }
    }
}

/// A process's resident memory now and at its peak, in KiB (`VmRSS`, `VmHWM`).
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

impl Memory {
    pub fn of(pid: u32) -> Memory {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} is in /proc/{pid}/status"))
        };
        Memory {
            rss_kib: field("VmRSS:"),
            peak_kib: field("VmHWM:"),
        }
    }
}

pub fn goal(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}
