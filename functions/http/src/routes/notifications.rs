//! `/api/apps/{app}/notifications`: where an app's deployment events are sent (admins).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use trellis_core::access::{Actor, Ask};
use trellis_core::notify::{EventKind, NewDestination, NotificationService};

use crate::audit::AuditNote;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::query_number;
use crate::state::AppState;
use crate::views::{
    CreateDestinationRequest, CreatedDestinationView, DeliveryView, DestinationView,
};

fn service(state: &AppState) -> Result<&NotificationService, ApiError> {
    state.notifications.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "this deployment of Trellis sends no notifications",
        )
    })
}

async fn admin(state: &AppState, actor: &Actor, app: &str) -> Result<(), ApiError> {
    state
        .access
        .check(&state.pipeline, actor, app, Ask::ConfigureApp)
        .await?;
    Ok(())
}

/// `GET /api/apps/{app}/notifications`
#[utoipa::path(get, path = "/api/apps/{app}/notifications", tag = "notifications",
    params(("app" = String, Path)),
    responses((status = 200, body = Vec<DestinationView>), (status = 404, body = ErrorBody)))]
pub async fn list_destinations(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(app): Path<String>,
) -> ApiResult<Json<Vec<DestinationView>>> {
    admin(&state, &actor, &app).await?;
    let list = service(&state)?.list(&app).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// `POST /api/apps/{app}/notifications`: a destination; a webhook's signing key is in this
/// answer only, and the URL is never shown again.
#[utoipa::path(post, path = "/api/apps/{app}/notifications", tag = "notifications",
    params(("app" = String, Path)), request_body = CreateDestinationRequest,
    responses((status = 201, body = CreatedDestinationView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn create_destination(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(app): Path<String>,
    ApiJson(req): ApiJson<CreateDestinationRequest>,
) -> ApiResult<Response> {
    admin(&state, &actor, &app).await?;
    let mut events = Vec::new();
    for e in &req.events {
        events.push(EventKind::parse(e).ok_or_else(|| {
            ApiError::invalid(
                "events",
                format!(
                    "{e:?} is not an event: choose from {}",
                    EventKind::ALL.map(EventKind::as_str).join(", ")
                ),
            )
        })?);
    }
    let (destination, key) = service(&state)?
        .create(
            &app,
            NewDestination {
                name: req.name,
                kind: req.kind.into(),
                url: req.url,
                events,
            },
            &actor.label(),
        )
        .await?;
    let note = AuditNote {
        app: Some(app),
        target: Some(destination.id.clone()),
        detail: Some(format!(
            "destination {} ({})",
            destination.name, destination.host
        )),
    };
    let mut response = (
        StatusCode::CREATED,
        Json(CreatedDestinationView {
            destination: destination.into(),
            signing_key: key,
        }),
    )
        .into_response();
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `DELETE /api/apps/{app}/notifications/{id}`
#[utoipa::path(delete, path = "/api/apps/{app}/notifications/{id}", tag = "notifications",
    params(("app" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_destination(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    admin(&state, &actor, &app).await?;
    service(&state)?.remove(&app, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/apps/{app}/notifications/{id}/deliveries?limit=`: newest first, failures too.
#[utoipa::path(get, path = "/api/apps/{app}/notifications/{id}/deliveries", tag = "notifications",
    params(("app" = String, Path), ("id" = String, Path),
           ("limit" = Option<u64>, Query, maximum = 100, description = "1 to 100, default 20")),
    responses((status = 200, body = Vec<DeliveryView>), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<DeliveryView>>> {
    let limit = query_number(&query, "limit", 20, 100)?.max(1) as usize;
    admin(&state, &actor, &app).await?;
    let list = service(&state)?.deliveries(&app, &id, limit).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}
