//! Every kind of Lambda handler invoked with recorded AWS event JSON (API Gateway HTTP API v2,
//! WebSocket, ECS task state change) against the AWS composition on moto.

mod common;

use common::*;

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use trellis_aws::testing;
use trellis_core::model::{DeploymentStatus, Topic};
use trellis_core::ports::{DeploymentStore, Expect, Write};
use trellis_http::routes::{apps, meta};
use trellis_lambdas::events::{self, TaskStateOutcome};
use trellis_lambdas::{Needs, Services};

#[tokio::test]
async fn http_routes_answer_recorded_api_gateway_events() {
    let settings = settings().await;
    let health = services(&settings, Needs::NONE).await;
    let router = trellis_http::single_route(health.state, "/api/health", get(meta::health), false);
    let (status, body) = invoke(router, http_event("GET", "/api/health", None, false)).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");

    let read = services(&settings, needs("apps-list")).await;
    let list =
        || trellis_http::single_route(read.state.clone(), "/api/apps", get(apps::list_apps), true);
    let (status, body) = invoke(list(), http_event("GET", "/api/apps", None, false)).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = invoke(list(), http_event("GET", "/api/apps", None, true)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([]));

    let create = || {
        trellis_http::single_route(
            read.state.clone(),
            "/api/apps",
            post(apps::create_app),
            true,
        )
    };
    // The recorded POST's own body is not an app: the unknown field is named.
    let recorded = fixture("aws/apigw-v2-http-post.json")["body"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = invoke(
        create(),
        http_event("POST", "/api/apps", Some(&recorded), true),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "message");
    let app = json!({"name": "shop", "repository": {"provider": "github", "fullName": "acme/shop", "installationId": 7}});
    let (status, body) = invoke(
        create(),
        http_event("POST", "/api/apps", Some(&app.to_string()), true),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["environments"].as_array().unwrap().len(), 3);
    let local = json!({"name": "mine", "repository": {"provider": "local", "path": "/srv/x"}});
    let (status, body) = invoke(
        create(),
        http_event("POST", "/api/apps", Some(&local.to_string()), true),
    )
    .await;
    assert_eq!(
        status, 422,
        "local repositories exist only in local mode: {body}"
    );
    let (status, body) = invoke(list(), http_event("GET", "/api/apps", None, true)).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["name"], "shop");
}

#[tokio::test]
async fn the_webhook_function_queues_a_deployment_per_signed_push() {
    let settings = settings().await;
    let read = services(&settings, needs("apps-list")).await;
    read.pipeline
        .create_app(trellis_core::requests::NewApp {
            name: "hello".into(),
            repository: trellis_core::model::Repository::Github {
                full_name: fixture("github/push-new-branch.json")["repository"]["full_name"]
                    .as_str()
                    .unwrap()
                    .into(),
                installation_id: 1,
            },
            settings: Default::default(),
            environments: Some(vec![trellis_core::requests::NewEnvironment {
                name: "development".into(),
                branch: Some("master".into()),
                ..Default::default()
            }]),
        })
        .await
        .unwrap();
    // A launcher that cannot reach ECS fails the deployment; the webhook still answers 202.
    let hook = services(&settings, needs("webhook-github")).await;
    let body = trellis_core::conformance::fixture("github/push-new-branch.json");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let mut event: Value = serde_json::from_str(&http_event(
        "POST",
        "/api/webhooks/github",
        Some(std::str::from_utf8(&body).unwrap()),
        false,
    ))
    .unwrap();
    event["headers"]["x-github-event"] = json!("push");
    event["headers"]["x-github-delivery"] = json!("delivery-1");
    event["headers"]["x-hub-signature-256"] = json!(signature);
    let router = || {
        trellis_http::single_route(
            hook.state.clone(),
            "/api/webhooks/github",
            post(trellis_http::webhook::github_webhook),
            false,
        )
    };
    let (status, reply) = invoke(router(), event.to_string()).await;
    assert_eq!(status, 202, "{reply}");
    assert_eq!(reply["deployments"].as_array().unwrap().len(), 1);
    let (status, reply) = invoke(router(), event.to_string()).await;
    assert_eq!(status, 200, "a redelivery creates nothing: {reply}");
    event["headers"]["x-hub-signature-256"] = json!("sha256=00");
    let (status, _) = invoke(router(), event.to_string()).await;
    assert_eq!(status, 401);
}

fn text(r: &ApiGatewayProxyResponse) -> String {
    match &r.body {
        Some(Body::Text(t)) => t.clone(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn websocket_functions_authenticate_subscribe_and_forget() {
    let settings = settings().await;
    let s = services(
        &settings,
        Needs {
            token: true,
            ..Needs::NONE
        },
    )
    .await;
    s.store
        .commit(vec![Write::PutApp(
            trellis_core::conformance::app("shop"),
            Expect::Absent,
        )])
        .await
        .unwrap();

    let refused = events::ws_connect(
        &s,
        ws_event("aws/apigw-websocket-connect.json", "c-1", |_| {}),
    )
    .await;
    assert_eq!(refused.status_code, 401, "{}", text(&refused));
    let wrong = events::ws_connect(
        &s,
        ws_event("aws/apigw-websocket-connect.json", "c-1", |e| {
            e["queryStringParameters"] = json!({"token": "nope"});
        }),
    )
    .await;
    assert_eq!(wrong.status_code, 401);
    let ok = events::ws_connect(
        &s,
        ws_event("aws/apigw-websocket-connect.json", "c-1", |e| {
            e["queryStringParameters"] = json!({"token": TOKEN});
        }),
    )
    .await;
    assert_eq!(ok.status_code, 200, "{}", text(&ok));

    // The recorded message is a chat action: answered with an error, not a crash.
    let chat = events::ws_default(
        &s,
        ws_event("aws/apigw-websocket-message.json", "c-1", |_| {}),
    )
    .await;
    assert_eq!(chat.status_code, 200);
    assert!(
        text(&chat).contains("\"type\":\"error\""),
        "{}",
        text(&chat)
    );
    let sub = events::ws_default(
        &s,
        ws_event("aws/apigw-websocket-message.json", "c-1", |e| {
            e["body"] = json!(r#"{"action":"subscribe","app":"shop"}"#);
        }),
    )
    .await;
    assert!(
        text(&sub).contains("\"type\":\"subscribed\""),
        "{}",
        text(&sub)
    );
    let missing = events::ws_default(
        &s,
        ws_event("aws/apigw-websocket-message.json", "c-1", |e| {
            e["body"] = json!(r#"{"action":"subscribe","deploymentId":"01JNOPE"}"#);
        }),
    )
    .await;
    assert!(
        text(&missing).contains("does not exist"),
        "{}",
        text(&missing)
    );
    assert_eq!(
        s.store
            .subscribers(&Topic::App("shop".into()))
            .await
            .unwrap(),
        ["c-1"]
    );

    let gone = events::ws_disconnect(
        &s,
        ws_event("aws/apigw-websocket-disconnect.json", "c-1", |_| {}),
    )
    .await;
    assert_eq!(gone.status_code, 200);
    assert!(
        s.store
            .subscribers(&Topic::App("shop".into()))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_stopped_runner_task_fails_its_running_deployment() {
    let settings = settings().await;
    let s = services(&settings, needs("task-state")).await;
    let stopped = fixture("aws/ecs-task-state-change-stopped.json");
    let task_arn = stopped["detail"]["taskArn"].as_str().unwrap().to_string();
    let env = trellis_core::conformance::environment("shop", "dev", 0);
    let mut running =
        trellis_core::conformance::deployment("shop", "dev", 1, DeploymentStatus::Running);
    running.runner = Some(task_arn.clone());
    let mut env = env;
    env.running_deployment = Some(running.id.clone());
    s.store
        .commit(vec![
            Write::PutApp(trellis_core::conformance::app("shop"), Expect::Absent),
            Write::PutEnvironment(env, Expect::Absent),
            Write::PutDeployment(running.clone(), Expect::Absent),
        ])
        .await
        .unwrap();

    let still_running = events::task_state_change(&s, fixture("aws/ecs-task-state-change.json"))
        .await
        .unwrap();
    assert!(
        matches!(still_running, TaskStateOutcome::Ignored(ref r) if r.contains("RUNNING")),
        "{still_running:?}"
    );

    match events::task_state_change(&s, stopped.clone())
        .await
        .unwrap()
    {
        TaskStateOutcome::Failed { deployment, reason } => {
            assert_eq!(deployment, running.id);
            assert!(
                reason.contains("Essential container in task exited"),
                "{reason}"
            );
            assert!(reason.contains("exited with code 1"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let failed = s.store.get_deployment(&running.id).await.unwrap().unwrap();
    assert_eq!(failed.status, DeploymentStatus::Failed);
    let env = s
        .store
        .get_environment("shop", "dev")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        env.running_deployment, None,
        "the environment is free again"
    );
    let again = events::task_state_change(&s, stopped).await.unwrap();
    assert!(
        matches!(again, TaskStateOutcome::Ignored(_)),
        "a repeated event changes nothing"
    );
}

#[tokio::test]
async fn the_sweeper_fails_deployments_stuck_past_their_timeout() {
    let settings = settings().await;
    let s = services(&settings, needs("sweeper")).await;
    let now = time::OffsetDateTime::now_utc();
    let mut stuck =
        trellis_core::conformance::deployment("shop", "dev", 1, DeploymentStatus::Running);
    stuck.started_at = Some(now - time::Duration::hours(3));
    let mut fresh =
        trellis_core::conformance::deployment("shop", "prod", 2, DeploymentStatus::Running);
    fresh.started_at = Some(now - time::Duration::minutes(5));
    let mut dev = trellis_core::conformance::environment("shop", "dev", 0);
    dev.running_deployment = Some(stuck.id.clone());
    let mut prod = trellis_core::conformance::environment("shop", "prod", 1);
    prod.running_deployment = Some(fresh.id.clone());
    s.store
        .commit(vec![
            Write::PutApp(trellis_core::conformance::app("shop"), Expect::Absent),
            Write::PutEnvironment(dev, Expect::Absent),
            Write::PutEnvironment(prod, Expect::Absent),
            Write::PutDeployment(stuck.clone(), Expect::Absent),
            Write::PutDeployment(fresh.clone(), Expect::Absent),
        ])
        .await
        .unwrap();
    let summary = events::sweep(&s, now).await.unwrap();
    assert_eq!(summary.failed, [stuck.id.clone()]);
    let stuck = s.store.get_deployment(&stuck.id).await.unwrap().unwrap();
    assert_eq!(stuck.status, DeploymentStatus::Failed);
    assert!(stuck.error.unwrap().contains("timed out"));
    assert_eq!(
        s.store
            .get_deployment(&fresh.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        DeploymentStatus::Running
    );
}

#[tokio::test]
async fn a_function_missing_its_configuration_names_what_is_missing() {
    let mut settings = settings().await;
    settings.table = None;
    let err = Services::from_config(&testing::sdk_config().await, &settings, Needs::NONE)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("TRELLIS_TABLE"), "{err}");
    let mut settings = self::settings().await;
    settings.ecs = None;
    settings.ecs_problem = Some("TRELLIS_ECS_CLUSTER is not set".into());
    let err = Services::from_config(
        &testing::sdk_config().await,
        &settings,
        needs("environment-deploy"),
    )
    .await
    .err()
    .expect("refused");
    assert!(err.to_string().contains("TRELLIS_ECS_CLUSTER"), "{err}");
}

#[tokio::test]
async fn a_function_given_the_token_digest_reads_no_secret() {
    use sha2::Digest;
    let mut settings = settings().await;
    settings.api_token_secret = Some("no-such-secret".into());
    settings.api_token_sha256 = Some(hex::encode(sha2::Sha256::digest(TOKEN.as_bytes())));
    let read = services(&settings, needs("apps-list")).await;
    let list =
        || trellis_http::single_route(read.state.clone(), "/api/apps", get(apps::list_apps), true);
    let (status, _) = invoke(list(), http_event("GET", "/api/apps", None, true)).await;
    assert_eq!(status, 200);
    let mut wrong: Value =
        serde_json::from_str(&http_event("GET", "/api/apps", None, true)).unwrap();
    wrong["headers"]["authorization"] = json!("Bearer not-it");
    let (status, _) = invoke(list(), wrong.to_string()).await;
    assert_eq!(status, 401);
    settings.api_token_sha256 = Some("short".into());
    let err = Services::from_config(&testing::sdk_config().await, &settings, needs("apps-list"))
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("TRELLIS_API_TOKEN_SHA256"),
        "{err}"
    );
}

#[tokio::test]
async fn a_stopped_runner_task_ends_its_deployment_with_the_result_it_handed_back() {
    let settings = settings().await;
    let s = services(&settings, needs("task-state")).await;
    let hand_off = s.hand_off.clone().expect("task-state reads results");
    let mut env = trellis_core::conformance::environment("shop", "dev", 0);
    // No runner recorded: the deployment is found by the id in the task's overrides.
    let running =
        trellis_core::conformance::deployment("shop", "dev", 1, DeploymentStatus::Running);
    env.running_deployment = Some(running.id.clone());
    s.store
        .commit(vec![
            Write::PutApp(trellis_core::conformance::app("shop"), Expect::Absent),
            Write::PutEnvironment(env, Expect::Absent),
            Write::PutDeployment(running.clone(), Expect::Absent),
        ])
        .await
        .unwrap();
    // What the runner does at its end: PUT its result through the job's result link.
    let job = trellis_core::job::RunnerJob::for_deployment(
        &running,
        &trellis_core::model::Repository::Local { path: "/x".into() },
    );
    hand_off
        .seal(job.clone(), std::time::Duration::from_secs(600))
        .await
        .unwrap();
    let s3 = testing::s3_client().await;
    let bucket = settings.jobs_bucket.clone().unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key(format!("results/{}.json", running.id))
        .body(
            json!({"succeeded": true, "error": null, "outputs": {"url": "https://dev.example"}})
                .to_string()
                .into_bytes()
                .into(),
        )
        .send()
        .await
        .unwrap();

    let mut stopped = fixture("aws/ecs-task-state-change-stopped.json");
    stopped["detail"]["overrides"]["containerOverrides"][0]["environment"] =
        json!([{"name": "TRELLIS_DEPLOYMENT_ID", "value": running.id}]);
    stopped["detail"]["containers"][0]["exitCode"] = json!(0);
    let outcome = events::task_state_change(&s, stopped).await.unwrap();
    assert_eq!(
        outcome,
        TaskStateOutcome::Succeeded {
            deployment: running.id.clone()
        }
    );
    let ended = s.store.get_deployment(&running.id).await.unwrap().unwrap();
    assert_eq!(ended.status, DeploymentStatus::Succeeded);
    assert_eq!(ended.outputs["url"], "https://dev.example");
    let left = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(left.key_count(), Some(0), "job and result are discarded");
}

#[tokio::test]
async fn one_broken_deployment_does_not_stop_the_sweepers_pass() {
    let settings = settings().await;
    let s = services(&settings, needs("sweeper")).await;
    let now = time::OffsetDateTime::now_utc();
    // Listed first (older id), and its environment is gone: ending it fails.
    let mut orphan =
        trellis_core::conformance::deployment("gone", "dev", 1, DeploymentStatus::Running);
    orphan.started_at = Some(now - time::Duration::hours(3));
    let mut stuck =
        trellis_core::conformance::deployment("shop", "dev", 2, DeploymentStatus::Running);
    stuck.started_at = Some(now - time::Duration::hours(3));
    let mut dev = trellis_core::conformance::environment("shop", "dev", 0);
    dev.running_deployment = Some(stuck.id.clone());
    s.store
        .commit(vec![
            Write::PutApp(trellis_core::conformance::app("shop"), Expect::Absent),
            Write::PutEnvironment(dev, Expect::Absent),
            Write::PutDeployment(orphan.clone(), Expect::Absent),
            Write::PutDeployment(stuck.clone(), Expect::Absent),
        ])
        .await
        .unwrap();
    let summary = events::sweep(&s, now).await.expect("the pass completes");
    assert_eq!(summary.failed, [stuck.id.clone()], "{summary:?}");
    assert_eq!(summary.errors.len(), 1, "{summary:?}");
    assert!(summary.errors[0].contains(&orphan.id), "{summary:?}");
    let stuck = s.store.get_deployment(&stuck.id).await.unwrap().unwrap();
    assert_eq!(stuck.status, DeploymentStatus::Failed);
}
