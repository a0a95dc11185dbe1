//! Trellis on AWS: adapters for the domain's ports. DynamoDB holds the state, ECS Fargate runs
//! the build runners (their jobs travel through S3, see [`jobs`]), Secrets Manager keeps secret values, and API Gateway's management API
//! pushes live updates to WebSocket clients.

pub mod dependency_cache;
pub mod dynamo;
pub mod ecs;
pub mod github_app_secret;
pub mod jobs;
pub mod notifier;
pub mod secrets;
#[cfg(feature = "testing")]
pub mod testing;

pub use dependency_cache::S3DependencyCaches;
pub use dynamo::DynamoStore;
pub use ecs::{EcsConfig, EcsLauncher, JobSealer};
pub use github_app_secret::SecretsManagerGithubApp;
// The GitHub App lives in its own crate (local mode signs in with it too); these paths stay.
pub use jobs::RunnerHandOff;
pub use notifier::ApiGatewayNotifier;
pub use secrets::SecretsManagerStore;
pub use trellis_github::{GithubApp, GithubAppCredentials, GithubSource, app as github, https};
