//! Least privilege, proven: every function of the table runs its real handler against moto
//! through a pipeline's life (create, configure, push, log, finish, promote, cancel, roll
//! back, sweep, tear down, delete) with an interceptor on each of its AWS clients, and every
//! (resource, action) it called must be one the function table — and so its IAM role — grants.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::routing::MethodRouter;
use common::recorder::{Recorder, Resources};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use trellis_aws::testing;
use trellis_core::ports::DeploymentStore;
use trellis_http::AppState;
use trellis_lambdas::events;
use trellis_lambdas::manifest::{FUNCTIONS, Trigger};
use trellis_lambdas::{FunctionConfig, Services};

struct World {
    settings: FunctionConfig,
    functions: BTreeMap<&'static str, (Services, Recorder)>,
    s3: aws_sdk_s3::Client,
    github: trellis_e2e::GithubStandIn,
}

impl World {
    fn services(&self, name: &str) -> &Services {
        &self.functions[name].0
    }

    /// Calls HTTP function `name` as API Gateway would.
    async fn http(&self, name: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.http_as(name, path, "", body, None).await
    }

    /// As [`World::http`], with a query string and, when given, another bearer token.
    async fn http_as(
        &self,
        name: &str,
        path: &str,
        query: &str,
        body: Option<Value>,
        bearer: Option<&str>,
    ) -> (u16, Value) {
        let headers: Vec<(&str, String)> = bearer
            .map(|t| vec![("authorization", format!("Bearer {t}"))])
            .unwrap_or_default();
        let (status, _, body) = self.http_full(name, path, query, body, &headers).await;
        (status, body)
    }

    /// Any request to HTTP function `name`: `headers` replace the admin token's.
    async fn http_full(
        &self,
        name: &str,
        path: &str,
        query: &str,
        body: Option<Value>,
        headers: &[(&str, String)],
    ) -> (u16, axum::http::HeaderMap, Value) {
        let f = trellis_lambdas::manifest::find(name).unwrap();
        let Trigger::Http {
            method,
            path: route,
            authenticated,
        } = f.trigger
        else {
            panic!("{name} is not HTTP")
        };
        let handler: MethodRouter<AppState> = route_of(name);
        let router = trellis_http::single_route(
            self.services(name).state.clone(),
            route,
            handler,
            authenticated,
        );
        let body = body.map(|b| b.to_string());
        let mut event: Value =
            serde_json::from_str(&http_event(method, path, body.as_deref(), true)).unwrap();
        event["rawQueryString"] = json!(query);
        for (name, value) in headers {
            // An empty value takes the header away (the admin token, for a cookie's request).
            if value.is_empty() {
                if let Some(h) = event["headers"].as_object_mut() {
                    h.remove(*name);
                }
            } else {
                event["headers"][*name] = json!(value);
            }
        }
        let query_pairs: serde_json::Map<String, Value> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        event["queryStringParameters"] = Value::Object(query_pairs);
        invoke_with_headers(router, event.to_string()).await
    }

    async fn push(&self, sha: &str, delivery: &str) -> (u16, Value) {
        let mut payload = fixture("github/push-new-branch.json");
        payload["after"] = json!(sha);
        payload["head_commit"]["id"] = json!(sha);
        let body = payload.to_string();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        let mut event: Value = serde_json::from_str(&http_event(
            "POST",
            "/api/webhooks/github",
            Some(&body),
            false,
        ))
        .unwrap();
        event["headers"]["x-github-event"] = json!("push");
        event["headers"]["x-github-delivery"] = json!(delivery);
        event["headers"]["x-hub-signature-256"] = json!(format!(
            "sha256={}",
            hex::encode(mac.finalize().into_bytes())
        ));
        let router = trellis_http::single_route(
            self.services("webhook-github").state.clone(),
            "/api/webhooks/github",
            route_of("webhook-github"),
            false,
        );
        invoke(router, event.to_string()).await
    }

    /// The runner's end: its result in the bucket, then the task's STOPPED event.
    async fn runner_ends(&self, deployment: &str, succeeded: bool) {
        let result =
            json!({"succeeded": succeeded, "error": null, "outputs": {"url": "https://x"}});
        self.s3
            .put_object()
            .bucket(self.settings.jobs_bucket.as_deref().unwrap())
            .key(format!("results/{deployment}.json"))
            .body(result.to_string().into_bytes().into())
            .send()
            .await
            .unwrap();
        let mut stopped = fixture("aws/ecs-task-state-change-stopped.json");
        stopped["detail"]["overrides"]["containerOverrides"][0]["environment"] =
            json!([{"name": "TRELLIS_DEPLOYMENT_ID", "value": deployment}]);
        stopped["detail"]["containers"][0]["exitCode"] = json!(if succeeded { 0 } else { 1 });
        events::task_state_change(self.services("task-state"), stopped)
            .await
            .unwrap();
    }
}

/// Each HTTP function's handler, as its generated main mounts it.
fn route_of(name: &str) -> MethodRouter<AppState> {
    use axum::routing::put;
    use axum::routing::{delete, get, patch, post};
    use trellis_http::routes::{apps, audit, auth, deployments, environments, github, meta, team};
    match name {
        "api-health" => get(meta::health),
        "api-openapi" => get(meta::openapi),
        "apps-list" => get(apps::list_apps),
        "apps-create" => post(apps::create_app),
        "app-get" => get(apps::get_app),
        "app-update" => patch(apps::update_app),
        "app-delete" => delete(apps::delete_app),
        "environment-get" => get(environments::get_environment),
        "environment-update" => patch(environments::update_environment),
        "environment-deployments" => get(environments::list_deployments),
        "environment-cache" => get(trellis_http::routes::cache::get_cache),
        "environment-cache-clear" => delete(trellis_http::routes::cache::clear_cache),
        "environment-deploy" => post(environments::deploy),
        "environment-promote" => post(environments::promote),
        "environment-promote-preview" => get(environments::promotion_preview),
        "environment-rollback" => post(environments::rollback),
        "environment-teardown" => post(environments::teardown),
        "deployment-get" => get(deployments::get_deployment),
        "deployment-cancel" => post(deployments::cancel),
        "deployment-logs" => get(deployments::logs),
        "deployment-approve" => post(deployments::approve),
        "deployment-reject" => post(deployments::reject),
        "webhook-github" => post(trellis_http::webhook::github_webhook),
        "me" => get(team::me),
        "tokens-list" => get(team::list_tokens),
        "tokens-create" => post(team::create_token),
        "token-revoke" => delete(team::revoke_token),
        "members-list" => get(team::list_members),
        "member-set" => put(team::set_member),
        "member-remove" => delete(team::remove_member),
        "audit-list" => get(audit::list_audit),
        "auth-github" => get(auth::github_login),
        "auth-callback" => get(auth::github_callback),
        "auth-logout" => post(auth::logout),
        "live-ticket" => post(team::live_ticket),
        "auth-device" => post(auth::device_start),
        "auth-device-token" => post(auth::device_token),
        "github-app" => get(github::github_app),
        "github-repositories" => get(trellis_http::routes::repositories::list_repositories),
        "app-branches" => get(apps::list_branches),
        "notifications-list" => get(trellis_http::routes::notifications::list_destinations),
        "notifications-create" => post(trellis_http::routes::notifications::create_destination),
        "notification-delete" => delete(trellis_http::routes::notifications::delete_destination),
        "notification-deliveries" => get(trellis_http::routes::notifications::list_deliveries),
        "github-manifest" => post(github::start_manifest),
        "github-manifest-callback" => get(github::finish_manifest),
        other => panic!("{other} has no route in this test"),
    }
}

/// A runner cluster and task definition on moto, so launches really run tasks.
async fn runner_on_moto(settings: &mut FunctionConfig) {
    let (cluster, family) = testing::runner_cluster().await;
    let (subnets, groups) = testing::default_network().await;
    let ecs_config = settings.ecs.as_mut().unwrap();
    ecs_config.cluster = cluster;
    ecs_config.task_definition = family;
    ecs_config.subnets = subnets[..1].to_vec();
    ecs_config.security_groups = groups[..1].to_vec();
}

async fn world() -> World {
    let mut settings = settings().await;
    runner_on_moto(&mut settings).await;
    let config = testing::sdk_config().await;
    // The GitHub App secret as the stack creates it: `{}` until the admin fills it in.
    let github = format!("{}/github-app", settings.secrets_prefix.as_deref().unwrap());
    aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name(&github)
        .secret_string("{}")
        .send()
        .await
        .unwrap();
    settings.github_app_secret = Some(github.clone());
    let standin = trellis_e2e::GithubStandIn::start().await;
    settings.github_web = Some(standin.url.clone());
    settings.github_api = Some(standin.url.clone());
    let resources = Resources {
        api_token_secret: settings.api_token_secret.clone().unwrap(),
        webhook_secret: settings.webhook_secret_id.clone().unwrap(),
        github_app_secret: github,
        // Per-app secrets live under the prefix; the fixed secrets above are told apart first.
        secrets_prefix: settings.secrets_prefix.clone().unwrap(),
    };
    let mut functions = BTreeMap::new();
    for f in FUNCTIONS {
        let recorder = Recorder::new(resources.clone());
        let services = Services::observed(
            &config,
            &settings,
            f.needs_at_run_time(),
            Some(recorder.shared()),
        )
        .await
        .unwrap_or_else(|e| panic!("{} composes: {e}", f.name));
        functions.insert(f.name, (services, recorder));
    }
    let s3 = testing::s3_client().await;
    World {
        settings,
        functions,
        s3,
        github: standin,
    }
}

async fn running_deployment(w: &World, env: &str) -> String {
    let e = w
        .services("environment-get")
        .store
        .get_environment("shop", env)
        .await
        .unwrap()
        .unwrap();
    e.running_deployment
        .clone()
        .unwrap_or_else(|| panic!("{env} has a running deployment: {e:?}"))
}

#[tokio::test]
async fn every_function_calls_only_what_its_role_grants() {
    let w = world().await;
    // A cold start reads no secret — neither the API token, the webhook secret nor the GitHub
    // App's: each is read when a request first needs it.
    for (name, (_, recorder)) in &w.functions {
        let read: Vec<_> = recorder
            .calls()
            .into_iter()
            .filter(|(resource, _)| resource.ends_with("Secret"))
            .collect();
        assert!(read.is_empty(), "{name} read {read:?} before any request");
    }
    let first = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
    let second = "1d5b0c1a3f5e6f7a8b9c0d1e2f3a4b5c6d7e8f90";

    assert_eq!(w.http("api-health", "/api/health", None).await.0, 200);
    assert_eq!(
        w.http("api-openapi", "/api/openapi.json", None).await.0,
        200
    );
    let app = json!({"name": "shop", "repository": {"provider": "github",
        "fullName": "Codertocat/Hello-World", "installationId": 1}});
    assert_eq!(w.http("apps-create", "/api/apps", Some(app)).await.0, 201);
    assert_eq!(w.http("apps-list", "/api/apps", None).await.0, 200);
    assert_eq!(w.http("app-get", "/api/apps/shop", None).await.0, 200);
    let (status, body) = w
        .http(
            "app-update",
            "/api/apps/shop",
            Some(json!({"settings": {"timeoutMinutes": 30}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let dev = "/api/apps/shop/environments/development";
    let patch = json!({"branch": "master", "variables": {"STAGE_NAME": "dev"},
        "secrets": {"API_KEY": "do-not-leak-this"}});
    let (status, body) = w.http("environment-update", dev, Some(patch)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(w.http("environment-get", dev, None).await.0, 200);

    // A dashboard listens: status pushes reach the management API.
    let ws = w.services("ws-connect");
    let connect = events::ws_connect(
        ws,
        ws_event("aws/apigw-websocket-connect.json", "c-1", |e| {
            e["queryStringParameters"] = json!({"token": TOKEN});
        }),
    )
    .await;
    assert_eq!(connect.status_code, 200);
    events::ws_default(
        w.services("ws-default"),
        ws_event("aws/apigw-websocket-message.json", "c-1", |e| {
            e["body"] = json!(r#"{"action":"subscribe","app":"shop"}"#);
        }),
    )
    .await;

    // Push → a runner task; its log; its end.
    let (status, body) = w.push(first, "d-1").await;
    assert_eq!(status, 202, "{body}");
    let d1 = running_deployment(&w, "development").await;
    assert_eq!(
        w.http("deployment-get", &format!("/api/deployments/{d1}"), None)
            .await
            .0,
        200
    );
    let logs: aws_lambda_events::cloudwatch_logs::LogsEvent =
        serde_json::from_slice(&trellis_http::forwarder::subscription_payload(
            "/trellis/runner",
            &format!("runner/runner/{d1}"),
            &[(1, "==> install".into()), (2, "done".into())],
            1,
        ))
        .unwrap();
    events::forward_logs(w.services("log-forwarder"), logs)
        .await
        .unwrap();
    let (status, body) = w
        .http(
            "deployment-logs",
            &format!("/api/deployments/{d1}/logs"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.runner_ends(&d1, true).await;

    // What the promotion would ship (staging is empty: no commits to compare).
    let (status, body) = w
        .http(
            "environment-promote-preview",
            &format!("{dev}/promote"),
            None,
        )
        .await;
    assert_eq!(
        (status, body["to"].as_str()),
        (200, Some("staging")),
        "{body}"
    );
    // Promote, then cancel the promotion's runner.
    let (status, body) = w
        .http("environment-promote", &format!("{dev}/promote"), None)
        .await;
    assert_eq!(status, 202, "{body}");
    let d2 = running_deployment(&w, "staging").await;
    let (status, body) = w
        .http(
            "deployment-cancel",
            &format!("/api/deployments/{d2}/cancel"),
            None,
        )
        .await;
    assert!(status < 300, "{body}");
    w.runner_ends(&d2, false).await;

    // A second commit, then roll back to the first.
    let (status, body) = w.push(second, "d-2").await;
    assert_eq!(status, 202, "{body}");
    let d3 = running_deployment(&w, "development").await;
    w.runner_ends(&d3, true).await;

    // Staging requires approval: a promotion waits; its requester may not approve it; an
    // admin rejects it.
    let staging = "/api/apps/shop/environments/staging";
    let (status, body) = w
        .http(
            "environment-update",
            staging,
            Some(json!({"requiresApproval": true})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, waiting) = w
        .http("environment-promote", &format!("{dev}/promote"), None)
        .await;
    assert_eq!(
        (status, waiting["status"].as_str()),
        (202, Some("awaiting_approval")),
        "{waiting}"
    );
    let id = waiting["id"].as_str().unwrap();
    let (status, body) = w
        .http(
            "deployment-approve",
            &format!("/api/deployments/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = w
        .http(
            "deployment-reject",
            &format!("/api/deployments/{id}/reject"),
            Some(json!({"reason": "not this week"})),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("cancelled")),
        "{body}"
    );
    let (status, body) = w
        .http(
            "environment-rollback",
            &format!("{dev}/rollback"),
            Some(json!({"deploymentId": d1})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    // A manual deploy queues behind it (or is refused: it cannot resolve refs without the
    // GitHub App); either way, what it called is checked.
    w.http(
        "environment-deploy",
        &format!("{dev}/deploy"),
        Some(json!({"ref": second})),
    )
    .await;
    let (status, body) = w
        .http("environment-teardown", &format!("{dev}/teardown"), None)
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        w.http(
            "environment-deployments",
            &format!("{dev}/deployments"),
            None
        )
        .await
        .0,
        200
    );
    // Hours later, the rollback's runner never reported: the sweeper ends it and starts the
    // waiting teardown.
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(3);
    events::sweep(w.services("sweeper"), later).await.unwrap();
    let teardown = running_deployment(&w, "development").await;
    w.runner_ends(&teardown, true).await;

    // The last secret removed: the app's secret goes (it costs per month).
    let (status, body) = w
        .http(
            "environment-update",
            dev,
            Some(json!({"secrets": {"API_KEY": null}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    events::ws_disconnect(
        w.services("ws-disconnect"),
        ws_event("aws/apigw-websocket-disconnect.json", "c-1", |_| {}),
    )
    .await;
    team(&w).await;
    dependency_caches(&w, dev).await;
    let (status, body) = w.http("app-delete", "/api/apps/shop", None).await;
    assert!(status < 300, "{body}");
    let left =
        w.s3.list_objects_v2()
            .bucket(w.settings.cache_bucket.as_deref().unwrap())
            .prefix("cache/shop/")
            .send()
            .await
            .unwrap();
    assert_eq!(
        left.key_count(),
        Some(0),
        "deleting the app clears its caches"
    );

    let mut problems = Vec::new();
    for f in FUNCTIONS {
        let granted: BTreeSet<(String, String)> = f
            .permissions()
            .into_iter()
            .flat_map(|p| {
                p.actions
                    .into_iter()
                    .map(move |a| (p.resource.to_string(), a.to_string()))
            })
            .collect();
        let called = w.functions[f.name].1.calls();
        for call in called.difference(&granted) {
            problems.push(format!(
                "{} calls {} on {} but is not granted it",
                f.name, call.1, call.0
            ));
        }
        if called.is_empty() && !granted.is_empty() {
            problems.push(format!("{} was not exercised: it called nothing", f.name));
        }
        let unused: Vec<_> = granted.difference(&called).collect();
        println!(
            "{:<24} called {:>2}, granted {:>2}, not called here: {unused:?}",
            f.name,
            called.len(),
            granted.len()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An environment's cache, as a runner saved it through its link: listed, cleared, saved again
/// (for the app's deletion to clear).
async fn dependency_caches(w: &World, dev: &str) {
    let save = || async {
        w.s3.put_object()
            .bucket(w.settings.cache_bucket.as_deref().unwrap())
            .key("cache/shop/development/dependencies.tar.gz")
            .body(vec![0u8; 1000].into())
            .send()
            .await
            .unwrap();
    };
    save().await;
    let (status, body) = w
        .http("environment-cache", &format!("{dev}/cache"), None)
        .await;
    assert_eq!(
        (status, body["totalBytes"].as_u64()),
        (200, Some(1000)),
        "{body}"
    );
    let (status, body) = w
        .http("environment-cache-clear", &format!("{dev}/cache"), None)
        .await;
    assert_eq!(
        (status, body["archives"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    save().await;
}

/// A user with a personal token: roles, tokens and the audit log, each through its function.
async fn team(w: &World) {
    let (status, body) = w
        .http(
            "member-set",
            "/api/apps/shop/members/ada",
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = w.http("members-list", "/api/apps/shop/members", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["login"], "ada");
    // The first token is made as sign-in would make it; the rest through the API.
    let (_, secret) = w
        .services("tokens-create")
        .state
        .access
        .create_token("ada", "least privilege", 1)
        .await
        .unwrap();
    let ada = Some(secret.as_str());
    // ada follows the app live: her token opens the socket, her role allows the subscription.
    let connect = events::ws_connect(
        w.services("ws-connect"),
        ws_event("aws/apigw-websocket-connect.json", "c-ada", |e| {
            e["queryStringParameters"] = json!({"token": secret});
        }),
    )
    .await;
    assert_eq!(connect.status_code, 200);
    let reply = events::ws_default(
        w.services("ws-default"),
        ws_event("aws/apigw-websocket-message.json", "c-ada", |e| {
            e["body"] = json!(r#"{"action":"subscribe","app":"shop"}"#);
        }),
    )
    .await;
    assert!(
        format!("{:?}", reply.body).contains("subscribed"),
        "{:?}",
        reply.body
    );
    let (status, body) = w.http_as("me", "/api/me", "", None, ada).await;
    assert_eq!(
        (status, body["login"].as_str()),
        (200, Some("ada")),
        "{body}"
    );
    let (status, body) = w
        .http_as(
            "tokens-create",
            "/api/tokens",
            "",
            Some(json!({"name": "ci"})),
            ada,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["token"]["id"].as_str().unwrap().to_string();
    let (status, body) = w.http_as("tokens-list", "/api/tokens", "", None, ada).await;
    assert_eq!(
        (status, body.as_array().map(Vec::len)),
        (200, Some(2)),
        "{body}"
    );
    let (status, body) = w
        .http_as("token-revoke", &format!("/api/tokens/{id}"), "", None, ada)
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = w
        .http_as("audit-list", "/api/audit", "app=shop", None, ada)
        .await;
    assert_eq!(status, 200, "{body}");
    let actions: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"member.set"), "{actions:?}");
    connect_github_and_sign_in(w).await;
    // The picker and the branch list, through the app connected a moment ago.
    w.github.install(1, "Codertocat/Hello-World", false);
    w.github.branch(
        "Codertocat/Hello-World",
        "master",
        "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    );
    let (status, body) = w
        .http("github-repositories", "/api/github/repositories", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["repositories"][0]["apps"], json!(["shop"]), "{body}");
    let (status, body) = w
        .http("app-branches", "/api/apps/shop/branches", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["name"], "master", "{body}");
    // A notification destination: created (its URL to the app's secret), listed, its
    // deliveries read, removed.
    let hook = json!({"name": "ops", "kind": "webhook", "url": format!("{}/hook", w.github.url),
        "events": ["deployment.succeeded", "deployment.failed"]});
    let (status, created) = w
        .http(
            "notifications-create",
            "/api/apps/shop/notifications",
            Some(hook),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert!(
        created["signingKey"]
            .as_str()
            .is_some_and(|k| k.starts_with("whsec_"))
    );
    let id = created["destination"]["id"].as_str().unwrap().to_string();
    let (status, body) = w
        .http("notifications-list", "/api/apps/shop/notifications", None)
        .await;
    assert_eq!(
        (status, body[0]["id"].as_str()),
        (200, Some(id.as_str())),
        "{body}"
    );
    assert!(
        !body.to_string().contains("/hook"),
        "the URL is never shown: {body}"
    );
    let deliveries = format!("/api/apps/shop/notifications/{id}/deliveries");
    let (status, body) = w.http("notification-deliveries", &deliveries, None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = w
        .http(
            "notification-delete",
            &format!("/api/apps/shop/notifications/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    // The sweeper reports the app's deployments on GitHub now that the app is connected.
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    events::sweep(w.services("sweeper"), later).await.unwrap();
    let reports = w.github.reports();
    assert!(
        reports.iter().any(|r| r.kind == "deployment_status"),
        "{reports:?}"
    );
    let (status, body) = w
        .http("member-remove", "/api/apps/shop/members/ada", None)
        .await;
    assert_eq!(status, 204, "{body}");
}

fn cookie(headers: &axum::http::HeaderMap, name: &str) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {headers:?}"))
}

fn location_query(headers: &axum::http::HeaderMap) -> String {
    let location = headers["location"].to_str().unwrap();
    location
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default()
}

/// The GitHub App connected through the manifest flow, then a sign-in on the web and with
/// the device flow, and a sign-out: each step through its own function.
async fn connect_github_and_sign_in(w: &World) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (status, body) = w.http("github-app", "/api/github/app", None).await;
    assert_eq!(
        (status, body["connected"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
    let (status, headers, view) = w
        .http_full(
            "github-manifest",
            "/api/github/manifest",
            "",
            Some(json!({"publicUrl": "https://trellis.example"})),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{view}");
    let state = cookie(&headers, "trellis_manifest_state");
    let created = browser
        .post(view["postUrl"].as_str().unwrap())
        .form(&[("manifest", view["manifest"].to_string())])
        .send()
        .await
        .unwrap();
    let mut created_headers = axum::http::HeaderMap::new();
    created_headers.insert(
        "location",
        created.headers()["location"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap(),
    );
    let (status, _, body) = w
        .http_full(
            "github-manifest-callback",
            "/api/github/manifest/callback",
            &location_query(&created_headers),
            None,
            &[("cookie", state), ("authorization", String::new())],
        )
        .await;
    assert_eq!(status, 303, "{body}");

    // The web flow.
    let (status, headers, body) = w
        .http_full(
            "auth-github",
            "/api/auth/github",
            "",
            None,
            &[("authorization", String::new())],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let state = cookie(&headers, "trellis_oauth_state");
    w.github.sign_in_as("ada");
    let at_github = browser
        .get(headers["location"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    let mut back = axum::http::HeaderMap::new();
    back.insert(
        "location",
        at_github.headers()["location"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap(),
    );
    let (status, headers, body) = w
        .http_full(
            "auth-callback",
            "/api/auth/github/callback",
            &location_query(&back),
            None,
            &[("cookie", state), ("authorization", String::new())],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let session = cookie(&headers, "trellis_session");
    let as_ada = [
        ("cookie", session.clone()),
        ("authorization", String::new()),
    ];
    let (status, _, me) = w.http_full("me", "/api/me", "", None, &as_ada).await;
    assert_eq!((status, me["login"].as_str()), (200, Some("ada")), "{me}");
    let csrf = me["csrfToken"].as_str().unwrap().to_string();
    // The dashboard is on another origin than the WebSocket API: a one-use ticket opens it.
    let with_csrf = [
        ("cookie", session.clone()),
        ("authorization", String::new()),
        ("x-csrf-token", csrf.clone()),
    ];
    let (status, _, ticket) = w
        .http_full("live-ticket", "/api/live/ticket", "", None, &with_csrf)
        .await;
    assert_eq!(status, 201, "{ticket}");
    let ticket = ticket["ticket"].as_str().unwrap().to_string();
    for (connection, expected) in [("c-ticket", 200), ("c-replay", 401)] {
        let connect = events::ws_connect(
            w.services("ws-connect"),
            ws_event("aws/apigw-websocket-connect.json", connection, |e| {
                e["queryStringParameters"] = json!({"ticket": ticket});
            }),
        )
        .await;
        assert_eq!(
            connect.status_code, expected,
            "{connection}: {:?}",
            connect.body
        );
    }
    let (status, _, body) = w
        .http_full(
            "auth-logout",
            "/api/auth/logout",
            "",
            None,
            &[
                ("cookie", session),
                ("authorization", String::new()),
                ("x-csrf-token", csrf),
            ],
        )
        .await;
    assert_eq!(status, 204, "{body}");

    // The device flow.
    let public = [("authorization", String::new())];
    let (status, _, start) = w
        .http_full("auth-device", "/api/auth/device", "", None, &public)
        .await;
    assert_eq!(status, 200, "{start}");
    w.github.authorise_device("device-1", "ada");
    let device = json!({"deviceCode": start["deviceCode"]});
    let mut outcome = Value::Null;
    for _ in 0..3 {
        outcome = w
            .http_full(
                "auth-device-token",
                "/api/auth/device/token",
                "",
                Some(device.clone()),
                &public,
            )
            .await
            .2;
    }
    assert_eq!(outcome["status"], "signed_in", "{outcome}");
}
