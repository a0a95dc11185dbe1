//! CloudWatch Logs subscription: runner log lines → store → subscribed WebSocket clients.

use aws_lambda_events::cloudwatch_logs::LogsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use trellis_lambdas::{Needs, Services, events};

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    trellis_lambdas::init_tracing();
    let services = &Services::load(Needs {
        notifier: true,
        ..Needs::NONE
    })
    .await?;
    lambda_runtime::run(service_fn(move |e: LambdaEvent<LogsEvent>| async move {
        events::forward_logs(services, e.payload).await.map(|_| ())
    }))
    .await
}
