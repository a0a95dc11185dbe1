//! An environment's dependency cache: what is stored, and clearing it (a build then installs
//! from scratch and saves a fresh one).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trellis_core::access::{Actor, Ask};
use trellis_core::cache::{CacheError, DependencyCaches};

use crate::audit::AuditNote;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::views::{CacheView, ClearedCacheView};

fn unavailable(e: CacheError) -> ApiError {
    // Where it failed goes to the log; the caller learns what to do.
    tracing::error!("{e}");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "cache_unavailable",
        "the dependency cache cannot be read right now (see the server log); nothing was changed, try again",
    )
}

fn caches(state: &AppState) -> ApiResult<&dyn DependencyCaches> {
    state.caches.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "unsupported",
            "this installation keeps no dependency caches",
        )
    })
}

/// `GET /api/apps/{app}/environments/{env}/cache`
#[utoipa::path(get, path = "/api/apps/{app}/environments/{env}/cache", tag = "environments",
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 200, body = CacheView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn get_cache(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
) -> ApiResult<Json<CacheView>> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Read)
        .await?;
    let environment = state.pipeline.get_environment(&app, &env).await?;
    let entries = caches(&state)?
        .entries(&app, &env)
        .await
        .map_err(unavailable)?;
    Ok(Json(CacheView {
        enabled: environment.dependency_cache,
        total_bytes: entries.iter().map(|e| e.bytes).sum(),
        entries: entries.into_iter().map(Into::into).collect(),
    }))
}

/// `DELETE /api/apps/{app}/environments/{env}/cache`: anyone who may deploy there may clear it
/// (it only makes the next install a clean one).
#[utoipa::path(delete, path = "/api/apps/{app}/environments/{env}/cache", tag = "environments",
    params(("app" = String, Path), ("env" = String, Path)),
    responses((status = 200, body = ClearedCacheView), (status = 404, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn clear_cache(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, env)): Path<(String, String)>,
) -> ApiResult<Response> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Deploy(&env))
        .await?;
    state.pipeline.get_environment(&app, &env).await?;
    let cleared = caches(&state)?
        .clear(&app, Some(&env))
        .await
        .map_err(unavailable)?;
    let note = AuditNote {
        app: Some(app),
        target: Some(env),
        detail: Some(format!(
            "{} archives, {} bytes",
            cleared.archives, cleared.bytes
        )),
    };
    let mut response = Json(ClearedCacheView::from(cleared)).into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}
