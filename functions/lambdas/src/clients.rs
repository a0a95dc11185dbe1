//! AWS clients for one function.

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

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
