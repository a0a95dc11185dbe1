//! The body of every error answer: `{"error": {"code", "message", "field"?}}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code, e.g. `invalid`, `not_found`, `conflict`.
    pub code: String,
    pub message: String,
    /// The request field at fault, as a JSON path (`environments[1].name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
