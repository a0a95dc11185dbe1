//! What the Lambda handler tests share: recorded events, a fresh table, bucket and secrets on
//! moto, and the settings a function gets from the stack.
#![allow(dead_code)]

pub mod recorder;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use serde_json::{Value, json};
use tower::ServiceExt;
use trellis_aws::{DynamoStore, EcsConfig, testing};
use trellis_lambdas::{FunctionConfig, Needs, Services};

pub const TOKEN: &str = "lambda-test-token";
pub const WEBHOOK_SECRET: &str = "lambda-webhook-secret";

pub fn fixture(path: &str) -> Value {
    serde_json::from_slice(&trellis_core::conformance::fixture(path)).unwrap()
}

/// A fresh table and secrets on moto, and the settings a function would get from the stack.
pub async fn settings() -> FunctionConfig {
    let config = testing::sdk_config().await;
    let table = testing::unique("trellis-lambda");
    DynamoStore::create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
        .await
        .unwrap();
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let prefix = testing::unique("trellis");
    for (name, value) in [("api-token", TOKEN), ("webhook", WEBHOOK_SECRET)] {
        secrets
            .create_secret()
            .name(format!("{prefix}/{name}"))
            .secret_string(value)
            .send()
            .await
            .unwrap();
    }
    let (_, bucket) = testing::jobs_bucket().await;
    let (_, cache_bucket) = testing::jobs_bucket().await;
    FunctionConfig {
        table: Some(table),
        jobs_bucket: Some(bucket),
        cache_bucket: Some(cache_bucket),
        secrets_prefix: Some(prefix.clone()),
        api_token_secret: Some(format!("{prefix}/api-token")),
        api_token_sha256: None,
        webhook_secret_id: Some(format!("{prefix}/webhook")),
        // Nobody subscribes in these tests: nothing is posted here.
        ws_endpoint: Some("http://127.0.0.1:9".into()),
        github_app_secret: None,
        github_api: None,
        github_web: None,
        // As the stack sets them, so the functions read them as they would on AWS.
        audit_retention_days: Some("365".into()),
        session_hours: Some("12".into()),
        ecs: Some(EcsConfig {
            cluster: "trellis".into(),
            task_definition: "trellis-runner".into(),
            container_name: "runner".into(),
            subnets: vec!["subnet-1".into()],
            security_groups: vec![],
            assign_public_ip: false,
            deploy_role_arn_prefix: None,
        }),
        ecs_problem: None,
        ecs_cluster: None,
    }
}

/// What the function table gives function `name`.
pub fn needs(name: &str) -> Needs {
    trellis_lambdas::manifest::find(name)
        .expect("a function in the table")
        .needs
}

pub async fn services(settings: &FunctionConfig, needs: Needs) -> Services {
    Services::from_config(&testing::sdk_config().await, settings, needs)
        .await
        .expect("services compose")
}

/// The recorded HTTP API v2 event, aimed at another route.
pub fn http_event(method: &str, path: &str, body: Option<&str>, auth: bool) -> String {
    let mut e = fixture(if body.is_some() {
        "aws/apigw-v2-http-post.json"
    } else {
        "aws/apigw-v2-http-get.json"
    });
    e["rawPath"] = json!(path);
    e["rawQueryString"] = json!("");
    e["routeKey"] = json!("$default");
    e["requestContext"]["http"]["method"] = json!(method);
    e["requestContext"]["http"]["path"] = json!(path);
    e["headers"]["content-type"] = json!("application/json");
    if auth {
        e["headers"]["authorization"] = json!(format!("Bearer {TOKEN}"));
    } else if let Some(h) = e["headers"].as_object_mut() {
        h.remove("authorization");
    }
    if let Some(b) = body {
        e["body"] = json!(b);
        e["isBase64Encoded"] = json!(false);
    }
    e.to_string()
}

pub async fn invoke(router: axum::Router, event: String) -> (u16, Value) {
    let (status, _, body) = invoke_with_headers(router, event).await;
    (status, body)
}

/// As [`invoke`], with the response's headers (redirects, cookies).
pub async fn invoke_with_headers(
    router: axum::Router,
    event: String,
) -> (u16, axum::http::HeaderMap, Value) {
    let request = lambda_http::request::from_str(&event).expect("a valid API Gateway event");
    let response = router.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

pub fn ws_event(
    fixture_path: &str,
    connection: &str,
    edit: impl FnOnce(&mut Value),
) -> ApiGatewayWebsocketProxyRequest {
    let mut e = fixture(fixture_path);
    e["requestContext"]["connectionId"] = json!(connection);
    edit(&mut e);
    serde_json::from_value(e).expect("a WebSocket event")
}
