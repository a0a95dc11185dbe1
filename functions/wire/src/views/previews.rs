//! Pull-request previews as the API shows and sets them.

use serde::{Deserialize, Serialize};
use trellis_core::model::PreviewOf;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PreviewView {
    /// The pull request's number.
    pub number: u64,
    pub head_ref: String,
    /// `owner/name` of the repository the branch is in.
    pub head_repository: String,
    /// From a fork: no secrets, and each deployment waits for approval.
    pub fork: bool,
    /// Closed: torn down, then removed.
    pub closed: bool,
}

impl From<PreviewOf> for PreviewView {
    fn from(p: PreviewOf) -> Self {
        PreviewView {
            number: p.number,
            head_ref: p.head_ref,
            head_repository: p.head_repository,
            fork: p.fork,
            closed: p.closed,
        }
    }
}

/// Turns pull-request previews on, made from `baseEnvironment`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreviewsRequest {
    pub base_environment: String,
}
