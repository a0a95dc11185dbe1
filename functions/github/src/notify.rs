//! Notification deliveries posted over HTTPS (the same client as GitHub's calls).

use async_trait::async_trait;
use bytes::Bytes;
use http::Method;
use trellis_core::notify::NotificationSender;

use crate::https::{HttpsClient, HttpsError};

/// A receiver gets this long to answer; a slow one is retried later.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct HttpNotifications {
    http: HttpsClient,
}

impl HttpNotifications {
    pub fn new() -> Result<Self, HttpsError> {
        Ok(HttpNotifications {
            http: HttpsClient::new("trellis-notifications", TIMEOUT)?,
        })
    }
}

#[async_trait]
impl NotificationSender for HttpNotifications {
    async fn post(&self, url: &str, headers: &[(&str, &str)], body: &str) -> Result<(), String> {
        let (status, answer) = self
            .http
            .send(Method::POST, url, headers, Bytes::from(body.to_string()))
            .await
            // The URL is a secret: an error must not repeat it.
            .map_err(|e| e.to_string().replace(url, "<the destination's URL>"))?;
        if status.is_success() {
            return Ok(());
        }
        let said: String = String::from_utf8_lossy(&answer).chars().take(200).collect();
        Err(format!("HTTP {}: {}", status.as_u16(), said.trim()))
    }
}
