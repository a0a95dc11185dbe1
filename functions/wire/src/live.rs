//! The live-update protocol spoken over `/api/ws` (locally) and the API Gateway WebSocket API.

use serde::{Deserialize, Serialize};
use trellis_core::logs::split_for_messages;
use trellis_core::model::Topic;
use trellis_core::ports::LiveEvent;

use crate::views::{DeploymentView, LogLineView};

/// API Gateway refuses messages over 128 KB; stay well below it.
pub const MAX_MESSAGE_BYTES: usize = 96 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    tag = "action",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ClientMessage {
    Subscribe {
        deployment_id: Option<String>,
        app: Option<String>,
    },
    Unsubscribe {
        deployment_id: Option<String>,
        app: Option<String>,
    },
    Ping,
}

impl ClientMessage {
    pub fn parse(text: &str) -> Result<ClientMessage, String> {
        serde_json::from_str(text).map_err(|e| {
            format!(
                "unreadable message ({e}); send {{\"action\":\"subscribe\",\"deploymentId\":...}} \
                 or {{\"action\":\"subscribe\",\"app\":...}}"
            )
        })
    }

    /// The topics a (un)subscribe names.
    pub fn topics(&self) -> Result<Vec<Topic>, String> {
        let (deployment_id, app) = match self {
            ClientMessage::Subscribe { deployment_id, app }
            | ClientMessage::Unsubscribe { deployment_id, app } => (deployment_id, app),
            ClientMessage::Ping => return Ok(Vec::new()),
        };
        let mut topics = Vec::new();
        if let Some(d) = deployment_id {
            topics.push(Topic::Deployment(d.clone()));
        }
        if let Some(a) = app {
            topics.push(Topic::App(a.clone()));
        }
        if topics.is_empty() {
            return Err("name a deploymentId or an app".into());
        }
        Ok(topics)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerMessage {
    Log {
        deployment_id: String,
        lines: Vec<LogLineView>,
    },
    Deployment {
        deployment: Box<DeploymentView>,
    },
    Subscribed {
        topics: Vec<Topic>,
    },
    Unsubscribed {
        topics: Vec<Topic>,
    },
    Error {
        message: String,
    },
    Pong,
}

impl ServerMessage {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// A deployment's status change. The full view can outgrow a WebSocket frame (API Gateway:
/// 128 KB): its variables, outputs and error then stay out of the message, and clients read
/// them from the API (they reload a deployment on each status message anyway).
fn deployment_message(d: &trellis_core::model::Deployment) -> String {
    let mut view = DeploymentView::from(d.clone());
    let full = ServerMessage::Deployment {
        deployment: Box::new(view.clone()),
    }
    .to_json();
    if full.len() <= MAX_MESSAGE_BYTES {
        return full;
    }
    view.config.variables.clear();
    view.outputs.clear();
    view.error = view
        .error
        .map(|e| trellis_core::validate::truncate(&e, 1024));
    ServerMessage::Deployment {
        deployment: Box::new(view),
    }
    .to_json()
}

/// The topics an event concerns and the messages (each under the size limit) that carry it.
pub fn messages_for(event: &LiveEvent) -> (Vec<Topic>, Vec<String>) {
    match event {
        LiveEvent::Log {
            deployment,
            app,
            lines,
        } => {
            let messages = split_for_messages(lines, MAX_MESSAGE_BYTES)
                .into_iter()
                .map(|group| {
                    ServerMessage::Log {
                        deployment_id: deployment.clone(),
                        lines: group.into_iter().map(Into::into).collect(),
                    }
                    .to_json()
                })
                .collect();
            (
                vec![
                    Topic::Deployment(deployment.clone()),
                    Topic::App(app.clone()),
                ],
                messages,
            )
        }
        LiveEvent::Deployment(d) => (
            vec![Topic::Deployment(d.id.clone()), Topic::App(d.app.clone())],
            vec![deployment_message(d)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_core::model::LogLine;

    #[test]
    fn parses_subscriptions() {
        let m = ClientMessage::parse(r#"{"action":"subscribe","deploymentId":"01H"}"#).unwrap();
        assert_eq!(m.topics().unwrap(), vec![Topic::Deployment("01H".into())]);
        let m = ClientMessage::parse(r#"{"action":"subscribe","app":"shop"}"#).unwrap();
        assert_eq!(m.topics().unwrap(), vec![Topic::App("shop".into())]);
        assert!(
            ClientMessage::parse(r#"{"action":"subscribe"}"#)
                .unwrap()
                .topics()
                .is_err()
        );
        assert!(ClientMessage::parse("nope").is_err());
    }

    #[test]
    fn big_log_events_are_split_under_the_limit() {
        let lines: Vec<LogLine> = (1..=200)
            .map(|seq| LogLine {
                seq,
                timestamp: 1,
                text: "\"quoted\" ".repeat(200),
            })
            .collect();
        let (topics, messages) = messages_for(&LiveEvent::Log {
            deployment: "d".into(),
            app: "a".into(),
            lines,
        });
        assert_eq!(topics.len(), 2);
        assert!(messages.len() > 1);
        let mut seqs = Vec::new();
        for m in &messages {
            assert!(m.len() <= MAX_MESSAGE_BYTES, "{}", m.len());
            let v: serde_json::Value = serde_json::from_str(m).unwrap();
            assert_eq!(v["type"], "log");
            assert_eq!(v["deploymentId"], "d");
            for l in v["lines"].as_array().unwrap() {
                seqs.push(l["seq"].as_u64().unwrap());
            }
        }
        assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
    }

    #[test]
    fn a_deployment_message_stays_under_the_frame_limit_whatever_its_configuration() {
        use trellis_core::model::DeploymentStatus;
        use trellis_core::validate::{MAX_VARIABLE_VALUE, MAX_VARIABLES};
        let mut d =
            trellis_core::conformance::deployment("shop", "dev", 1, DeploymentStatus::Succeeded);
        // Control characters take six bytes each once escaped in JSON.
        for i in 0..MAX_VARIABLES {
            d.config
                .variables
                .insert(format!("V{i}"), "\u{1}".repeat(MAX_VARIABLE_VALUE / 100));
        }
        d.outputs.insert("big".into(), "x".repeat(64 * 1024).into());
        let (_, messages) = messages_for(&LiveEvent::Deployment(Box::new(d.clone())));
        assert!(
            messages[0].len() <= MAX_MESSAGE_BYTES,
            "{}",
            messages[0].len()
        );
        let v: serde_json::Value = serde_json::from_str(&messages[0]).unwrap();
        assert_eq!(v["deployment"]["id"], d.id.as_str());
        assert_eq!(v["deployment"]["status"], "succeeded");
        // A small one is sent whole.
        let small =
            trellis_core::conformance::deployment("shop", "dev", 2, DeploymentStatus::Queued);
        let (_, messages) = messages_for(&LiveEvent::Deployment(Box::new(small)));
        let v: serde_json::Value = serde_json::from_str(&messages[0]).unwrap();
        assert_eq!(v["deployment"]["outputs"]["url"], "https://x");
    }
}
