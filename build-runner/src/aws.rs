//! AWS mode: the runner was started as a Fargate task with only `TRELLIS_DEPLOYMENT_ID` in its
//! overrides. It loads the job from the store and the secrets from Secrets Manager, performs
//! the deployment, and records the end itself (the task's exit alone would lose the outputs).

use std::time::Duration;

use trellis_core::job::RunnerJob;
use trellis_core::model::Repository;
use trellis_core::ports::{DeploymentStore, SecretStore};
use trellis_core::requests::RunnerOutcome;
use trellis_lambdas::{Needs, Services};

use crate::{EXIT_BAD_JOB, EXIT_FAILED};

/// Runs deployment `id`; returns the process exit code.
pub async fn run(id: &str) -> i32 {
    let services = match Services::load(Needs::EVENTS).await {
        Ok(s) => s,
        Err(e) => {
            println!("==> deployment failed: the runner is misconfigured: {e}");
            return EXIT_BAD_JOB;
        }
    };
    let job = match load_job(&services, id).await {
        Ok(j) => j,
        Err(e) => {
            println!("==> deployment failed: {e}");
            let _ = services
                .pipeline
                .finish(id, RunnerOutcome::Failed { reason: e })
                .await;
            return EXIT_BAD_JOB;
        }
    };
    let timeout = Duration::from_secs(u64::from(job.config.timeout_minutes) * 60);
    let (result, code) = crate::deploy(&job, timeout).await;
    let outcome = if result.succeeded && code == 0 {
        RunnerOutcome::Succeeded {
            outputs: result.outputs,
        }
    } else {
        RunnerOutcome::Failed {
            reason: result
                .error
                .unwrap_or_else(|| format!("the runner exited with code {code}")),
        }
    };
    if let Err(e) = services.pipeline.finish(id, outcome).await {
        println!("==> could not record the deployment's end: {e}");
        return EXIT_FAILED;
    }
    code
}

async fn load_job(services: &Services, id: &str) -> Result<RunnerJob, String> {
    let deployment = services
        .store
        .get_deployment(id)
        .await
        .map_err(|e| format!("reading deployment {id}: {e}"))?
        .ok_or_else(|| format!("deployment {id} does not exist"))?;
    let app = services
        .store
        .get_app(&deployment.app)
        .await
        .map_err(|e| format!("reading app {}: {e}", deployment.app))?
        .ok_or_else(|| format!("app {} does not exist", deployment.app))?;
    let mut job = RunnerJob::for_deployment(&deployment, &app.repository);
    job.secrets = services
        .secrets
        .get(&deployment.app, &deployment.environment)
        .await
        .map_err(|e| e.to_string())?;
    if let (
        Some(app),
        Repository::Github {
            installation_id, ..
        },
    ) = (&services.github, &job.repository)
    {
        job.git_token = Some(
            app.installation_token(*installation_id)
                .await
                .map_err(|e| format!("cannot get a token to clone the repository: {e}"))?,
        );
    }
    if let Some(role) = &job.config.deploy_role_arn {
        // Credentials are secrets: masked in every line, never in the job record.
        job.secrets.extend(assume_deploy_role(role, &job).await?);
    }
    Ok(job)
}

/// Temporary credentials of the environment's deploy role, for as long as the deployment may
/// run (STS allows 15 min to 12 h; the role's own maximum may be lower).
async fn assume_deploy_role(role: &str, job: &RunnerJob) -> Result<Vec<(String, String)>, String> {
    let config = aws_config::load_from_env().await;
    let seconds = (i64::from(job.config.timeout_minutes) * 60 + 300).clamp(900, 43_200);
    let session: String = format!("trellis-{}-{}", job.environment, job.deployment_id)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "=,.@-_".contains(*c))
        .take(64)
        .collect();
    let out = aws_sdk_sts::Client::new(&config)
        .assume_role()
        .role_arn(role)
        .role_session_name(session)
        .duration_seconds(seconds as i32)
        .send()
        .await
        .map_err(|e| {
            let code = e
                .as_service_error()
                .and_then(aws_sdk_sts::error::ProvideErrorMetadata::code)
                .unwrap_or("request failed")
                .to_string();
            format!("cannot assume the deploy role {role}: {code}")
        })?;
    let creds = out
        .credentials()
        .ok_or_else(|| format!("assuming {role} returned no credentials"))?;
    Ok(vec![
        (
            "AWS_ACCESS_KEY_ID".into(),
            creds.access_key_id().to_string(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY".into(),
            creds.secret_access_key().to_string(),
        ),
        (
            "AWS_SESSION_TOKEN".into(),
            creds.session_token().to_string(),
        ),
    ])
}
