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
            vec![
                ServerMessage::Deployment {
                    deployment: Box::new(DeploymentView::from((**d).clone())),
                }
                .to_json(),
            ],
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
}
