//! The per-route Lambdas. Each binary in `src/bin` is generated from the function table
//! ([`manifest`]): it names itself and, for an HTTP route, its handler; this crate builds the
//! clients once (per cold start), hands them to the shared handler, and runs.

mod clients;
mod config;
pub mod events;
mod github;
pub mod manifest;
pub mod services;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use aws_lambda_events::cloudwatch_logs::LogsEvent;
use axum::routing::MethodRouter;
use lambda_runtime::{LambdaEvent, service_fn};
use manifest::{Function, Trigger};
use trellis_http::AppState;

pub use services::{ConfigError, FunctionConfig, Needs, Services};

pub type Error = lambda_runtime::Error;

/// Logs go to stdout for CloudWatch, which stamps the time itself.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(false)
        .without_time()
        .try_init();
}

fn function(name: &str) -> Result<&'static Function, Error> {
    manifest::find(name).ok_or_else(|| format!("{name} is not in the function table").into())
}

/// Serves the HTTP function `name` (its path, authentication and clients from the table)
/// with `route`, its handler.
pub async fn serve_http(name: &str, route: MethodRouter<AppState>) -> Result<(), Error> {
    let f = function(name)?;
    let Trigger::Http {
        path,
        authenticated,
        ..
    } = f.trigger
    else {
        return Err(format!("{name} is not an HTTP function").into());
    };
    init_tracing();
    let services = Services::load(f.needs_at_run_time()).await?;
    lambda_http::run(trellis_http::single_route(
        services.state,
        path,
        route,
        authenticated,
    ))
    .await
}

/// Serves the event function `name`: its trigger in the table picks the handler.
pub async fn serve_event(name: &str) -> Result<(), Error> {
    let f = function(name)?;
    init_tracing();
    let services = &Services::load(f.needs_at_run_time()).await?;
    match f.trigger {
        Trigger::WebSocket { route } => {
            lambda_runtime::run(service_fn(
                move |e: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
                    Ok::<_, Error>(match route {
                        "$connect" => events::ws_connect(services, e.payload).await,
                        "$disconnect" => events::ws_disconnect(services, e.payload).await,
                        _ => events::ws_default(services, e.payload).await,
                    })
                },
            ))
            .await
        }
        Trigger::LogSubscription => {
            lambda_runtime::run(service_fn(move |e: LambdaEvent<LogsEvent>| async move {
                events::forward_logs(services, e.payload).await.map(|_| ())
            }))
            .await
        }
        Trigger::TaskStateChange => {
            lambda_runtime::run(service_fn(
                move |e: LambdaEvent<serde_json::Value>| async move {
                    events::task_state_change(services, e.payload)
                        .await
                        .map(|o| format!("{o:?}"))
                },
            ))
            .await
        }
        Trigger::Schedule { .. } => {
            lambda_runtime::run(service_fn(
                move |_: LambdaEvent<serde_json::Value>| async move {
                    let now = time::OffsetDateTime::now_utc();
                    events::sweep(services, now).await.map(|s| format!("{s:?}"))
                },
            ))
            .await
        }
        Trigger::Http { .. } => Err(format!("{name} is an HTTP function").into()),
    }
}
