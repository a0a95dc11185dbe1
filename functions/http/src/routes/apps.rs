use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trellis_core::DomainError;
use trellis_core::access::{Actor, Ask, check_create_app};
use trellis_core::model::Repository;
use trellis_core::requests::{NewApp, NewEnvironment};

use crate::audit::AuditNote;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views::{AppView, BranchView, CreateAppRequest, UpdateAppRequest};

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
) -> ApiResult<Response> {
    let repository: Repository = req.repository.try_into()?;
    // A user's say on a GitHub repository is GitHub's: asked now, through the installation
    // the request names (a repository outside it has no permission).
    let permission = match (&actor, &repository, state.github.as_deref()) {
        (Actor::User { login }, Repository::Github { .. }, Some(github)) => github
            .installations()
            .await?
            .collaborator_permission(&repository, login)
            .await
            .map_err(DomainError::from)?,
        _ => None,
    };
    let creator_role = check_create_app(&actor, &repository, permission.as_deref())?;
    let (app, envs) = state
        .pipeline
        .create_app(NewApp {
            name: req.name,
            repository,
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
    if let (Actor::User { login }, Some(role)) = (&actor, creator_role) {
        // After the app exists, never before: a refused name must not hand out a role on
        // an app of that name.
        state
            .access
            .record_github_role(&app.name, login, Some(role))
            .await?;
    }
    let role = state.access.role(&actor, &app.name).await?;
    // The audit entry belongs to the new app, so its admins find it in the app's log.
    let note = AuditNote {
        app: Some(app.name.clone()),
        target: Some(app.name.clone()),
        detail: Some(format!("repository {}", repository_label(&app.repository))),
    };
    let mut response = (
        StatusCode::CREATED,
        Json(AppView::new(app, envs).with_role(role)),
    )
        .into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

fn repository_label(repository: &Repository) -> String {
    match repository {
        Repository::Github { full_name, .. } => full_name.clone(),
        Repository::Local { path } => path.clone(),
    }
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
    if let Some(previews) = req.previews {
        state
            .pipeline
            .set_previews(&app, previews.map(|p| p.base_environment))
            .await?;
    }
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
    // Refused while environments are deployed; the destinations go only once the app has.
    state.pipeline.delete_app(&app).await?;
    if let Some(notifications) = &state.notifications {
        notifications.remove_all(&app).await?;
    }
    if let Some(caches) = &state.caches
        && let Err(e) = caches.clear(&app, None).await
    {
        // The app is gone either way; what is left expires (S3) or is evicted (locally).
        tracing::warn!(%app, "clearing the deleted app's dependency caches: {e}");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/apps/{app}/branches`: the branches of the app's repository, for the environment
/// settings' branch picker.
#[utoipa::path(get, path = "/api/apps/{app}/branches", tag = "apps",
    params(("app" = String, Path)),
    responses((status = 200, body = Vec<BranchView>), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_branches(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(app): Path<String>,
) -> ApiResult<Json<Vec<BranchView>>> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Read)
        .await?;
    let branches = state.pipeline.branches(&app).await?;
    Ok(Json(
        branches
            .into_iter()
            .map(|(name, sha)| BranchView { name, sha })
            .collect(),
    ))
}
