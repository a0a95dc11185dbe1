//! The log forwarder: the handler of the CloudWatch Logs subscription Lambda, which local mode
//! runs too (its launcher wraps runner output into the same subscription payloads).

use std::sync::Arc;

use aws_lambda_events::event::cloudwatch_logs::{LogData, LogEntry, LogsEvent};
use thiserror::Error;
use trellis_core::StoreError;
use trellis_core::model::NewLogLine;
use trellis_core::ports::{DeploymentStore, LiveEvent, Notifier};

#[derive(Debug, Error)]
pub enum ForwardError {
    #[error("payload is not a CloudWatch Logs subscription event: {0}")]
    BadPayload(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ForwardSummary {
    pub stored: usize,
    /// Set when the log stream belongs to no known deployment.
    pub unknown_stream: Option<String>,
    pub control_message: bool,
}

pub struct LogForwarder {
    store: Arc<dyn DeploymentStore>,
    notifier: Arc<dyn Notifier>,
}

impl LogForwarder {
    pub fn new(store: Arc<dyn DeploymentStore>, notifier: Arc<dyn Notifier>) -> Self {
        LogForwarder { store, notifier }
    }

    /// Handles one raw subscription event (`{"awslogs":{"data":"<base64 gzip json>"}}`).
    pub async fn handle_json(&self, raw: &[u8]) -> Result<ForwardSummary, ForwardError> {
        let event: LogsEvent =
            serde_json::from_slice(raw).map_err(|e| ForwardError::BadPayload(e.to_string()))?;
        self.handle(event).await
    }

    pub async fn handle(&self, event: LogsEvent) -> Result<ForwardSummary, ForwardError> {
        let data = event.aws_logs.data;
        if data.message_type == "CONTROL_MESSAGE" {
            return Ok(ForwardSummary {
                control_message: true,
                ..Default::default()
            });
        }
        let Some(deployment) = self.deployment_for_stream(&data.log_stream).await? else {
            tracing::warn!(stream = %data.log_stream, "log stream belongs to no deployment");
            return Ok(ForwardSummary {
                unknown_stream: Some(data.log_stream),
                ..Default::default()
            });
        };
        let mut events = data.log_events;
        let delivery = delivery_id(&data.log_stream, &events);
        // CloudWatch orders events by timestamp; keep arrival order among equal timestamps.
        events.sort_by_key(|e| e.timestamp);
        let lines: Vec<NewLogLine> = events
            .into_iter()
            .map(|e| NewLogLine {
                timestamp: e.timestamp,
                text: e.message,
            })
            .collect();
        if lines.is_empty() {
            return Ok(ForwardSummary::default());
        }
        let stored = self
            .store
            .append_logs(&deployment.id, delivery.as_deref(), lines)
            .await?;
        let count = stored.len();
        self.notifier
            .publish(LiveEvent::Log {
                deployment: deployment.id.clone(),
                app: deployment.app.clone(),
                lines: stored,
            })
            .await;
        Ok(ForwardSummary {
            stored: count,
            ..Default::default()
        })
    }

    /// Streams are named `<prefix>/<container>/<task-id>` by the awslogs driver and
    /// `deployments/<deployment-id>` locally: the last segment is a deployment id or a runner
    /// handle.
    async fn deployment_for_stream(
        &self,
        stream: &str,
    ) -> Result<Option<trellis_core::model::Deployment>, StoreError> {
        let last = stream.rsplit('/').next().unwrap_or(stream);
        if last.is_empty() {
            return Ok(None);
        }
        if let Some(d) = self.store.get_deployment(last).await? {
            return Ok(Some(d));
        }
        self.store.find_deployment_by_runner(last).await
    }
}

/// Names a delivery by its events: CloudWatch gives every event an id unique in its log
/// group, and a retried Lambda invocation carries the same events again. Without ids (not
/// CloudWatch's payload) there is nothing to recognise a redelivery by.
fn delivery_id(stream: &str, events: &[LogEntry]) -> Option<String> {
    use sha2::{Digest, Sha256};
    if events.is_empty() || events.iter().any(|e| e.id.is_empty()) {
        return None;
    }
    let mut hash = Sha256::new();
    hash.update(stream.as_bytes());
    for e in events {
        hash.update(b"\n");
        hash.update(e.id.as_bytes());
    }
    Some(hex::encode(hash.finalize()))
}

/// The decoded contents of a subscription event, as CloudWatch Logs fills them in.
pub fn subscription_data(
    log_group: &str,
    log_stream: &str,
    lines: &[(i64, String)],
    first_id: u64,
) -> LogData {
    let mut data = LogData::default();
    data.owner = "000000000000".into();
    data.log_group = log_group.into();
    data.log_stream = log_stream.into();
    data.subscription_filters = vec!["trellis-runner-logs".into()];
    data.message_type = "DATA_MESSAGE".into();
    data.log_events = lines
        .iter()
        .enumerate()
        .map(|(i, (ts, text))| {
            let mut e = LogEntry::default();
            e.id = format!("{:056}", first_id + i as u64);
            e.timestamp = *ts;
            e.message = text.clone();
            e
        })
        .collect();
    data
}

/// The wire form CloudWatch Logs delivers: `{"awslogs":{"data":"<base64 of gzip of JSON>"}}`.
/// Encoded here rather than with `aws_lambda_events`' serializer, which writes unpadded
/// base64 that its own deserializer (and CloudWatch's format) does not accept.
pub fn encode_subscription(data: &LogData) -> Vec<u8> {
    use base64::Engine;
    use std::io::Write;
    let json = serde_json::to_vec(data).unwrap_or_default();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = gzip
        .write_all(&json)
        .and_then(|()| gzip.finish())
        .unwrap_or_default();
    let encoded = base64::engine::general_purpose::STANDARD.encode(compressed);
    serde_json::to_vec(&serde_json::json!({"awslogs": {"data": encoded}})).unwrap_or_default()
}

/// A data message with these lines, ready for [`LogForwarder::handle_json`].
pub fn subscription_payload(
    log_group: &str,
    log_stream: &str,
    lines: &[(i64, String)],
    first_id: u64,
) -> Vec<u8> {
    encode_subscription(&subscription_data(log_group, log_stream, lines, first_id))
}
