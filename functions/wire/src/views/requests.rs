//! The bodies the API accepts: unknown fields are refused, and `null` removes an entry where a
//! patch says so. Clients (the CLI) send the same types: a field left out is not sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::resources::{RepositoryView, SettingsView};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEnvironmentRequest {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_deploy: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests_enabled: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateAppRequest {
    /// 1 to 39 characters: lowercase letters, digits and `-`, starting with a letter.
    #[schema(pattern = "^[a-z][a-z0-9-]{0,38}$")]
    pub name: String,
    pub repository: RepositoryView,
    /// Defaults to development (tracks `main`, auto-deploy) → staging → production (protected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<NewEnvironmentRequest>>,
    #[serde(default)]
    pub settings: SettingsView,
}

/// `null` clears a field; a missing field is left as it is.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatchRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_command: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_command: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_command: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_command: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<Option<u32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_role_arn: Option<Option<String>>,
}

impl From<SettingsPatchRequest> for trellis_core::requests::SettingsPatch {
    fn from(s: SettingsPatchRequest) -> Self {
        trellis_core::requests::SettingsPatch {
            install_command: s.install_command,
            test_command: s.test_command,
            deploy_command: s.deploy_command,
            remove_command: s.remove_command,
            timeout_minutes: s.timeout_minutes,
            deploy_role_arn: s.deploy_role_arn,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateAppRequest {
    #[serde(default)]
    pub settings: SettingsPatchRequest,
    /// Pull-request previews: `{"baseEnvironment": …}` turns them on, `null` off, absent leaves
    /// them as they are.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<super::PreviewsRequest>)]
    pub previews: Option<Option<super::PreviewsRequest>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateEnvironmentRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_deploy: Option<bool>,
    /// Deployments into the environment wait for an admin's approval (auto-deploy must be off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_approval: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests_enabled: Option<bool>,
    /// Restore and save the package manager's download cache (on unless turned off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency_cache: Option<bool>,
    /// `{NAME: value}` sets, `{NAME: null}` removes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<BTreeMap<String, Option<String>>>,
    /// Write-only: `{NAME: value}` sets, `{NAME: null}` removes. Values are never returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsPatchRequest>,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    /// A branch, tag or commit sha; defaults to the tracked branch's head.
    #[serde(rename = "ref")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollbackRequest {
    /// An earlier succeeded deployment of the same environment.
    pub deployment_id: String,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyRequest {}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RejectRequest {
    /// Why (1 to 500 characters): kept on the deployment and in the audit log.
    #[schema(pattern = "\\S", min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Distinguishes a missing field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}
