use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use trellis_core::access::Actor;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::query_number;
use crate::state::AppState;
use crate::views::{DeploymentView, EmptyRequest, LogsView, RejectRequest};

/// `GET /api/deployments/{id}`
#[utoipa::path(get, path = "/api/deployments/{id}", tag = "deployments",
    params(("id" = String, Path)),
    responses((status = 200, body = DeploymentView), (status = 404, body = ErrorBody)))]
pub async fn get_deployment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeploymentView>> {
    state
        .access
        .check_read_deployment(&state.pipeline, &actor, &id)
        .await?;
    let mut view: DeploymentView = state.pipeline.require_deployment(&id).await?.into();
    if let Some(feedback) = &state.feedback {
        let reported = feedback.of_deployment(&id).await?;
        if !reported.is_empty() {
            view.feedback = Some(reported.into_iter().map(Into::into).collect());
        }
    }
    Ok(Json(view))
}

/// `POST /api/deployments/{id}/cancel`: a queued deployment is cancelled at once; a running
/// one's runner is asked to stop and the deployment ends `cancelled` when it has.
#[utoipa::path(post, path = "/api/deployments/{id}/cancel", tag = "deployments",
    params(("id" = String, Path)),
    responses((status = 200, body = DeploymentView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(_empty): ApiJson<EmptyRequest>,
) -> ApiResult<Json<DeploymentView>> {
    state
        .access
        .check_cancel(&state.pipeline, &actor, &id)
        .await?;
    Ok(Json(state.pipeline.cancel(&id).await?.into()))
}

pub const MAX_LOG_PAGE: u64 = 5000;

/// `GET /api/deployments/{id}/logs?after={seq}&limit=`: lines with `seq > after`, in order.
#[utoipa::path(get, path = "/api/deployments/{id}/logs", tag = "deployments",
    params(("id" = String, Path),
           ("after" = Option<u64>, Query, description = "last seq already seen, default 0"),
           ("limit" = Option<u64>, Query, maximum = 5000, description = "1 to 5000, default 1000")),
    responses((status = 200, body = LogsView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn logs(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<LogsView>> {
    let after = query_number(&query, "after", 0, u64::MAX)?;
    let limit = query_number(&query, "limit", 1000, MAX_LOG_PAGE)?.max(1) as usize;
    state
        .access
        .check_read_deployment(&state.pipeline, &actor, &id)
        .await?;
    let page = state.pipeline.log_page(&id, after, limit).await?;
    Ok(Json(LogsView {
        lines: page.lines.into_iter().map(Into::into).collect(),
        complete: page.complete,
    }))
}

/// `POST /api/deployments/{id}/approve`: an admin other than the requester lets a deployment
/// into an environment that requires approval go ahead.
#[utoipa::path(post, path = "/api/deployments/{id}/approve", tag = "deployments",
    params(("id" = String, Path)),
    responses((status = 200, body = DeploymentView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(_empty): ApiJson<EmptyRequest>,
) -> ApiResult<Json<DeploymentView>> {
    state
        .access
        .check_approval(&state.pipeline, &actor, &id)
        .await?;
    Ok(Json(
        state.pipeline.approve(&id, &actor.label()).await?.into(),
    ))
}

/// `POST /api/deployments/{id}/reject` `{reason}`: an admin turns it down; it ends cancelled.
#[utoipa::path(post, path = "/api/deployments/{id}/reject", tag = "deployments",
    request_body = RejectRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = DeploymentView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RejectRequest>,
) -> ApiResult<Json<DeploymentView>> {
    state
        .access
        .check_approval(&state.pipeline, &actor, &id)
        .await?;
    Ok(Json(
        state
            .pipeline
            .reject(&id, &actor.label(), &req.reason)
            .await?
            .into(),
    ))
}
