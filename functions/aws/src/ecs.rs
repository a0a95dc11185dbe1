//! Starts build runners as Fargate tasks. The launching function does the privileged work —
//! reads the environment's secret values, mints a clone token for the one repository, seals
//! the job into S3 — and the task starts with no AWS identity but the environment's own deploy
//! role (the `taskRoleArn` override; the task definition has no role). Overrides carry ids and
//! the job's short-lived link, which is dead once the runner has read the job: anyone who can
//! describe tasks can read overrides.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ContainerOverride, KeyValuePair, LaunchType,
    NetworkConfiguration, TaskOverride,
};
use trellis_core::LaunchError;
use trellis_core::cache::DependencyCaches;
use trellis_core::job::RunnerJob;
use trellis_core::model::Repository;
use trellis_core::ports::{RunnerLauncher, SecretStore};

use crate::jobs::RunnerHandOff;
use trellis_core::github_connection::GithubConnection;

/// Where and how runner tasks start (from the stack's configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsConfig {
    pub cluster: String,
    pub task_definition: String,
    pub container_name: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: bool,
    /// `arn:…:role/<prefix>`: the only roles this installation may pass to a runner as its
    /// task role (the stack grants `iam:PassRole` on exactly these).
    pub deploy_role_arn_prefix: Option<String>,
}

impl EcsConfig {
    /// What a function that only stops runners needs: the cluster.
    pub fn cluster_only(cluster: impl Into<String>) -> Self {
        EcsConfig {
            cluster: cluster.into(),
            task_definition: String::new(),
            container_name: String::new(),
            subnets: Vec::new(),
            security_groups: Vec::new(),
            assign_public_ip: false,
            deploy_role_arn_prefix: None,
        }
    }

    /// Reads `TRELLIS_ECS_*` variables and `TRELLIS_DEPLOY_ROLE_ARN_PREFIX`; names the one
    /// that is missing.
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
            deploy_role_arn_prefix: std::env::var("TRELLIS_DEPLOY_ROLE_ARN_PREFIX")
                .ok()
                .filter(|v| !v.is_empty()),
        })
    }
}

/// What a function that starts runners holds to seal their jobs.
pub struct JobSealer {
    pub hand_off: RunnerHandOff,
    pub secrets: Arc<dyn SecretStore>,
    /// Mints clone tokens for GitHub repositories (once the GitHub App is connected), read
    /// from its secret when a launch first needs it.
    pub github: Option<Arc<GithubConnection>>,
    /// The configured GitHub's address (a GitHub Enterprise Server), where runners clone
    /// from when the app's settings do not say.
    pub github_web: Option<String>,
    /// Where environments keep their dependency caches (links go into the sealed job).
    pub caches: Option<Arc<dyn DependencyCaches>>,
}

pub struct EcsLauncher {
    client: Client,
    config: EcsConfig,
    /// `None` in functions that only stop runners.
    sealer: Option<JobSealer>,
}

impl EcsLauncher {
    pub fn new(client: Client, config: EcsConfig, sealer: Option<JobSealer>) -> Self {
        EcsLauncher {
            client,
            config,
            sealer,
        }
    }

    /// The deploy role, if the job has one this installation may pass.
    fn task_role<'a>(&self, job: &'a RunnerJob) -> Result<Option<&'a str>, LaunchError> {
        let Some(role) = job.config.deploy_role_arn.as_deref() else {
            return Ok(None);
        };
        match &self.config.deploy_role_arn_prefix {
            Some(prefix) if !role.starts_with(prefix.as_str()) => Err(LaunchError(format!(
                "the deploy role {role} cannot be given to a runner: this installation passes \
                 only roles whose ARN starts with {prefix} (the stack's deployRolePrefix), \
                 trusted by ecs-tasks.amazonaws.com"
            ))),
            _ => Ok(Some(role)),
        }
    }

    /// Fills in what only the launcher may read, and seals the job for the task.
    async fn seal(&self, sealer: &JobSealer, mut job: RunnerJob) -> Result<String, LaunchError> {
        job.secrets = match job.secrets_environment() {
            Some(env) => sealer
                .secrets
                .get(&job.app, env)
                .await
                .map_err(|e| LaunchError(format!("reading the environment's secrets: {e}")))?,
            None => Default::default(),
        };
        if let (Some(github), Repository::Github { full_name, .. }) =
            (&sealer.github, &job.repository)
        {
            let access = github.clone_access(&job.repository).await.map_err(|e| {
                LaunchError(format!("cannot get a token to clone {full_name}: {e}"))
            })?;
            if let Some(access) = access {
                job.git_token = Some(access.token);
                job.github_web = access.web_url;
            }
        }
        if job.github_web.is_none() {
            job.github_web = sealer.github_web.clone();
        }
        if job.cache_wanted
            && let Some(caches) = &sealer.caches
        {
            // A cache is a speed-up: without one the build installs from scratch.
            match caches.access(&job.app, &job.environment).await {
                Ok(access) => job.cache = Some(access),
                Err(e) => tracing::warn!(deployment = %job.deployment_id, "{e}"),
            }
        }
        // The result link must outlive the whole build.
        let lifetime =
            Duration::from_secs(u64::from(job.config.timeout_minutes) * 60) + RESULT_MARGIN;
        let link = sealer
            .hand_off
            .seal(job, lifetime)
            .await
            .map_err(|e| LaunchError(format!("sealing the runner's job: {e}")))?;
        Ok(link.job_url)
    }
}

/// How long past its timeout a runner may still hand back its result.
const RESULT_MARGIN: Duration = Duration::from_secs(30 * 60);

fn env(name: &str, value: &str) -> KeyValuePair {
    KeyValuePair::builder().name(name).value(value).build()
}

#[async_trait]
impl RunnerLauncher for EcsLauncher {
    async fn launch(&self, job: RunnerJob) -> Result<String, LaunchError> {
        let sealer = self
            .sealer
            .as_ref()
            .ok_or_else(|| LaunchError("this function is not allowed to start runners".into()))?;
        let task_role = self.task_role(&job)?.map(str::to_string);
        let (deployment, app, environment) = (
            job.deployment_id.clone(),
            job.app.clone(),
            job.environment.clone(),
        );
        let job_url = self.seal(sealer, job).await?;
        let started = self
            .run_task(&deployment, &app, &environment, &job_url, task_role)
            .await;
        if started.is_err() {
            // Nothing will read the job: its secrets do not wait for the bucket's expiry.
            if let Err(e) = sealer.hand_off.discard(&deployment).await {
                tracing::warn!(deployment = %deployment, "discarding the unused job failed: {e}");
            }
        }
        started
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

impl EcsLauncher {
    async fn run_task(
        &self,
        deployment: &str,
        app: &str,
        environment: &str,
        job_url: &str,
        task_role: Option<String>,
    ) -> Result<String, LaunchError> {
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
        let overrides = TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder()
                    .name(&self.config.container_name)
                    .environment(env("TRELLIS_DEPLOYMENT_ID", deployment))
                    .environment(env("TRELLIS_APP", app))
                    .environment(env("TRELLIS_ENVIRONMENT", environment))
                    .environment(env("TRELLIS_JOB_URL", job_url))
                    .build(),
            )
            .set_task_role_arn(task_role)
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
}
