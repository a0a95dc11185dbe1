//! Scheduled: fails deployments stuck past their timeout, starts queued ones left waiting.

use lambda_runtime::{LambdaEvent, service_fn};
use trellis_lambdas::{Needs, Services, events};

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    trellis_lambdas::init_tracing();
    let services = &Services::load(Needs::EVENTS).await?;
    lambda_runtime::run(service_fn(
        move |_: LambdaEvent<serde_json::Value>| async move {
            let now = time::OffsetDateTime::now_utc();
            events::sweep(services, now).await.map(|s| format!("{s:?}"))
        },
    ))
    .await
}
