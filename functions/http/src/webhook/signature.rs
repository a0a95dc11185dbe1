//! The webhook secret: HMAC-SHA256 signatures, checked in constant time.

use std::sync::Arc;

use axum::http::StatusCode;
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ApiError;

/// Reads the secret's value (a Lambda: from Secrets Manager).
pub type SecretReader =
    Arc<dyn Fn() -> BoxFuture<'static, Result<String, String>> + Send + Sync + 'static>;

/// The key deliveries are signed with.
pub struct WebhookSecret(Key);

enum Key {
    /// `None`: a function that does not receive webhooks refuses every delivery.
    Ready(Option<Vec<u8>>),
    /// Read in the background from the start, so that a cold start does not wait for it; a
    /// failed read is tried again by the next delivery.
    Deferred {
        read: SecretReader,
        state: tokio::sync::Mutex<Deferred>,
    },
}

enum Deferred {
    /// Not asked for yet, or the last read failed: the next delivery reads it.
    Unread,
    Reading(tokio::task::JoinHandle<Result<String, String>>),
    Read(Arc<[u8]>),
}

impl WebhookSecret {
    pub fn new(secret: &str) -> Self {
        WebhookSecret(Key::Ready(Some(secret.as_bytes().to_vec())))
    }

    pub fn unusable() -> Self {
        WebhookSecret(Key::Ready(None))
    }

    /// Read when the first delivery needs it, not at cold start (a read started then would
    /// compete with the function's start for the CPU, and build the HTTPS client early).
    pub fn deferred(read: SecretReader) -> Self {
        WebhookSecret(Key::Deferred {
            read,
            state: tokio::sync::Mutex::new(Deferred::Unread),
        })
    }

    async fn key(&self) -> Result<Arc<[u8]>, ApiError> {
        let (read, state) = match &self.0 {
            Key::Ready(Some(key)) => return Ok(Arc::from(key.as_slice())),
            Key::Ready(None) => {
                return Err(ApiError::unauthorized(
                    "this function does not accept webhooks",
                ));
            }
            Key::Deferred { read, state } => (read, state),
        };
        let mut state = state.lock().await;
        loop {
            match &mut *state {
                Deferred::Read(key) => return Ok(key.clone()),
                Deferred::Unread => *state = Deferred::Reading(tokio::spawn(read())),
                Deferred::Reading(task) => {
                    let outcome = task.await.map_err(|e| e.to_string()).and_then(|r| r);
                    match outcome {
                        Ok(value) => *state = Deferred::Read(Arc::from(value.into_bytes())),
                        Err(reason) => {
                            *state = Deferred::Unread;
                            tracing::error!(%reason, "the webhook secret cannot be read");
                            // 503: GitHub shows the delivery as failed; it can be redelivered.
                            return Err(ApiError::new(
                                StatusCode::SERVICE_UNAVAILABLE,
                                "unavailable",
                                "the webhook secret cannot be read right now; redeliver later",
                            ));
                        }
                    }
                }
            }
        }
    }

    /// The secret's value, to hand to GitHub when Trellis creates its app (never logged or
    /// answered).
    pub async fn value(&self) -> Result<String, ApiError> {
        let key = self.key().await?;
        String::from_utf8(key.to_vec())
            .map_err(|_| ApiError::bad_request("the webhook secret is not text"))
    }

    /// Checks `X-Hub-Signature-256` (`sha256=<hex HMAC-SHA256 of the raw body>`) in constant
    /// time.
    pub async fn verify(&self, body: &[u8], header: Option<&str>) -> Result<(), ApiError> {
        let header = header.ok_or_else(|| {
            ApiError::unauthorized("missing X-Hub-Signature-256 header: the delivery is not signed")
        })?;
        let hex_sig = header
            .strip_prefix("sha256=")
            .ok_or_else(|| ApiError::unauthorized("X-Hub-Signature-256 must start with sha256="))?;
        let sig = hex::decode(hex_sig)
            .map_err(|_| ApiError::unauthorized("X-Hub-Signature-256 is not hexadecimal"))?;
        let key = self.key().await?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key)
            .map_err(|_| ApiError::unauthorized("webhook secret unusable"))?;
        mac.update(body);
        mac.verify_slice(&sig)
            .map_err(|_| ApiError::unauthorized("webhook signature does not match"))
    }

    /// Signs like GitHub does, with a secret given by value (tests and tools).
    pub fn sign(&self, body: &[u8]) -> String {
        let key = match &self.0 {
            Key::Ready(Some(key)) => key.as_slice(),
            _ => &[],
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn signature_round_trip_and_rejections() {
        let s = WebhookSecret::new("It's a Secret to Everybody");
        let body = b"Hello, World!";
        // The example GitHub documents for this secret and body.
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(s.sign(body), expected);
        assert!(s.verify(body, Some(expected)).await.is_ok());
        assert!(s.verify(b"Hello, World?", Some(expected)).await.is_err());
        assert!(s.verify(body, None).await.is_err());
        assert!(s.verify(body, Some("sha1=abc")).await.is_err());
        assert!(s.verify(body, Some("sha256=zz")).await.is_err());
        assert!(
            WebhookSecret::unusable()
                .verify(body, Some(expected))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_deferred_secret_is_read_once_and_a_failed_read_is_tried_again() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = reads.clone();
        let read: SecretReader = Arc::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if n == 0 {
                    Err("ThrottlingException".to_string())
                } else {
                    Ok("It's a Secret to Everybody".to_string())
                }
            })
        });
        let s = WebhookSecret::deferred(read);
        let body = b"Hello, World!";
        let signed = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        let first = s.verify(body, Some(signed)).await.unwrap_err();
        assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(s.verify(body, Some(signed)).await.is_ok());
        assert_eq!(
            s.verify(body, Some("sha256=00")).await.unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        assert!(s.verify(body, Some(signed)).await.is_ok());
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }
}
