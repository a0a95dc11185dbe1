use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use trellis_core::access::{Actor, Ask};
use trellis_core::requests::{NewApp, NewEnvironment};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views::{AppView, CreateAppRequest, UpdateAppRequest};

/// `GET /api/apps`
#[utoipa::path(get, path = "/api/apps", tag = "apps",
    responses((status = 200, body = Vec<AppView>), (status = 401, body = ErrorBody)))]
pub async fn list_apps(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Vec<AppView>>> {
    let mut visible = Vec::new();
    // Only the apps the caller has a role on.
    for (app, envs) in state.pipeline.list_apps().await? {
        let role = state.access.role(&actor, &app.name).await?;
        if role.is_some() {
            visible.push(AppView::new(app, envs).with_role(role));
        }
    }
    Ok(Json(visible))
}

/// `POST /api/apps`: registers an app. Deploys nothing: existing branch heads count as seen.
#[utoipa::path(post, path = "/api/apps", tag = "apps", request_body = CreateAppRequest,
    responses((status = 201, body = AppView), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody)))]
pub async fn create_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(req): ApiJson<CreateAppRequest>,
) -> ApiResult<(StatusCode, Json<AppView>)> {
    state.access.check_create_app(&actor)?;
    let (app, envs) = state
        .pipeline
        .create_app(NewApp {
            name: req.name,
            repository: req.repository.try_into()?,
            settings: req.settings.into(),
            environments: req.environments.map(|envs| {
                envs.into_iter()
                    .map(|e| NewEnvironment {
                        name: e.name,
                        branch: e.branch,
                        auto_deploy: e.auto_deploy,
                        protected: e.protected,
                        tests_enabled: e.tests_enabled,
                    })
                    .collect()
            }),
        })
        .await?;
    let role = state.access.role(&actor, &app.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(AppView::new(app, envs).with_role(role)),
    ))
}

/// `GET /api/apps/{app}`
#[utoipa::path(get, path = "/api/apps/{app}", tag = "apps",
    params(("app" = String, Path)),
    responses((status = 200, body = AppView), (status = 404, body = ErrorBody)))]
pub async fn get_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(app): Path<String>,
) -> ApiResult<Json<AppView>> {
    let role = state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Read)
        .await?;
    let (app, envs) = state.pipeline.get_app(&app).await?;
    Ok(Json(AppView::new(app, envs).with_role(Some(role))))
}

/// `PATCH /api/apps/{app}`: app-wide default settings.
#[utoipa::path(patch, path = "/api/apps/{app}", tag = "apps", request_body = UpdateAppRequest,
    params(("app" = String, Path)),
    responses((status = 200, body = AppView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody)))]
pub async fn update_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(app): Path<String>,
    ApiJson(req): ApiJson<UpdateAppRequest>,
) -> ApiResult<Json<AppView>> {
    let role = state
        .access
        .check(&state.pipeline, &actor, &app, Ask::ConfigureApp)
        .await?;
    let (app, envs) = state
        .pipeline
        .update_app_settings(&app, req.settings.into())
        .await?;
    Ok(Json(AppView::new(app, envs).with_role(Some(role))))
}

/// `DELETE /api/apps/{app}`: refused (409) while any environment is deployed.
#[utoipa::path(delete, path = "/api/apps/{app}", tag = "apps",
    params(("app" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_app(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(app): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::DeleteApp)
        .await?;
    state.pipeline.delete_app(&app).await?;
    Ok(StatusCode::NO_CONTENT)
}
