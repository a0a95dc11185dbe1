//! AWS mode: the runner is a Fargate task started with ids and one link, `TRELLIS_JOB_URL`,
//! and no AWS identity of its own (the task's role, when it has one, is the environment's
//! deploy role, meant for the build). It reads its sealed job through the link, deletes the
//! job so the link is dead for anything that finds it later (a build step reading the
//! runner's environment), performs the deployment and `PUT`s its result to the job's result
//! link. The task-state function records the end when the task stops.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use trellis_core::job::{RunnerJob, RunnerResult};
use trellis_github::https::HttpsClient;

use crate::{EXIT_BAD_JOB, EXIT_FAILED};

const USER_AGENT: &str = "trellis-build-runner";

/// Runs the job behind `job_url`; returns the process exit code.
pub async fn run(job_url: &str) -> i32 {
    let http = match HttpsClient::new(USER_AGENT, Duration::from_secs(60)) {
        Ok(h) => h,
        Err(e) => {
            crate::step::emit(&format!(
                "==> deployment failed: the runner cannot make HTTPS requests: {e}"
            ));
            return EXIT_BAD_JOB;
        }
    };
    let job = match take_job(&http, job_url).await {
        Ok(j) => j,
        Err(e) => {
            crate::step::emit(&format!("==> deployment failed: {e}"));
            return EXIT_BAD_JOB;
        }
    };
    let timeout = Duration::from_secs(u64::from(job.config.timeout_minutes) * 60);
    let (result, code) = crate::deploy(&job, timeout).await;
    match hand_back(&http, &job, &result).await {
        Ok(()) => code,
        Err(e) => {
            crate::step::emit(&format!(
                "==> the runner could not hand back its result: {e}"
            ));
            if code == 0 { EXIT_FAILED } else { code }
        }
    }
}

async fn take_job(http: &HttpsClient, job_url: &str) -> Result<RunnerJob, String> {
    let (status, body) = http
        .send(Method::GET, job_url, &[], Bytes::new())
        .await
        .map_err(|e| format!("cannot read the job: {e}"))?;
    if status != StatusCode::OK {
        return Err(format!(
            "cannot read the job: HTTP {status} (its link lasts 30 minutes and works once)"
        ));
    }
    let job: RunnerJob =
        serde_json::from_slice(&body).map_err(|e| format!("the job is not a valid job: {e}"))?;
    let discard = job
        .hand_back
        .as_ref()
        .map(|h| h.discard_job_url.clone())
        .ok_or("the job has no result link")?;
    let (status, _) = http
        .send(Method::DELETE, &discard, &[], Bytes::new())
        .await
        .map_err(|e| format!("cannot discard the job after reading it: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "cannot discard the job after reading it: HTTP {status}"
        ));
    }
    Ok(job)
}

async fn hand_back(
    http: &HttpsClient,
    job: &RunnerJob,
    result: &RunnerResult,
) -> Result<(), String> {
    let url = job
        .hand_back
        .as_ref()
        .map(|h| h.result_url.as_str())
        .ok_or("the job has no result link")?;
    let body = serde_json::to_vec(result).map_err(|e| e.to_string())?;
    let (status, _) = http
        .send(
            Method::PUT,
            url,
            &[("content-type", "application/json")],
            Bytes::from(body),
        )
        .await
        .map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {status}"))
    }
}
