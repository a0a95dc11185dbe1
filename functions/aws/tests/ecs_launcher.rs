//! The ECS launcher against moto: what RunTask is asked for, read back with DescribeTasks, and
//! the sealed job the task's link leads to.

use std::collections::BTreeMap;
use std::sync::Arc;

use trellis_aws::{EcsConfig, EcsLauncher, JobSealer, RunnerHandOff, SecretsManagerStore};
use trellis_core::job::RunnerJob;
use trellis_core::model::{ConfigSnapshot, DeploymentKind, Repository};
use trellis_core::ports::{RunnerLauncher, SecretStore};

const ROLE_PREFIX: &str = "arn:aws:iam::123456789012:role/trellis-deploy-";

/// A sealer on moto: a jobs bucket and the environment's secret.
async fn sealer() -> (JobSealer, aws_sdk_s3::Client, String) {
    let config = trellis_aws::testing::sdk_config().await;
    let (s3, bucket) = trellis_aws::testing::jobs_bucket().await;
    let secrets = SecretsManagerStore::new(
        aws_sdk_secretsmanager::Client::new(&config),
        trellis_aws::testing::unique("trellis"),
    );
    secrets
        .update(
            "shop",
            "staging",
            BTreeMap::from([("STRIPE_KEY".into(), Some("sk_live_do_not_leak".into()))]),
        )
        .await
        .unwrap();
    let sealer = JobSealer {
        hand_off: RunnerHandOff::new(s3.clone(), bucket.clone()),
        secrets: Arc::new(secrets),
        github: None,
        github_web: None,
        caches: None,
    };
    (sealer, s3, bucket)
}

fn job() -> RunnerJob {
    RunnerJob {
        deployment_id: "01JECSDEPLOYMENT00000000000".into(),
        app: "shop".into(),
        environment: "staging".into(),
        kind: DeploymentKind::Deploy,
        repository: Repository::Github {
            full_name: "acme/shop".into(),
            installation_id: 42,
        },
        commit_sha: "a".repeat(40),
        config: ConfigSnapshot {
            branch: Some("main".into()),
            tests_enabled: true,
            install_command: None,
            test_command: "npm test".into(),
            deploy_command: "npx sst deploy --stage \"$TRELLIS_STAGE\"".into(),
            remove_command: "npx sst remove --stage \"$TRELLIS_STAGE\"".into(),
            timeout_minutes: 60,
            deploy_role_arn: Some("arn:aws:iam::123456789012:role/trellis-deploy-staging".into()),
            variables: BTreeMap::from([("REGION".into(), "eu-west-1".into())]),
            secret_names: vec!["STRIPE_KEY".into()],
        },
        secrets: BTreeMap::new(),
        git_token: None,
        github_web: None,
        secrets_from: None,
        extra_env: BTreeMap::new(),
        hand_back: None,
        cache_wanted: false,
        cache: None,
    }
}

#[tokio::test]
async fn run_task_carries_ids_the_job_link_and_the_deploy_role_and_no_secret() {
    let config = trellis_aws::testing::sdk_config().await;
    let client = aws_sdk_ecs::Client::new(&config);
    let (cluster, family) = trellis_aws::testing::runner_cluster().await;
    let (subnets, groups) = trellis_aws::testing::default_network().await;
    let ecs_config = EcsConfig {
        cluster: cluster.clone(),
        task_definition: family.clone(),
        container_name: "runner".into(),
        subnets: subnets[..1].to_vec(),
        security_groups: groups[..1].to_vec(),
        assign_public_ip: false,
        deploy_role_arn_prefix: Some(ROLE_PREFIX.into()),
    };
    let (sealer, s3, bucket) = sealer().await;
    let launcher = EcsLauncher::new(client.clone(), ecs_config.clone(), Some(sealer));
    let arn = launcher.launch(job()).await.expect("RunTask succeeds");
    assert!(arn.starts_with("arn:aws:ecs:"), "{arn}");

    let described = client
        .describe_tasks()
        .cluster(&cluster)
        .tasks(&arn)
        .send()
        .await
        .unwrap();
    let task = &described.tasks()[0];
    assert!(task.cluster_arn().unwrap().ends_with(&cluster));
    assert!(task.task_definition_arn().unwrap().contains(&family));
    assert_eq!(task.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    assert_eq!(task.started_by(), Some("trellis"));
    let overrides = task.overrides().unwrap();
    let container = &overrides.container_overrides()[0];
    assert_eq!(container.name(), Some("runner"));
    let env: BTreeMap<&str, &str> = container
        .environment()
        .iter()
        .map(|kv| (kv.name().unwrap(), kv.value().unwrap()))
        .collect();
    assert_eq!(env["TRELLIS_DEPLOYMENT_ID"], "01JECSDEPLOYMENT00000000000");
    assert_eq!(env["TRELLIS_APP"], "shop");
    assert_eq!(env["TRELLIS_ENVIRONMENT"], "staging");
    assert_eq!(
        env.keys().copied().collect::<Vec<_>>(),
        [
            "TRELLIS_APP",
            "TRELLIS_DEPLOYMENT_ID",
            "TRELLIS_ENVIRONMENT",
            "TRELLIS_JOB_URL"
        ]
    );
    // The task's only identity is the environment's deploy role.
    assert_eq!(
        overrides.task_role_arn(),
        Some("arn:aws:iam::123456789012:role/trellis-deploy-staging")
    );
    // The link leads to the sealed job: the environment's secret values, and the links the
    // runner hands its result back through.
    let sealed = s3
        .get_object()
        .bucket(&bucket)
        .key("jobs/01JECSDEPLOYMENT00000000000.json")
        .send()
        .await
        .unwrap();
    let sealed: RunnerJob =
        serde_json::from_slice(&sealed.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(sealed.secrets["STRIPE_KEY"], "sk_live_do_not_leak");
    let hand_back = sealed.hand_back.expect("result and discard links");
    assert!(
        hand_back
            .result_url
            .contains("results/01JECSDEPLOYMENT00000000000.json")
    );
    assert!(
        env["TRELLIS_JOB_URL"].contains("X-Amz-Expires=1800"),
        "{}",
        env["TRELLIS_JOB_URL"]
    );
    let everything = format!("{described:?}");
    assert!(
        everything.contains(&subnets[0]),
        "the task is attached to the configured subnet"
    );
    assert!(
        !everything.contains("sk_live_do_not_leak"),
        "no secret in the task"
    );
    assert!(!env.contains_key("STRIPE_KEY"));

    launcher.stop(&arn).await.expect("StopTask succeeds");
    let stopped = client
        .describe_tasks()
        .cluster(&cluster)
        .tasks(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.tasks()[0].desired_status(), Some("STOPPED"));
}

#[tokio::test]
async fn a_deploy_role_outside_the_installations_prefix_is_refused_before_anything_is_sealed() {
    let config = trellis_aws::testing::sdk_config().await;
    let (sealer, s3, bucket) = sealer().await;
    let mut ecs = EcsConfig::cluster_only("no-cluster-needed");
    ecs.deploy_role_arn_prefix = Some(ROLE_PREFIX.into());
    let launcher = EcsLauncher::new(aws_sdk_ecs::Client::new(&config), ecs, Some(sealer));
    let mut job = job();
    job.config.deploy_role_arn = Some("arn:aws:iam::123456789012:role/Admin".into());
    let err = launcher.launch(job).await.unwrap_err();
    assert!(
        err.0.contains("role/Admin") && err.0.contains(ROLE_PREFIX),
        "{err}"
    );
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0), "no job was written");
}

#[tokio::test]
async fn a_function_that_only_stops_runners_cannot_start_one() {
    let config = trellis_aws::testing::sdk_config().await;
    let launcher = EcsLauncher::new(
        aws_sdk_ecs::Client::new(&config),
        EcsConfig::cluster_only("trellis"),
        None,
    );
    let err = launcher.launch(job()).await.unwrap_err();
    assert!(err.0.contains("not allowed to start runners"), "{err}");
}

#[tokio::test]
async fn a_missing_cluster_is_a_clear_launch_error() {
    let config = trellis_aws::testing::sdk_config().await;
    let launcher = EcsLauncher::new(
        aws_sdk_ecs::Client::new(&config),
        EcsConfig {
            cluster: "no-such-cluster".into(),
            task_definition: "no-such-task".into(),
            container_name: "runner".into(),
            subnets: vec!["subnet-1".into()],
            security_groups: vec![],
            assign_public_ip: false,
            deploy_role_arn_prefix: None,
        },
        Some(sealer().await.0),
    );
    let err = launcher.launch(job()).await.unwrap_err();
    assert!(err.0.contains("ECS"), "{err}");
}
