//! A WebSocket client of the live API; waits are driven by its events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

use crate::*;

/// A WebSocket client that records every message and wakes waiters on each one.
pub struct Live {
    messages: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
    outgoing: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Live {
    pub async fn connect(base: &str) -> Live {
        let url = format!("{}/api/ws?token={TOKEN}", base.replace("http://", "ws://"));
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket connects");
        let (mut sink, mut stream) = socket.split();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                if sink.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        });
        let (m, a) = (messages.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Text(text) = msg
                    && let Ok(v) = serde_json::from_str::<Value>(text.as_str())
                {
                    m.lock().unwrap().push(v);
                    a.notify_waiters();
                }
            }
        });
        Live {
            messages,
            arrived,
            outgoing: tx,
        }
    }

    /// Subscribes and waits for the server's acknowledgement.
    pub async fn subscribe(&self, body: Value) {
        let mut b = body;
        b["action"] = json!("subscribe");
        self.outgoing.send(b.to_string()).unwrap();
        self.wait_for(Duration::from_secs(10), |msgs| {
            msgs.iter()
                .any(|m| m["type"] == "subscribed" || m["type"] == "error")
                .then_some(())
        })
        .await;
        let msgs = self.messages();
        assert!(
            !msgs.iter().any(|m| m["type"] == "error"),
            "subscription refused: {msgs:?}"
        );
    }

    pub fn messages(&self) -> Vec<Value> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits until `check` finds what it needs in the messages so far.
    pub async fn wait_for<T>(&self, limit: Duration, check: impl Fn(&[Value]) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.arrived.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(t) = check(&self.messages()) {
                return t;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let msgs = self.messages();
                panic!(
                    "timed out after {limit:?}; last messages: {:#?}",
                    &msgs[msgs.len().saturating_sub(5)..]
                );
            }
        }
    }

    /// Waits for a deployment event matching `pred` and returns that deployment.
    pub async fn deployment_where(&self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_for(limit, |msgs| {
            msgs.iter()
                .rev()
                .filter(|m| m["type"] == "deployment")
                .map(|m| &m["deployment"])
                .find(|d| pred(d))
                .cloned()
        })
        .await
    }

    /// Waits until deployment `id` has ended; returns it.
    pub async fn finished(&self, id: &str) -> Value {
        self.deployment_where(DEPLOY_TIMEOUT, |d| {
            d["id"] == id
                && matches!(
                    d["status"].as_str(),
                    Some("succeeded" | "failed" | "cancelled")
                )
        })
        .await
    }

    /// Log lines pushed for a deployment, in arrival order.
    pub fn log_lines(&self, id: &str) -> Vec<Value> {
        self.messages()
            .iter()
            .filter(|m| m["type"] == "log" && m["deploymentId"] == id)
            .flat_map(|m| m["lines"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}
