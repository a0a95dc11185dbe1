//! The API's wire types: the JSON it accepts and returns, the live-update messages of its
//! WebSocket, and its error body, with their OpenAPI schemas. Shared by the HTTP handlers, the
//! notifiers (local hub, API Gateway), the CLI and the OpenAPI document, none of which need a
//! web framework for them.

pub mod error;
pub mod live;
pub mod views;

/// A request field that is wrong, and why (the edge answers it as a 422 naming the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}
