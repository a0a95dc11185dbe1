use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use trellis_core::access::{Actor, Ask};
use trellis_core::pipeline::MAX_PREVIEW_PAGE;
use trellis_core::requests::EnvironmentPatch;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::query_number;
use crate::state::AppState;
use crate::views::{
    DeployRequest, DeploymentView, EmptyRequest, EnvironmentView, PromotionPreviewView,
    RollbackRequest, UpdateEnvironmentRequest,
};

type Accepted = (StatusCode, Json<DeploymentView>);

fn accepted(d: trellis_core::model::Deployment) -> Accepted {
    (StatusCode::ACCEPTED, Json(d.into()))
}

/// `GET /api/apps/{app}/environments/{env}`
#[utoipa::path(get, path = "/api/apps/{app}/environments/{env}", tag = "environments",
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 200, body = EnvironmentView), (status = 404, body = ErrorBody)))]
pub async fn get_environment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
) -> ApiResult<Json<EnvironmentView>> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Read)
        .await?;
    Ok(Json(
        state.pipeline.get_environment(&app, &env).await?.into(),
    ))
}

/// `PATCH /api/apps/{app}/environments/{env}`: branch, auto-deploy, tests, variables, secrets
/// (write-only) and setting overrides.
#[utoipa::path(patch, path = "/api/apps/{app}/environments/{env}", tag = "environments",
    request_body = UpdateEnvironmentRequest,
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 200, body = EnvironmentView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody)))]
pub async fn update_environment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateEnvironmentRequest>,
) -> ApiResult<Json<EnvironmentView>> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Configure(&env))
        .await?;
    let patch = EnvironmentPatch {
        branch: req.branch,
        auto_deploy: req.auto_deploy,
        requires_approval: req.requires_approval,
        tests_enabled: req.tests_enabled,
        dependency_cache: req.dependency_cache,
        variables: req.variables,
        secrets: req.secrets,
        settings: req.settings.map(Into::into),
    };
    Ok(Json(
        state
            .pipeline
            .update_environment(&app, &env, patch)
            .await?
            .into(),
    ))
}

/// `GET /api/apps/{app}/environments/{env}/deployments?limit=&before=`: newest first.
#[utoipa::path(get, path = "/api/apps/{app}/environments/{env}/deployments", tag = "environments",
    params(("app" = String, Path), ("env" = String, Path),
           ("limit" = Option<u64>, Query, maximum = 200, description = "1 to 200, default 50"),
           ("before" = Option<String>, Query, description = "only deployments older than this id")),
    responses((status = 200, body = Vec<DeploymentView>), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_deployments(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<DeploymentView>>> {
    let limit = query_number(&query, "limit", 50, 200)? as usize;
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Read)
        .await?;
    let deployments = state
        .pipeline
        .list_deployments(&app, &env, limit, query.get("before").map(String::as_str))
        .await?;
    Ok(Json(deployments.into_iter().map(Into::into).collect()))
}

/// `POST /api/apps/{app}/environments/{env}/deploy`: the tracked branch's head, or `ref`.
#[utoipa::path(post, path = "/api/apps/{app}/environments/{env}/deploy", tag = "environments",
    request_body(content = DeployRequest, description = "optional"),
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 202, body = DeploymentView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn deploy(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
    ApiJson(req): ApiJson<DeployRequest>,
) -> ApiResult<Accepted> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Deploy(&env))
        .await?;
    let d = state
        .pipeline
        .deploy_as(&app, &env, req.reference.as_deref(), Some(&actor.label()))
        .await?;
    Ok(accepted(d))
}

/// `POST /api/apps/{app}/environments/{env}/promote`: this environment's last succeeded commit
/// goes to the next environment; answers with the deployment there.
#[utoipa::path(post, path = "/api/apps/{app}/environments/{env}/promote", tag = "environments",
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 202, body = DeploymentView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
    ApiJson(_empty): ApiJson<EmptyRequest>,
) -> ApiResult<Accepted> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Promote(&env))
        .await?;
    Ok(accepted(
        state
            .pipeline
            .promote_as(&app, &env, Some(&actor.label()))
            .await?,
    ))
}

/// `GET /api/apps/{app}/environments/{env}/promote?skip=&limit=`: what promoting this
/// environment into the next one would ship — its commits (newest first, paged) and the
/// target's settings that changed since its current deployment. Changes nothing.
#[utoipa::path(get, path = "/api/apps/{app}/environments/{env}/promote", tag = "environments",
    params(("app" = String, Path), ("env" = String, Path),
           ("skip" = Option<u64>, Query, description = "commits already listed, default 0"),
           ("limit" = Option<u64>, Query, maximum = 100, description = "1 to 100, default 50")),
    responses((status = 200, body = PromotionPreviewView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn promotion_preview(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<PromotionPreviewView>> {
    let skip = query_number(&query, "skip", 0, 1_000_000)? as usize;
    let limit = query_number(&query, "limit", 50, MAX_PREVIEW_PAGE as u64)?.max(1) as usize;
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Read)
        .await?;
    let preview = state
        .pipeline
        .promotion_preview(&app, &env, skip, limit)
        .await?;
    Ok(Json(PromotionPreviewView::new(preview, skip)))
}

/// `POST /api/apps/{app}/environments/{env}/rollback`: redeploys an earlier succeeded
/// deployment's commit and configuration.
#[utoipa::path(post, path = "/api/apps/{app}/environments/{env}/rollback", tag = "environments",
    request_body = RollbackRequest,
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 202, body = DeploymentView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn rollback(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
    ApiJson(req): ApiJson<RollbackRequest>,
) -> ApiResult<Accepted> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Rollback(&env))
        .await?;
    Ok(accepted(
        state
            .pipeline
            .rollback_as(&app, &env, &req.deployment_id, Some(&actor.label()))
            .await?,
    ))
}

/// `POST /api/apps/{app}/environments/{env}/teardown`: runs the remove command.
#[utoipa::path(post, path = "/api/apps/{app}/environments/{env}/teardown", tag = "environments",
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 202, body = DeploymentView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn teardown(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
    ApiJson(_empty): ApiJson<EmptyRequest>,
) -> ApiResult<Accepted> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Teardown(&env))
        .await?;
    Ok(accepted(
        state
            .pipeline
            .teardown_as(&app, &env, Some(&actor.label()))
            .await?,
    ))
}
