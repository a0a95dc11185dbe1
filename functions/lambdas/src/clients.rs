//! AWS clients for one function.

use std::sync::{Arc, OnceLock};

use aws_config::SdkConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The SDK's HTTPS client (rustls with aws-lc, the system's root certificates), made at the
/// first AWS call: loading and parsing the root certificates was most of a cold start, and a
/// function whose first request needs no AWS call (a health check, a refused token) should
/// not pay for it.
#[derive(Debug, Clone, Default)]
pub(crate) struct LazyHttpClient(Arc<OnceLock<SharedHttpClient>>);

impl HttpClient for LazyHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0
            .get_or_init(|| {
                aws_smithy_http_client::Builder::new()
                    .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                    .build_https()
            })
            .http_connector(settings, components)
    }
}

/// The shared AWS configuration from the Lambda's environment, with the lazy HTTPS client.
pub(crate) async fn aws_config() -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(LazyHttpClient::default()))
        .load()
        .await
}

/// Builds each AWS client from the shared configuration (and the observer, if any). Custom
/// endpoints (the emulator in tests) get path-style S3 addressing.
pub(crate) struct Clients<'a> {
    config: &'a SdkConfig,
    observer: Option<SharedInterceptor>,
}

macro_rules! client {
    ($self:ident, $sdk:ident) => {{
        let mut builder = $sdk::config::Builder::from($self.config);
        if let Some(o) = &$self.observer {
            builder = builder.interceptor(o.clone());
        }
        builder
    }};
}

impl<'a> Clients<'a> {
    pub(crate) fn new(config: &'a SdkConfig, observer: Option<SharedInterceptor>) -> Self {
        Clients { config, observer }
    }

    pub(crate) fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(client!(self, aws_sdk_dynamodb).build())
    }

    pub(crate) fn secrets_manager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::from_conf(client!(self, aws_sdk_secretsmanager).build())
    }

    pub(crate) fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::from_conf(client!(self, aws_sdk_ecs).build())
    }

    pub(crate) fn s3(&self) -> aws_sdk_s3::Client {
        let path_style = self.config.endpoint_url().is_some();
        aws_sdk_s3::Client::from_conf(
            client!(self, aws_sdk_s3)
                .force_path_style(path_style)
                .build(),
        )
    }

    pub(crate) fn management(&self, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
        aws_sdk_apigatewaymanagement::Client::from_conf(
            client!(self, aws_sdk_apigatewaymanagement)
                .endpoint_url(endpoint)
                .build(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_lazy_client_is_made_at_the_first_call_and_works() {
        let lazy = LazyHttpClient::default();
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(SharedHttpClient::new(lazy.clone()))
            .endpoint_url(trellis_aws::testing::endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .load()
            .await;
        let dynamodb = Clients::new(&config, None).dynamodb();
        assert!(lazy.0.get().is_none(), "nothing is made before a call");
        dynamodb
            .list_tables()
            .send()
            .await
            .expect("a call through it");
        assert!(lazy.0.get().is_some());
    }
}
