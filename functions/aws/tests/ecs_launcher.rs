//! The ECS launcher against moto: what RunTask is asked for, read back with DescribeTasks.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
use trellis_aws::{EcsConfig, EcsLauncher};
use trellis_core::job::RunnerJob;
use trellis_core::model::{ConfigSnapshot, DeploymentKind, Repository};
use trellis_core::ports::RunnerLauncher;

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
        secrets: BTreeMap::from([("STRIPE_KEY".into(), "sk_live_do_not_leak".into())]),
        git_token: None,
        extra_env: BTreeMap::new(),
    }
}

#[tokio::test]
async fn run_task_carries_the_configuration_and_no_secret() {
    let config = trellis_aws::testing::sdk_config().await;
    let client = aws_sdk_ecs::Client::new(&config);
    let cluster = trellis_aws::testing::unique("trellis-runners");
    client
        .create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    let family = trellis_aws::testing::unique("trellis-build-runner");
    client
        .register_task_definition()
        .family(&family)
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("1024")
        .memory("2048")
        .container_definitions(
            ContainerDefinition::builder()
                .name("runner")
                .image("trellis/build-runner:latest")
                .memory(2048)
                .essential(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (subnets, groups) = trellis_aws::testing::default_network().await;
    let ecs_config = EcsConfig {
        cluster: cluster.clone(),
        task_definition: family.clone(),
        container_name: "runner".into(),
        subnets: subnets[..1].to_vec(),
        security_groups: groups[..1].to_vec(),
        assign_public_ip: false,
    };
    let launcher = EcsLauncher::new(client.clone(), ecs_config);
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
        },
    );
    let err = launcher.launch(job()).await.unwrap_err();
    assert!(err.0.contains("ECS"), "{err}");
}
