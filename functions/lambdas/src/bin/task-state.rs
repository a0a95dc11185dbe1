//! EventBridge "ECS Task State Change": a runner that died without reporting fails its
//! deployment.

use lambda_runtime::{LambdaEvent, service_fn};
use trellis_lambdas::{Needs, Services, events};

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    trellis_lambdas::init_tracing();
    let services = &Services::load(Needs::EVENTS).await?;
    lambda_runtime::run(service_fn(
        move |e: LambdaEvent<serde_json::Value>| async move {
            events::task_state_change(services, e.payload)
                .await
                .map(|o| format!("{o:?}"))
        },
    ))
    .await
}
