//! GitHub webhooks: signature check, redelivery dedup, and the mapping of `push` events onto
//! the pipeline's push (the same path a local repository's new commit takes).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What is buffered before the signature can be checked: Lambda's own payload limit (6 MB),
/// and the same locally. GitHub sends up to 25 MB, but nothing larger could reach the Lambda,
/// and an unsigned sender must not make the server hold 25 MB per request.
pub const MAX_WEBHOOK_BYTES: usize = 6 * 1024 * 1024;

mod pull_request;
mod push;
mod signature;

pub use pull_request::{PullRequestDecision, interpret_pull_request};
pub use push::{PushDecision, interpret_push};
pub use signature::{SecretReader, WebhookSecret};

#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(untagged)]
pub enum WebhookResponse {
    Deployments { deployments: Vec<String> },
    Ignored { ignored: String },
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
        "pull_request" => match interpret_pull_request(&body)? {
            PullRequestDecision::Event(ev, key) => {
                return pull_request(&state, &delivery, &key, ev).await;
            }
            PullRequestDecision::Ignore(reason) => return ignored(reason),
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

/// A pull request's event: its previews, claimed once like a push.
async fn pull_request(
    state: &AppState,
    delivery: &str,
    replay_key: &str,
    ev: trellis_core::requests::PullRequestEvent,
) -> ApiResult<Response> {
    let ignored = |reason: String| {
        Ok((
            StatusCode::OK,
            Json(WebhookResponse::Ignored { ignored: reason }),
        )
            .into_response())
    };
    if !state.pipeline.claim_delivery(delivery).await? {
        return ignored(format!("delivery {delivery} was already processed"));
    }
    if !state.pipeline.claim_delivery(replay_key).await? {
        return ignored(format!(
            "this event ({replay_key}) was already received under another delivery id"
        ));
    }
    let deployments = match state.pipeline.pull_request(ev).await {
        Ok(d) => d,
        Err(e) => {
            for key in [delivery, replay_key] {
                if let Err(forget) = state.pipeline.release_delivery(key).await {
                    tracing::error!(%delivery, "forgetting a failed delivery: {forget}");
                }
            }
            return Err(e.into());
        }
    };
    if deployments.is_empty() {
        return ignored(
            "nothing to deploy: no app of this repository has previews on, or the pull \
             request had no preview"
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
