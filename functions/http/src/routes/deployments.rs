use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};

use trellis_core::StoreError;
use trellis_core::logs;
use trellis_core::model::{Deployment, LogLine, Timestamp};
use trellis_core::ports::DeploymentStore;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::query_number;
use crate::state::AppState;
use crate::views::{DeploymentView, EmptyRequest, LogsView};

/// `GET /api/deployments/{id}`
#[utoipa::path(get, path = "/api/deployments/{id}", tag = "deployments",
    params(("id" = String, Path)),
    responses((status = 200, body = DeploymentView), (status = 404, body = ErrorBody)))]
pub async fn get_deployment(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeploymentView>> {
    Ok(Json(state.pipeline.require_deployment(&id).await?.into()))
}

/// `POST /api/deployments/{id}/cancel`: a queued deployment is cancelled at once; a running
/// one's runner is asked to stop and the deployment ends `cancelled` when it has.
#[utoipa::path(post, path = "/api/deployments/{id}/cancel", tag = "deployments",
    params(("id" = String, Path)),
    responses((status = 200, body = DeploymentView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(_empty): ApiJson<EmptyRequest>,
) -> ApiResult<Json<DeploymentView>> {
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
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<LogsView>> {
    let after = query_number(&query, "after", 0, u64::MAX)?;
    let limit = query_number(&query, "limit", 1000, MAX_LOG_PAGE)?.max(1) as usize;
    // Read the status first: a line stored by then is in the page read after it.
    let deployment = state.pipeline.require_deployment(&id).await?;
    let lines = state.pipeline.store().read_logs(&id, after, limit).await?;
    let complete = lines.len() < limit
        && log_complete(
            state.pipeline.store().as_ref(),
            &deployment,
            after,
            &lines,
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(Json(LogsView {
        lines: lines.into_iter().map(Into::into).collect(),
        complete,
    }))
}

/// Whether a page that reached the end of the stored log (`page`, the lines after `after`)
/// saw the whole log: the deployment has ended and its runner's last line is stored, or it
/// ended longer ago than the store's delivery lag.
pub async fn log_complete(
    store: &dyn DeploymentStore,
    deployment: &Deployment,
    after: u64,
    page: &[LogLine],
    now: Timestamp,
) -> Result<bool, StoreError> {
    if !deployment.status.is_terminal() {
        return Ok(false);
    }
    // Without a recorded end, the end is long past.
    let ended_at = deployment
        .finished_at
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let lag = store.log_delivery_lag();
    if lag.is_zero() || now - ended_at >= lag {
        return Ok(true);
    }
    let last = match page.last() {
        Some(line) => Some(line.clone()),
        // A client that has every line asks for what comes after the last one it saw.
        None if after > 0 => store.read_logs(&deployment.id, after - 1, 1).await?.pop(),
        None => None,
    };
    Ok(logs::log_complete(
        Some(ended_at),
        last.as_ref().map(|l| l.text.as_str()),
        now,
        lag,
    ))
}
