use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

/// `GET /api/health`: no authentication; says the API is up.
#[utoipa::path(get, path = "/api/health", tag = "meta", security(()),
    responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// `GET /api/openapi.json`: this API's OpenAPI 3.1 document, generated from the handlers.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::ApiDoc::openapi())
}

/// `GET /api/ws?token=`: the live-update WebSocket. Send
/// `{"action":"subscribe","deploymentId":...}` or `{"action":"subscribe","app":...}`; receive
/// `{"type":"log","deploymentId","lines":[...]}` and `{"type":"deployment","deployment":{...}}`.
/// Served by the transport (local hub or API Gateway); this item only documents it.
#[utoipa::path(get, path = "/api/ws", tag = "meta", security(()),
    params(("token" = String, Query, description = "the API token")),
    responses((status = 101, description = "Switching to the WebSocket protocol"),
              (status = 401, body = crate::error::ErrorBody)))]
pub async fn websocket_doc() {}
