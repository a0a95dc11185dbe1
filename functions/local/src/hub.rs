//! The in-process WebSocket hub: local mode's stand-in for API Gateway's connection registry.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use tokio::sync::mpsc;
use trellis_core::model::Topic;
use trellis_core::ports::{LiveEvent, Notifier};
use trellis_http::live::messages_for;

/// A client that falls this far behind is dropped; it reconnects and fills the gap by `seq`
/// instead of growing the server's memory without bound.
const CONNECTION_BUFFER: usize = 4096;

struct Conn {
    tx: mpsc::Sender<String>,
    topics: HashSet<Topic>,
}

#[derive(Default)]
pub struct LocalHub {
    conns: RwLock<HashMap<u64, Conn>>,
    next_id: AtomicU64,
}

impl LocalHub {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn connect(&self) -> (u64, mpsc::Receiver<String>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        self.write().insert(
            id,
            Conn {
                tx,
                topics: HashSet::new(),
            },
        );
        (id, rx)
    }

    pub fn disconnect(&self, id: u64) {
        self.write().remove(&id);
    }

    pub fn subscribe(&self, id: u64, topics: &[Topic]) {
        if let Some(c) = self.write().get_mut(&id) {
            c.topics.extend(topics.iter().cloned());
        }
    }

    pub fn unsubscribe(&self, id: u64, topics: &[Topic]) {
        if let Some(c) = self.write().get_mut(&id) {
            for t in topics {
                c.topics.remove(t);
            }
        }
    }

    pub fn connection_count(&self) -> usize {
        self.conns.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<u64, Conn>> {
        self.conns.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Notifier for LocalHub {
    async fn publish(&self, event: LiveEvent) {
        let (topics, messages) = messages_for(&event);
        let mut overflowed = Vec::new();
        {
            let conns = self.conns.read().unwrap_or_else(|p| p.into_inner());
            for (id, conn) in conns.iter() {
                if !topics.iter().any(|t| conn.topics.contains(t)) {
                    continue;
                }
                for m in &messages {
                    if conn.tx.try_send(m.clone()).is_err() {
                        overflowed.push(*id);
                        break;
                    }
                }
            }
        }
        for id in overflowed {
            tracing::warn!(connection = id, "live client too slow or gone; dropping it");
            self.disconnect(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_core::model::LogLine;

    fn log_event(dep: &str, app: &str) -> LiveEvent {
        LiveEvent::Log {
            deployment: dep.into(),
            app: app.into(),
            lines: vec![LogLine {
                seq: 1,
                timestamp: 0,
                text: "hello".into(),
            }],
        }
    }

    #[tokio::test]
    async fn delivers_only_to_subscribers_of_a_topic() {
        let hub = LocalHub::new();
        let (a, mut rx_a) = hub.connect();
        let (b, mut rx_b) = hub.connect();
        let (_c, mut rx_c) = hub.connect();
        hub.subscribe(a, &[Topic::Deployment("d1".into())]);
        hub.subscribe(b, &[Topic::App("shop".into())]);
        hub.publish(log_event("d1", "shop")).await;
        hub.publish(log_event("d2", "other")).await;
        assert!(
            rx_a.recv()
                .await
                .unwrap()
                .contains("\"deploymentId\":\"d1\"")
        );
        assert!(rx_b.recv().await.unwrap().contains("hello"));
        assert!(rx_a.try_recv().is_err(), "d2 is not a's topic");
        assert!(rx_b.try_recv().is_err());
        assert!(rx_c.try_recv().is_err());
        hub.unsubscribe(a, &[Topic::Deployment("d1".into())]);
        hub.publish(log_event("d1", "x")).await;
        assert!(rx_a.try_recv().is_err());
        hub.disconnect(b);
        assert_eq!(hub.connection_count(), 2);
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_dropped() {
        let hub = LocalHub::new();
        let (a, _rx) = hub.connect();
        hub.subscribe(a, &[Topic::App("shop".into())]);
        for _ in 0..=CONNECTION_BUFFER {
            hub.publish(log_event("d", "shop")).await;
        }
        assert_eq!(hub.connection_count(), 0);
    }
}
