//! The HTTP edge's one error type: every failure becomes `{"error":{"code","message","field"?}}`
//! with the status its kind deserves. Domain errors are mapped here and nowhere else.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trellis_core::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

pub use trellis_wire::error::{ErrorBody, ErrorDetail};

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).with_field(field)
    }
}

impl From<trellis_core::StoreError> for ApiError {
    fn from(e: trellis_core::StoreError) -> Self {
        DomainError::from(e).into()
    }
}

impl From<trellis_wire::FieldError> for ApiError {
    fn from(e: trellis_wire::FieldError) -> Self {
        ApiError::invalid(e.field, e.message)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, message } => ApiError::invalid(field, message),
            DomainError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            DomainError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            DomainError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            DomainError::Unsupported(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unsupported", m)
            }
            e @ DomainError::Busy(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string())
            }
            e @ DomainError::Unavailable(_) => {
                tracing::error!("{e}");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    format!("{e}; nothing was changed, try again once it is fixed"),
                )
            }
            e @ DomainError::SecretsUnavailable(_) => {
                // Where it failed goes to the log; the caller learns what to do.
                tracing::error!("{e}");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "secrets_unavailable",
                    "the secret store cannot be used right now (see the server log); try again once it is reachable",
                )
            }
            DomainError::Internal(m) => {
                // The detail goes to the log, not to the caller.
                tracing::error!("internal error: {m}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl ApiError {
    /// The body every error answer carries, whichever way it travels (HTTP, a WebSocket
    /// route response).
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                field: self.field.clone(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
