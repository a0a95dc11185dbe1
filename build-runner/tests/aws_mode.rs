//! AWS mode against moto: the runner reads its job from DynamoDB and its secrets from Secrets
//! Manager, deploys, and records the end (with outputs) itself.

use std::path::Path;
use std::process::Command;

use trellis_aws::{DynamoStore, testing};
use trellis_core::conformance::{app, deployment, environment};
use trellis_core::model::{DeploymentStatus, EnvState, Repository};
use trellis_core::ports::{DeploymentStore, Expect, Write};

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

#[tokio::test]
async fn the_runner_loads_its_job_from_the_store_and_records_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README"), "hi").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "c"]);
    let sha = git(&repo, &["rev-parse", "HEAD"]);

    let config = testing::sdk_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let table = testing::unique("trellis-runner");
    DynamoStore::create_table(&dynamo, &table).await.unwrap();
    let store = DynamoStore::new(dynamo, table.clone());
    let prefix = testing::unique("trellis");
    aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name(format!("{prefix}/shop/dev/variables"))
        .secret_string(r#"{"API_KEY":"very-secret-value"}"#)
        .send()
        .await
        .unwrap();

    let mut a = app("shop");
    a.repository = Repository::Local {
        path: repo.display().to_string(),
    };
    let mut dep = deployment("shop", "dev", 1, DeploymentStatus::Running);
    dep.commit.sha = sha.clone();
    dep.config.deploy_command = [
        r#"echo "key=$API_KEY""#,
        // The deploy role's credentials, not the runner's own, reach the build, masked.
        r#"test -n "$AWS_SESSION_TOKEN" && test "$AWS_ACCESS_KEY_ID" != testing"#,
        r#"echo "deploying as $AWS_ACCESS_KEY_ID""#,
        r#"test -z "$AWS_ENDPOINT_URL""#,
        r#"echo '{"url":"https://dev.example"}' > "$TRELLIS_OUTPUTS_FILE""#,
    ]
    .join(" && ");
    dep.config.deploy_role_arn = Some("arn:aws:iam::123456789012:role/trellis-deploy-dev".into());
    let mut env = environment("shop", "dev", 0);
    env.running_deployment = Some(dep.id.clone());
    env.state = EnvState::Deploying;
    store
        .commit(vec![
            Write::PutApp(a, Expect::Absent),
            Write::PutEnvironment(env, Expect::Absent),
            Write::PutDeployment(dep.clone(), Expect::Absent),
        ])
        .await
        .unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_build-runner"))
        .env("TRELLIS_DEPLOYMENT_ID", &dep.id)
        .env("TRELLIS_TABLE", &table)
        .env("TRELLIS_SECRETS_PREFIX", &prefix)
        .env("TRELLIS_WS_ENDPOINT", "http://127.0.0.1:9")
        .env("TRELLIS_ECS_CLUSTER", "trellis")
        .env("TRELLIS_ECS_TASK_DEFINITION", "trellis-runner")
        .env("TRELLIS_ECS_CONTAINER", "runner")
        .env("TRELLIS_ECS_SUBNETS", "subnet-1")
        .env("TRELLIS_ECS_SECURITY_GROUPS", "")
        .env("AWS_ENDPOINT_URL", testing::endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("key=***"), "{stdout}");
    assert!(stdout.contains("deploying as ***"), "{stdout}");
    assert!(!stdout.contains("very-secret-value"));

    let ended = store.get_deployment(&dep.id).await.unwrap().unwrap();
    assert_eq!(ended.status, DeploymentStatus::Succeeded);
    assert_eq!(ended.outputs["url"], "https://dev.example");
    let env = store.get_environment("shop", "dev").await.unwrap().unwrap();
    assert_eq!(env.state, EnvState::Deployed);
    assert_eq!(env.current_commit.unwrap().sha, sha);
    assert_eq!(env.running_deployment, None);
}
