//! Trellis on AWS: adapters for the domain's ports. DynamoDB holds the state, ECS Fargate runs
//! the build runners (their jobs travel through S3, see [`jobs`]), Secrets Manager keeps secret values, and API Gateway's management API
//! pushes live updates to WebSocket clients.

pub mod dynamo;
pub mod ecs;
pub mod github;
pub mod https;
pub mod jobs;
pub mod notifier;
pub mod secrets;
#[cfg(feature = "testing")]
pub mod testing;

pub use dynamo::DynamoStore;
pub use ecs::{EcsConfig, EcsLauncher, JobSealer};
pub use github::{GithubApp, GithubAppCredentials, GithubSource};
pub use jobs::RunnerHandOff;
pub use notifier::ApiGatewayNotifier;
pub use secrets::SecretsManagerStore;
