//! Closed sets of words for the schema: the views carry the domain's own words as strings;
//! these give clients (the dashboard's generated types) the closed set. Only the OpenAPI
//! document uses them, hence never constructed.

use utoipa::ToSchema;

#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum EnvironmentState {
    Empty,
    Deploying,
    Deployed,
    Failed,
    Removing,
    Removed,
}

#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DeploymentKind {
    Deploy,
    Teardown,
}

#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Trigger {
    Push,
    Manual,
    Promote,
    Rollback,
}

#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DeploymentStatus {
    #[schema(rename = "awaiting_approval")]
    AwaitingApproval,
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CacheStatus {
    Hit,
    Miss,
    Unusable,
    Off,
    None,
}
