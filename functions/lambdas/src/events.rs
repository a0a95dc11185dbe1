//! The event-source handlers: WebSocket routes, CloudWatch Logs subscription, ECS task state
//! changes and the stuck-deployment sweeper. Plain functions over [`Services`], so tests call
//! them with recorded event JSON and no Lambda runtime.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::cloudwatch_logs::LogsEvent;
use aws_lambda_events::encodings::Body;
use serde::Deserialize;
use trellis_core::model::DeploymentStatus;
use trellis_core::outcome::{RunnerEnd, runner_outcome};
use trellis_core::ports::DeploymentStore;
use trellis_http::forwarder::ForwardSummary;
use trellis_http::websocket;

use crate::services::Services;

fn response(status: i64, body: String) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = status;
    r.body = Some(Body::Text(body));
    r
}

fn error_response(e: trellis_http::ApiError) -> ApiGatewayProxyResponse {
    // Serializing a struct of strings cannot fail; should it, the status still tells.
    let body = serde_json::to_string(&e.body()).unwrap_or_default();
    response(i64::from(e.status.as_u16()), body)
}

fn connection_id(event: &ApiGatewayWebsocketProxyRequest) -> Option<&str> {
    event.request_context.connection_id.as_deref()
}

/// `$connect`
pub async fn ws_connect(
    services: &Services,
    event: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let Some(id) = connection_id(&event) else {
        return error_response(trellis_http::ApiError::bad_request("no connection id"));
    };
    let given = websocket::SocketCredentials {
        token: event.query_string_parameters.first("token"),
        ticket: event.query_string_parameters.first("ticket"),
        // The dashboard is on another origin: its cookie never comes here.
        session_cookie: None,
    };
    match websocket::on_connect(
        services.store.as_ref(),
        &services.token,
        &services.state.access,
        id,
        given,
        time::OffsetDateTime::now_utc(),
    )
    .await
    {
        Ok(()) => response(200, String::new()),
        Err(e) => error_response(e),
    }
}

/// `$disconnect`
pub async fn ws_disconnect(
    services: &Services,
    event: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let Some(id) = connection_id(&event) else {
        return response(200, String::new());
    };
    match websocket::on_disconnect(services.store.as_ref(), id).await {
        Ok(()) => response(200, String::new()),
        Err(e) => error_response(e),
    }
}

/// `$default`: the reply is the route response the client receives.
pub async fn ws_default(
    services: &Services,
    event: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let Some(id) = connection_id(&event) else {
        return error_response(trellis_http::ApiError::bad_request("no connection id"));
    };
    let reply = websocket::on_message(
        services.store.as_ref(),
        &services.state.access,
        id,
        event.body.as_deref().unwrap_or(""),
    )
    .await;
    response(200, reply.to_json())
}

/// The CloudWatch Logs subscription.
pub async fn forward_logs(
    services: &Services,
    event: LogsEvent,
) -> Result<ForwardSummary, crate::Error> {
    Ok(services.state.forwarder.handle(event).await?)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskDetail {
    task_arn: String,
    last_status: String,
    stopped_reason: Option<String>,
    stop_code: Option<String>,
    #[serde(default)]
    containers: Vec<ContainerDetail>,
    #[serde(default)]
    overrides: Option<TaskOverrides>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskOverrides {
    #[serde(default)]
    container_overrides: Vec<ContainerOverrides>,
}

#[derive(Debug, Default, Deserialize)]
struct ContainerOverrides {
    #[serde(default)]
    environment: Vec<NameValue>,
}

#[derive(Debug, Deserialize)]
struct NameValue {
    name: String,
    value: Option<String>,
}

impl TaskDetail {
    /// The deployment the launcher named in the task's overrides: read from the event
    /// itself, so no index (eventually consistent) is in the way.
    fn deployment_id(&self) -> Option<&str> {
        self.overrides
            .iter()
            .flat_map(|o| &o.container_overrides)
            .flat_map(|c| &c.environment)
            .find(|v| v.name == "TRELLIS_DEPLOYMENT_ID")
            .and_then(|v| v.value.as_deref())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerDetail {
    name: Option<String>,
    exit_code: Option<i64>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TaskStateChange {
    #[serde(rename = "detail-type")]
    detail_type: String,
    detail: TaskDetail,
}

/// What a task state change did.
#[derive(Debug, PartialEq, Eq)]
pub enum TaskStateOutcome {
    Ignored(String),
    Succeeded { deployment: String },
    Failed { deployment: String, reason: String },
}

/// EventBridge "ECS Task State Change": when a runner task stops, its deployment ends with
/// the result the runner handed back (outputs, or why it failed) and the container's exit
/// code; a runner that handed back nothing failed with the task's stop reason. Ending it
/// starts the environment's next queued deployment.
pub async fn task_state_change(
    services: &Services,
    event: serde_json::Value,
) -> Result<TaskStateOutcome, crate::Error> {
    let event: TaskStateChange = serde_json::from_value(event)?;
    if event.detail_type != "ECS Task State Change" {
        return Ok(TaskStateOutcome::Ignored(format!(
            "{} events are not handled",
            event.detail_type
        )));
    }
    let d = event.detail;
    if d.last_status != "STOPPED" {
        return Ok(TaskStateOutcome::Ignored(format!(
            "task is {}",
            d.last_status
        )));
    }
    let found = match d.deployment_id() {
        Some(id) => services.store.get_deployment(id).await?,
        None => {
            services
                .store
                .find_deployment_by_runner(&d.task_arn)
                .await?
        }
    };
    let Some(deployment) = found else {
        return Ok(TaskStateOutcome::Ignored(
            "the task is not a Trellis runner".into(),
        ));
    };
    if deployment.status != DeploymentStatus::Running {
        discard(services, &deployment.id).await;
        return Ok(TaskStateOutcome::Ignored(format!(
            "deployment {} has already {}",
            deployment.id,
            deployment.status.as_str()
        )));
    }
    let exit = d.containers.iter().find_map(|c| {
        c.exit_code
            .map(|code| (c.name.clone(), code, c.reason.clone()))
    });
    let handed_back = match &services.hand_off {
        Some(hand_off) => match hand_off.take_result(&deployment.id).await {
            Ok(result) => result,
            Err(e) => {
                tracing::warn!(deployment = %deployment.id, "reading the runner's result: {e}");
                None
            }
        },
        None => None,
    };
    let end = RunnerEnd::Exited(exit.as_ref().map_or(-1, |e| e.1));
    let cache = handed_back.as_ref().and_then(|r| r.cache.clone());
    let outcome = runner_outcome(end, handed_back, || {
        let mut reason = format!(
            "the runner task stopped before reporting: {}",
            d.stopped_reason
                .or(d.stop_code)
                .unwrap_or_else(|| "no reason given".into())
        );
        if let Some((name, code, why)) = exit {
            reason.push_str(&format!(
                " (container {} exited with code {code}{})",
                name.unwrap_or_default(),
                why.map(|w| format!(": {w}")).unwrap_or_default()
            ));
        }
        reason
    });
    services
        .pipeline
        .finish_run(&deployment.id, outcome, cache)
        .await?;
    discard(services, &deployment.id).await;
    // A few at most: the task-state function has a short timeout.
    report_to_github(services, time::OffsetDateTime::now_utc(), 10).await;
    let ended = services
        .store
        .get_deployment(&deployment.id)
        .await?
        .unwrap_or(deployment);
    Ok(match ended.status {
        DeploymentStatus::Succeeded => TaskStateOutcome::Succeeded {
            deployment: ended.id,
        },
        _ => TaskStateOutcome::Failed {
            deployment: ended.id,
            reason: ended.error.unwrap_or_default(),
        },
    })
}

/// The job and result objects have served their purpose once the task has stopped.
async fn discard(services: &Services, deployment: &str) {
    if let Some(hand_off) = &services.hand_off
        && let Err(e) = hand_off.discard(deployment).await
    {
        tracing::warn!(deployment = %deployment, "discarding the runner's objects: {e}");
    }
}

pub use trellis_core::pipeline::{SWEEP_GRACE, SweepSummary};

/// Sends notifications and tells GitHub what is due (a deployment's end, as soon as its task
/// stops; retries, when the sweeper runs). Never fails the caller: an error is logged, and
/// retried later.
async fn report_to_github(services: &Services, now: time::OffsetDateTime, limit: usize) {
    match trellis_github::notify::HttpNotifications::new() {
        Ok(sender) => match services
            .notifications
            .deliver_due_at(&sender, now, limit)
            .await
        {
            Ok(round) if round != Default::default() => {
                tracing::info!(?round, "sent notifications")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("sending notifications: {e}"),
        },
        Err(e) => tracing::warn!("sending notifications: {e}"),
    }
    let Some(github) = &services.github else {
        return;
    };
    let sender = trellis_core::feedback::GithubFeedback::new(github.clone());
    match services.feedback.deliver_due_at(&sender, now, limit).await {
        Ok(round) if round != Default::default() => {
            tracing::info!(?round, "reported deployments to GitHub")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("reporting deployments to GitHub: {e}"),
    }
}

/// The scheduled sweeper: the pipeline's sweep pass (see [`trellis_core::Pipeline::sweep`]).
pub async fn sweep(
    services: &Services,
    now: time::OffsetDateTime,
) -> Result<SweepSummary, crate::Error> {
    let summary = services.pipeline.sweep(now).await?;
    for e in &summary.errors {
        tracing::warn!("sweeper: {e}");
    }
    // What GitHub should be told of deployments, and was not yet (retries come due here).
    report_to_github(services, now, 100).await;
    // Roles GitHub gave are asked for again before they lapse (when the app is connected).
    let installations = match &services.github {
        Some(github) => github.installations().await?,
        None => None,
    };
    if let Some(installations) = installations {
        let apps: Vec<_> = services
            .pipeline
            .list_apps()
            .await?
            .into_iter()
            .map(|(app, _)| app)
            .collect();
        let refresh = services
            .state
            .access
            .refresh_github_roles(
                &*installations,
                &apps,
                trellis_core::access::GITHUB_ROLE_REFRESH,
            )
            .await;
        for e in &refresh.errors {
            tracing::warn!("refreshing GitHub roles: {e}");
        }
        tracing::info!(
            checked = refresh.checked,
            changed = refresh.changed,
            removed = refresh.removed,
            "GitHub roles refreshed"
        );
    }
    Ok(summary)
}
