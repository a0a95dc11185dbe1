//! WebSocket API `$default`: subscribe / unsubscribe / ping.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{LambdaEvent, service_fn};
use trellis_lambdas::{Needs, Services, events};

#[tokio::main]
async fn main() -> Result<(), trellis_lambdas::Error> {
    trellis_lambdas::init_tracing();
    let services = &Services::load(Needs::NONE).await?;
    lambda_runtime::run(service_fn(
        move |e: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
            Ok::<_, trellis_lambdas::Error>(events::ws_default(services, e.payload).await)
        },
    ))
    .await
}
