//! Starts build runners as Fargate tasks. Overrides carry the deployment id and nothing
//! secret: anyone who can describe tasks can read them. The runner reads its job from the
//! store and its secrets from Secrets Manager.

use async_trait::async_trait;
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ContainerOverride, KeyValuePair, LaunchType,
    NetworkConfiguration, TaskOverride,
};
use trellis_core::LaunchError;
use trellis_core::job::RunnerJob;
use trellis_core::ports::RunnerLauncher;

/// Where and how runner tasks start (from the stack's configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsConfig {
    pub cluster: String,
    pub task_definition: String,
    pub container_name: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: bool,
}

impl EcsConfig {
    /// Reads `TRELLIS_ECS_*` variables; names the one that is missing.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let list = |name: &str| -> Result<Vec<String>, String> {
            Ok(var(name)?
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect())
        };
        Ok(EcsConfig {
            cluster: var("TRELLIS_ECS_CLUSTER")?,
            task_definition: var("TRELLIS_ECS_TASK_DEFINITION")?,
            container_name: var("TRELLIS_ECS_CONTAINER")?,
            subnets: list("TRELLIS_ECS_SUBNETS")?,
            security_groups: list("TRELLIS_ECS_SECURITY_GROUPS")?,
            assign_public_ip: std::env::var("TRELLIS_ECS_PUBLIC_IP").is_ok_and(|v| v == "true"),
        })
    }
}

pub struct EcsLauncher {
    client: Client,
    config: EcsConfig,
}

impl EcsLauncher {
    pub fn new(client: Client, config: EcsConfig) -> Self {
        EcsLauncher { client, config }
    }
}

fn env(name: &str, value: &str) -> KeyValuePair {
    KeyValuePair::builder().name(name).value(value).build()
}

#[async_trait]
impl RunnerLauncher for EcsLauncher {
    async fn launch(&self, job: RunnerJob) -> Result<String, LaunchError> {
        let network = AwsVpcConfiguration::builder()
            .set_subnets(Some(self.config.subnets.clone()))
            .set_security_groups(Some(self.config.security_groups.clone()))
            .assign_public_ip(if self.config.assign_public_ip {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            })
            .build()
            .map_err(|e| LaunchError(e.to_string()))?;
        // Only identifiers: the runner loads the job (and its secrets) itself.
        let overrides = TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder()
                    .name(&self.config.container_name)
                    .environment(env("TRELLIS_DEPLOYMENT_ID", &job.deployment_id))
                    .environment(env("TRELLIS_APP", &job.app))
                    .environment(env("TRELLIS_ENVIRONMENT", &job.environment))
                    .build(),
            )
            .build();
        let out = self
            .client
            .run_task()
            .cluster(&self.config.cluster)
            .task_definition(&self.config.task_definition)
            .launch_type(LaunchType::Fargate)
            .count(1)
            .started_by("trellis")
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(network)
                    .build(),
            )
            .overrides(overrides)
            .send()
            .await
            .map_err(|e| LaunchError(format!("ECS RunTask failed: {e:?}")))?;
        if let Some(f) = out.failures().first() {
            return Err(LaunchError(format!(
                "ECS could not start the runner: {} {}",
                f.reason().unwrap_or("unknown reason"),
                f.detail().unwrap_or("")
            )));
        }
        out.tasks()
            .first()
            .and_then(|t| t.task_arn())
            .map(str::to_string)
            .ok_or_else(|| LaunchError("ECS RunTask returned no task".into()))
    }

    async fn stop(&self, runner: &str) -> Result<(), LaunchError> {
        self.client
            .stop_task()
            .cluster(&self.config.cluster)
            .task(runner)
            .reason("cancelled in Trellis")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| LaunchError(format!("ECS StopTask failed: {e:?}")))
    }
}
