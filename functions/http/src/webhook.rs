//! GitHub webhooks: signature check, redelivery dedup, and the mapping of `push` events onto
//! the pipeline's push (the same path a local repository's new commit takes).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use trellis_core::model::{Commit, Repository};
use trellis_core::requests::PushEvent;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What is buffered before the signature can be checked: Lambda's own payload limit (6 MB),
/// and the same locally. GitHub sends up to 25 MB, but nothing larger could reach the Lambda,
/// and an unsigned sender must not make the server hold 25 MB per request.
pub const MAX_WEBHOOK_BYTES: usize = 6 * 1024 * 1024;

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
    Reading(tokio::task::JoinHandle<Result<String, String>>),
    Read(Arc<[u8]>),
    Failed,
}

impl WebhookSecret {
    pub fn new(secret: &str) -> Self {
        WebhookSecret(Key::Ready(Some(secret.as_bytes().to_vec())))
    }

    pub fn unusable() -> Self {
        WebhookSecret(Key::Ready(None))
    }

    /// Starts reading the secret now (needs a Tokio runtime); deliveries wait for it.
    pub fn deferred(read: SecretReader) -> Self {
        let reading = tokio::spawn(read());
        WebhookSecret(Key::Deferred {
            read,
            state: tokio::sync::Mutex::new(Deferred::Reading(reading)),
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
                Deferred::Failed => *state = Deferred::Reading(tokio::spawn(read())),
                Deferred::Reading(task) => {
                    let outcome = task.await.map_err(|e| e.to_string()).and_then(|r| r);
                    match outcome {
                        Ok(value) => *state = Deferred::Read(Arc::from(value.into_bytes())),
                        Err(reason) => {
                            *state = Deferred::Failed;
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

#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(untagged)]
pub enum WebhookResponse {
    Deployments { deployments: Vec<String> },
    Ignored { ignored: String },
}

#[derive(Debug, Deserialize)]
struct PushPayload {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    before: String,
    after: String,
    #[serde(default)]
    deleted: bool,
    head_commit: Option<HeadCommit>,
    repository: PayloadRepository,
}

#[derive(Debug, Deserialize)]
struct HeadCommit {
    id: String,
    message: String,
    author: Option<CommitAuthor>,
}

#[derive(Debug, Deserialize)]
struct CommitAuthor {
    name: Option<String>,
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PayloadRepository {
    full_name: String,
}

/// What a push payload asks for.
#[derive(Debug)]
pub enum PushDecision {
    /// The push, and the key its content is remembered by: the signature does not cover
    /// the delivery id, so a captured payload re-sent under new ids is still the same push.
    Push(PushEvent, String),
    Ignore(String),
}

pub fn interpret_push(body: &[u8]) -> Result<PushDecision, ApiError> {
    let p: PushPayload = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("push payload unreadable: {e}")))?;
    let Some(branch) = p.reference.strip_prefix("refs/heads/") else {
        let what = if p.reference.starts_with("refs/tags/") {
            "tag"
        } else {
            "non-branch ref"
        };
        return Ok(PushDecision::Ignore(format!(
            "{what} push ({}) deploys nothing",
            p.reference
        )));
    };
    if p.deleted || p.after.chars().all(|c| c == '0') {
        return Ok(PushDecision::Ignore(format!(
            "branch {branch} was deleted: nothing to deploy"
        )));
    }
    let sha = |field: &str, value: &str| {
        trellis_core::validate::commit_sha(field, value)
            .map_err(|e| ApiError::bad_request(format!("push payload field {field}: {e}")))
    };
    sha("after", &p.after)?;
    if let Some(c) = &p.head_commit
        && c.id != p.after
    {
        return Err(ApiError::bad_request(format!(
            "push payload field head_commit.id: {:?} is not the pushed commit (after = {:?})",
            c.id, p.after
        )));
    }
    trellis_core::validate::branch("ref", branch)
        .map_err(|e| ApiError::bad_request(format!("push payload field ref: {e}")))?;
    let replay_key = format!(
        "push {} {} {}..{}",
        p.repository.full_name, p.reference, p.before, p.after
    );
    let commit = match p.head_commit {
        Some(c) => Commit {
            sha: c.id,
            message: c.message,
            author: c
                .author
                .and_then(|a| a.name.or(a.username))
                .unwrap_or_default(),
        },
        None => Commit {
            sha: p.after,
            message: String::new(),
            author: String::new(),
        },
    };
    Ok(PushDecision::Push(
        PushEvent {
            repository_key: Repository::Github {
                full_name: p.repository.full_name,
                installation_id: 0,
            }
            .key(),
            branch: branch.to_string(),
            commit,
            only_app: None,
        },
        replay_key,
    ))
}

/// `POST /api/webhooks/github`
#[utoipa::path(post, path = "/api/webhooks/github", tag = "webhooks",
    request_body(content = Object, description = "A GitHub webhook delivery, exactly as GitHub sends it"),
    params(
        ("X-Hub-Signature-256" = String, Header, description = "sha256=<HMAC-SHA256 of the body>"),
        ("X-GitHub-Event" = String, Header, description = "push, ping, ..."),
        ("X-GitHub-Delivery" = String, Header, description = "unique delivery id"),
    ),
    responses(
        (status = 202, description = "Deployments queued", body = WebhookResponse),
        (status = 200, description = "Nothing to do, and why", body = WebhookResponse),
        (status = 400, description = "A header is missing or the push payload is unreadable (which field, why)", body = crate::error::ErrorBody),
        (status = 401, description = "Missing or wrong signature", body = crate::error::ErrorBody),
        (status = 413, description = "The delivery is larger than 6 MB (read before the signature is checked)"),
        (status = 503, description = "The webhook secret or the store cannot be read right now; redeliver later", body = crate::error::ErrorBody),
    ))]
pub async fn github_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    state
        .webhook_secret
        .verify(&body, header("x-hub-signature-256"))
        .await?;
    let event = header("x-github-event")
        .ok_or_else(|| ApiError::bad_request("missing X-GitHub-Event header"))?
        .to_string();
    let delivery = header("x-github-delivery")
        .ok_or_else(|| ApiError::bad_request("missing X-GitHub-Delivery header"))?
        .to_string();
    let ignored = |reason: String| {
        Ok((
            StatusCode::OK,
            Json(WebhookResponse::Ignored { ignored: reason }),
        )
            .into_response())
    };
    let (push, replay_key) = match event.as_str() {
        "ping" => return ignored("ping: the webhook is set up".into()),
        "push" => match interpret_push(&body)? {
            PushDecision::Push(p, key) => (p, key),
            PushDecision::Ignore(reason) => return ignored(reason),
        },
        other => return ignored(format!("{other} events are not handled")),
    };
    if !state.pipeline.claim_delivery(&delivery).await? {
        return ignored(format!("delivery {delivery} was already processed"));
    }
    if !state.pipeline.claim_delivery(&replay_key).await? {
        return ignored(format!(
            "this push ({replay_key}) was already received under another delivery id"
        ));
    }
    let deployments = match state.pipeline.handle_push(push).await {
        Ok(d) => d,
        Err(e) => {
            // Not processed: GitHub's redelivery must be, so the delivery is forgotten.
            for key in [&delivery, &replay_key] {
                if let Err(forget) = state.pipeline.release_delivery(key).await {
                    tracing::error!(%delivery, "forgetting a failed delivery: {forget}");
                }
            }
            return Err(e.into());
        }
    };
    if deployments.is_empty() {
        return ignored(
            "nothing to deploy: no auto-deploy environment tracks this branch, or this commit \
             is already deployed or in line there"
                .into(),
        );
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(WebhookResponse::Deployments {
            deployments: deployments.into_iter().map(|d| d.id).collect(),
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        trellis_core::conformance::fixture(&format!("github/{name}"))
    }

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

    #[test]
    fn tag_deletion_is_ignored() {
        for f in [
            "push.json",
            "push-tag-deleted.json",
            "push-organization.json",
        ] {
            match interpret_push(&fixture(f)).unwrap() {
                PushDecision::Ignore(r) => assert!(r.contains("tag"), "{f}: {r}"),
                other => panic!("{f}: {other:?}"),
            }
        }
    }

    #[test]
    fn new_branch_push_is_a_push() {
        match interpret_push(&fixture("push-new-branch.json")).unwrap() {
            PushDecision::Push(p, key) => {
                assert_eq!(p.branch, "master");
                assert_eq!(p.commit.sha.len(), 40);
                assert!(p.repository_key.starts_with("github:"));
                assert_eq!(
                    key,
                    format!(
                        "push Codertocat/Hello-World refs/heads/master {}..{}",
                        "0".repeat(40),
                        p.commit.sha
                    )
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_commit_id_that_is_not_a_full_sha_is_refused_naming_the_field() {
        let with = |after: &str, head: &str| {
            format!(
                r#"{{"ref":"refs/heads/main","after":"{after}","head_commit":{{"id":"{head}","message":"m"}},"repository":{{"full_name":"o/r"}}}}"#
            )
        };
        let good = "a".repeat(40);
        for (body, field) in [
            (with("abc", &good), "after"),
            (with(&format!("{}é", "a".repeat(39)), &good), "after"),
            (with(&good, "../../etc"), "head_commit.id"),
            (with(&good, &"0".repeat(40)), "head_commit.id"),
        ] {
            let err = interpret_push(body.as_bytes()).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert!(err.message.contains(field), "{}", err.message);
        }
        assert!(matches!(
            interpret_push(with(&good, &good).as_bytes()).unwrap(),
            PushDecision::Push(..)
        ));
    }

    #[test]
    fn branch_deletion_is_ignored() {
        let body = br#"{"ref":"refs/heads/main","after":"0000000000000000000000000000000000000000","deleted":true,"head_commit":null,"repository":{"full_name":"o/r"}}"#;
        match interpret_push(body).unwrap() {
            PushDecision::Ignore(r) => assert!(r.contains("deleted"), "{r}"),
            other => panic!("{other:?}"),
        }
    }
}
