//! The runner's job and result travel through S3 objects, never through the runner's own AWS
//! identity: the launching function writes the sealed job (with its environment's secret
//! values and a clone token) to `jobs/<deployment>.json` and hands the task three
//! single-object links that expire; the runner reads the job, deletes it, and `PUT`s its
//! result to `results/<deployment>.json`, which the task-state function reads when the task
//! stops. So a build step can reach nothing but its own job, and only until the runner has
//! read it.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use trellis_core::job::{HandBack, RunnerJob, RunnerResult};

/// How long the task has to start and read its job (image pull and Fargate placement
/// included).
pub const JOB_LINK_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The longest a presigned link may live (SigV4's limit is 7 days).
const MAX_LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum HandOffError {
    #[error("{action} {key} in bucket {bucket}: {reason}")]
    S3 {
        action: &'static str,
        bucket: String,
        key: String,
        reason: String,
    },
    #[error("the runner's result for {0} is not valid JSON: {1}")]
    Result(String, String),
}

/// The links a launched task gets: only the job link goes into the task's overrides (ECS
/// keeps overrides readable to anyone who may describe tasks); the others travel inside the
/// job.
#[derive(Debug, Clone)]
pub struct JobLink {
    pub job_url: String,
}

#[derive(Clone)]
pub struct RunnerHandOff {
    client: Client,
    bucket: String,
}

pub fn job_key(deployment: &str) -> String {
    format!("jobs/{deployment}.json")
}

pub fn result_key(deployment: &str) -> String {
    format!("results/{deployment}.json")
}

/// An S3 error's code, or for a transport error its whole cause chain.
pub(crate) fn reason<E>(e: &aws_sdk_s3::error::SdkError<E>) -> String
where
    E: std::error::Error + aws_sdk_s3::error::ProvideErrorMetadata + 'static,
{
    match e.as_service_error() {
        Some(s) => s.code().unwrap_or("service error").to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        }
    }
}

impl RunnerHandOff {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        RunnerHandOff {
            client,
            bucket: bucket.into(),
        }
    }

    fn failed(&self, action: &'static str, key: &str, reason: String) -> HandOffError {
        HandOffError::S3 {
            action,
            bucket: self.bucket.clone(),
            key: key.to_string(),
            reason,
        }
    }

    fn presigning(&self, lifetime: Duration) -> PresigningConfig {
        PresigningConfig::expires_in(lifetime.min(MAX_LINK_LIFETIME))
            .expect("a lifetime between 1 s and 7 days")
    }

    /// Seals `job` into its object and returns the link the task starts with. `lifetime` is
    /// how long the result link must stay valid: the deployment's timeout and a margin.
    pub async fn seal(
        &self,
        mut job: RunnerJob,
        lifetime: Duration,
    ) -> Result<JobLink, HandOffError> {
        let id = job.deployment_id.clone();
        let (job_key, result_key) = (job_key(&id), result_key(&id));
        let result_url = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&result_key)
            .content_type("application/json")
            .presigned(self.presigning(lifetime))
            .await
            .map_err(|e| self.failed("presigning PUT", &result_key, reason(&e)))?;
        let discard_url = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&job_key)
            .presigned(self.presigning(JOB_LINK_LIFETIME))
            .await
            .map_err(|e| self.failed("presigning DELETE", &job_key, reason(&e)))?;
        job.hand_back = Some(HandBack {
            result_url: result_url.uri().to_string(),
            discard_job_url: discard_url.uri().to_string(),
        });
        let body = serde_json::to_vec(&job).expect("a job serializes");
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&job_key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| self.failed("writing", &job_key, reason(&e)))?;
        let job_url = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&job_key)
            .presigned(self.presigning(JOB_LINK_LIFETIME))
            .await
            .map_err(|e| self.failed("presigning GET", &job_key, reason(&e)))?;
        Ok(JobLink {
            job_url: job_url.uri().to_string(),
        })
    }

    /// The result the runner handed back, if it did; `None` when it never wrote one.
    pub async fn take_result(
        &self,
        deployment: &str,
    ) -> Result<Option<RunnerResult>, HandOffError> {
        let key = result_key(deployment);
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(self.failed("reading", &key, reason(&e))),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| self.failed("reading", &key, e.to_string()))?
            .into_bytes();
        let result = serde_json::from_slice(&bytes)
            .map_err(|e| HandOffError::Result(deployment.to_string(), e.to_string()))?;
        Ok(Some(result))
    }

    /// Removes a deployment's job and result objects (the runner may never have read its
    /// job; a result is read once).
    pub async fn discard(&self, deployment: &str) -> Result<(), HandOffError> {
        for key in [job_key(deployment), result_key(deployment)] {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| self.failed("deleting", &key, reason(&e)))?;
        }
        Ok(())
    }
}
