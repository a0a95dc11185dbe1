//! AWS mode against moto: the runner starts with ids and one link, like a Fargate task whose
//! task definition has no role, reads its sealed job through the link, deletes it, deploys and
//! hands its result back through the job's own link. And what a build step can reach from
//! inside that task: the runner's environment, the job link, the container credentials
//! endpoint — nothing beyond its own job and its environment's deploy role.

use std::collections::BTreeMap;
use std::io::{Read, Write as _};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use trellis_aws::{RunnerHandOff, testing};
use trellis_core::conformance::deployment;
use trellis_core::job::RunnerJob;
use trellis_core::model::{DeploymentStatus, Repository};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn hand_off() -> RunnerHandOff {
    let (s3, bucket) = testing::jobs_bucket().await;
    RunnerHandOff::new(s3, bucket)
}

/// What a hostile build step tries, printed as `name=value` lines.
const PROBE: &str = r#"echo "key=$API_KEY"
runner_env=$(tr '\0' '\n' < /proc/$PPID/environ)
echo "runner-aws-keys=$(printf '%s\n' "$runner_env" | grep -c '^AWS_\(ACCESS_KEY_ID\|SECRET_ACCESS_KEY\|SESSION_TOKEN\)=')"
job_url=$(printf '%s\n' "$runner_env" | sed -n 's/^TRELLIS_JOB_URL=//p')
echo "job-link=$(curl -s -o /dev/null -w '%{http_code}' "$job_url")"
echo "step-credentials-endpoint=${AWS_CONTAINER_CREDENTIALS_FULL_URI:-none}"
if [ -n "$AWS_CONTAINER_CREDENTIALS_FULL_URI" ]; then echo "endpoint-says=$(curl -s "$AWS_CONTAINER_CREDENTIALS_FULL_URI" | sed -n 's/.*"AccessKeyId": *"\([A-Z]*\)".*/\1/p')"; fi
echo '{"url":"https://dev.example"}' > "$TRELLIS_OUTPUTS_FILE""#;

/// Stands in for the ECS container credentials endpoint, which serves the task's role: with
/// the launcher's `taskRoleArn` override, the environment's deploy role.
fn credentials_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v2/credentials/x", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let body = r#"{"AccessKeyId": "ASIADEPLOYROLE", "SecretAccessKey": "s", "Token": "t"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

struct Run {
    stdout: String,
    code: Option<i32>,
}

async fn run_task(hand_off: &RunnerHandOff, job: RunnerJob, extra: &[(&str, &str)]) -> Run {
    let id = job.deployment_id.clone();
    let link = hand_off.seal(job, Duration::from_secs(3600)).await.unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_build-runner"));
    // What ECS gives the container: the image's environment and the overrides; no AWS keys.
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", std::env::var("HOME").unwrap())
        .env("TRELLIS_DEPLOYMENT_ID", &id)
        .env("TRELLIS_JOB_URL", &link.job_url);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}\n{stderr}");
    Run {
        stdout,
        code: out.status.code(),
    }
}

fn job_for(repo: &Path, sha: &str, deploy_role: Option<&str>) -> RunnerJob {
    let mut dep = deployment("shop", "dev", 1, DeploymentStatus::Running);
    dep.commit.sha = sha.to_string();
    dep.config.deploy_command = PROBE.into();
    dep.config.deploy_role_arn = deploy_role.map(str::to_string);
    let mut job = RunnerJob::for_deployment(
        &dep,
        &Repository::Local {
            path: repo.display().to_string(),
        },
    );
    job.secrets = BTreeMap::from([("API_KEY".into(), "very-secret-value".into())]);
    job
}

fn repo(dir: &Path) -> (std::path::PathBuf, String) {
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README"), "hi").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "c"]);
    let sha = git(&repo, &["rev-parse", "HEAD"]);
    (repo, sha)
}

#[tokio::test]
async fn the_runner_needs_no_credential_and_a_build_reaches_nothing_but_its_own_job() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, sha) = repo(dir.path());
    let hand_off = hand_off().await;
    let job = job_for(&repo, &sha, None);
    let id = job.deployment_id.clone();

    let run = run_task(&hand_off, job, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let out = &run.stdout;
    assert!(out.contains("key=***"), "its own secret, masked: {out}");
    assert!(!out.contains("very-secret-value"));
    // The runner was started without any AWS key, and a step finds none in its environment.
    assert!(out.contains("runner-aws-keys=0"), "{out}");
    // The job link in the runner's environment is dead: the job was deleted once read.
    assert!(out.contains("job-link=404"), "{out}");
    assert!(out.contains("step-credentials-endpoint=none"), "{out}");

    let result = hand_off.take_result(&id).await.unwrap().expect("a result");
    assert!(result.succeeded, "{result:?}");
    assert_eq!(result.outputs["url"], "https://dev.example");
}

#[tokio::test]
async fn a_build_gets_its_environments_deploy_role_from_the_task_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (repo, sha) = repo(dir.path());
    let hand_off = hand_off().await;
    let endpoint = credentials_endpoint();
    let role = "arn:aws:iam::123456789012:role/trellis-deploy-dev";

    let with_role = run_task(
        &hand_off,
        job_for(&repo, &sha, Some(role)),
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &endpoint)],
    )
    .await;
    assert_eq!(with_role.code, Some(0), "{}", with_role.stdout);
    assert!(
        with_role.stdout.contains("endpoint-says=ASIADEPLOYROLE"),
        "the deploy role reaches the build: {}",
        with_role.stdout
    );
    assert!(with_role.stdout.contains("job-link=404"));

    // Without a deploy role, an endpoint the runner happens to have is not the build's.
    let without = run_task(
        &hand_off,
        job_for(&repo, &sha, None),
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &endpoint)],
    )
    .await;
    assert_eq!(without.code, Some(0), "{}", without.stdout);
    assert!(
        without.stdout.contains("step-credentials-endpoint=none"),
        "{}",
        without.stdout
    );
    assert!(!without.stdout.contains("ASIADEPLOYROLE"));
}

#[tokio::test]
async fn a_dead_job_link_fails_clearly() {
    let hand_off = hand_off().await;
    let dir = tempfile::tempdir().unwrap();
    let (repo, sha) = repo(dir.path());
    let job = job_for(&repo, &sha, None);
    let id = job.deployment_id.clone();
    let link = hand_off.seal(job, Duration::from_secs(3600)).await.unwrap();
    hand_off.discard(&id).await.unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_build-runner"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("TRELLIS_JOB_URL", &link.job_url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("cannot read the job: HTTP 404"), "{stdout}");
}
