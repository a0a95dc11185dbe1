//! Builds every client once per cold start and composes them into the shared handlers' state.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::SdkConfig;
use thiserror::Error;
use trellis_aws::github::GITHUB_API;
use trellis_aws::{
    ApiGatewayNotifier, DynamoStore, EcsConfig, EcsLauncher, GithubApp, GithubAppCredentials,
    GithubSource, SecretsManagerStore,
};
use trellis_core::job::RunnerJob;
use trellis_core::ports::{LiveEvent, Notifier, RunnerLauncher, SystemClock};
use trellis_core::{LaunchError, Pipeline, Ports};
use trellis_http::AppState;
use trellis_http::auth::ApiToken;
use trellis_http::forwarder::LogForwarder;
use trellis_http::webhook::{SecretReader, WebhookSecret};

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("reading secret {0}: {1}")]
    Secret(String, String),
    #[error("runner configuration: {0}")]
    Runner(String),
}

/// What a function needs beyond the store: each gets only the clients (and so the IAM
/// permissions) its route uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// Starts or stops runner tasks (ECS RunTask/StopTask, iam:PassRole).
    pub launcher: bool,
    /// Pushes live updates (execute-api:ManageConnections).
    pub notifier: bool,
    /// Verifies GitHub deliveries (the webhook secret).
    pub webhook: bool,
    /// Authenticates API calls (the API token).
    pub token: bool,
}

pub struct Services {
    pub state: AppState,
    /// The GitHub App, for functions that read refs or clone (when configured).
    pub github: Option<Arc<GithubApp>>,
    pub store: Arc<DynamoStore>,
    pub secrets: Arc<SecretsManagerStore>,
    pub pipeline: Arc<trellis_core::Pipeline>,
    pub token: Arc<ApiToken>,
}

/// A function's configuration, from its environment (set by the stack).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `TRELLIS_TABLE`
    pub table: Option<String>,
    /// `TRELLIS_SECRETS_PREFIX` (default `trellis`)
    pub secrets_prefix: Option<String>,
    /// `TRELLIS_API_TOKEN_SECRET`: id of the secret holding the API token.
    pub api_token_secret: Option<String>,
    /// `TRELLIS_API_TOKEN_SHA256`: the token's SHA-256 (hex). Preferred: checking a token needs
    /// only its digest, so the function reads no secret at cold start (faster, and no
    /// Secrets Manager permission).
    pub api_token_sha256: Option<String>,
    /// `TRELLIS_WEBHOOK_SECRET_ID`: id of the secret holding the GitHub webhook secret.
    pub webhook_secret_id: Option<String>,
    /// `TRELLIS_WS_ENDPOINT`: the WebSocket API's management endpoint.
    pub ws_endpoint: Option<String>,
    /// `TRELLIS_GITHUB_APP_SECRET`: id of the secret holding the GitHub App's
    /// `{"appId", "privateKey"}`.
    pub github_app_secret: Option<String>,
    /// `TRELLIS_GITHUB_API` (default `https://api.github.com`; GitHub Enterprise differs).
    pub github_api: Option<String>,
    /// `TRELLIS_ECS_*`
    pub ecs: Option<EcsConfig>,
    /// Why `ecs` is missing, when it is.
    pub ecs_problem: Option<String>,
}

impl Settings {
    pub fn from_env() -> Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (ecs, ecs_problem) = match EcsConfig::from_env() {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        Settings {
            table: var("TRELLIS_TABLE"),
            secrets_prefix: var("TRELLIS_SECRETS_PREFIX"),
            api_token_secret: var("TRELLIS_API_TOKEN_SECRET"),
            api_token_sha256: var("TRELLIS_API_TOKEN_SHA256"),
            webhook_secret_id: var("TRELLIS_WEBHOOK_SECRET_ID"),
            ws_endpoint: var("TRELLIS_WS_ENDPOINT"),
            github_app_secret: var("TRELLIS_GITHUB_APP_SECRET"),
            github_api: var("TRELLIS_GITHUB_API"),
            ecs,
            ecs_problem,
        }
    }
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, ConfigError> {
    value.as_deref().ok_or(ConfigError::Missing(name))
}

/// Stands in where a function must never start or stop runners; reaching it is a bug, and it
/// says so instead of failing silently.
struct NoLauncher;

#[async_trait]
impl RunnerLauncher for NoLauncher {
    async fn launch(&self, _job: RunnerJob) -> Result<String, LaunchError> {
        Err(LaunchError(
            "this function is not allowed to start runners".into(),
        ))
    }
    async fn stop(&self, _runner: &str) -> Result<(), LaunchError> {
        Err(LaunchError(
            "this function is not allowed to stop runners".into(),
        ))
    }
}

/// Where a function publishes nothing (read-only routes).
struct NoNotifier;

#[async_trait]
impl Notifier for NoNotifier {
    async fn publish(&self, _event: LiveEvent) {}
}

async fn read_secret(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
) -> Result<String, ConfigError> {
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| {
            let code = e
                .as_service_error()
                .and_then(|s| aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(s))
                .unwrap_or("request failed")
                .to_string();
            ConfigError::Secret(id.to_string(), code)
        })?;
    out.secret_string()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ConfigError::Secret(id.to_string(), "the secret is empty".into()))
}

impl Services {
    /// From the Lambda's environment (`AWS_*` as the runtime sets them, `TRELLIS_*` from the
    /// stack).
    pub async fn load(needs: Needs) -> Result<Services, ConfigError> {
        let config = aws_config::load_from_env().await;
        Services::from_config(&config, &Settings::from_env(), needs).await
    }

    pub async fn from_config(
        config: &SdkConfig,
        settings: &Settings,
        needs: Needs,
    ) -> Result<Services, ConfigError> {
        let store = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(config),
            required(&settings.table, "TRELLIS_TABLE")?,
        ));
        let secrets_client = aws_sdk_secretsmanager::Client::new(config);
        let prefix = settings
            .secrets_prefix
            .clone()
            .unwrap_or_else(|| "trellis".into());
        let secrets = Arc::new(SecretsManagerStore::new(secrets_client.clone(), prefix));
        // A function without the token refuses every bearer token.
        let token = Arc::new(match (needs.token, &settings.api_token_sha256) {
            (false, _) => ApiToken::unusable(),
            (true, Some(digest)) => ApiToken::from_sha256_hex(digest).ok_or_else(|| {
                ConfigError::Secret(
                    "TRELLIS_API_TOKEN_SHA256".into(),
                    "not 64 hexadecimal digits".into(),
                )
            })?,
            (true, None) => ApiToken::new(
                &read_secret(
                    &secrets_client,
                    required(&settings.api_token_secret, "TRELLIS_API_TOKEN_SECRET")?,
                )
                .await?,
            ),
        });
        // Read in the background while the runtime starts: a cold start does not wait for it.
        let webhook_secret = if needs.webhook {
            let id =
                required(&settings.webhook_secret_id, "TRELLIS_WEBHOOK_SECRET_ID")?.to_string();
            let client = secrets_client.clone();
            let read: SecretReader = Arc::new(move || {
                let (client, id) = (client.clone(), id.clone());
                Box::pin(async move { read_secret(&client, &id).await.map_err(|e| e.to_string()) })
            });
            WebhookSecret::deferred(read)
        } else {
            WebhookSecret::unusable()
        };
        let launcher: Arc<dyn RunnerLauncher> = if needs.launcher {
            Arc::new(EcsLauncher::new(
                aws_sdk_ecs::Client::new(config),
                settings.ecs.clone().ok_or_else(|| {
                    ConfigError::Runner(
                        settings
                            .ecs_problem
                            .clone()
                            .unwrap_or_else(|| "not configured".into()),
                    )
                })?,
            ))
        } else {
            Arc::new(NoLauncher)
        };
        let notifier: Arc<dyn Notifier> = if needs.notifier {
            let management = aws_sdk_apigatewaymanagement::Client::from_conf(
                aws_sdk_apigatewaymanagement::config::Builder::from(config)
                    .endpoint_url(required(&settings.ws_endpoint, "TRELLIS_WS_ENDPOINT")?)
                    .build(),
            );
            Arc::new(ApiGatewayNotifier::new(management, store.clone()))
        } else {
            Arc::new(NoNotifier)
        };
        // Only functions that start deployments read refs (manual deploy of a branch head).
        let github = match (&settings.github_app_secret, needs.launcher) {
            (Some(id), true) => {
                let raw = read_secret(&secrets_client, id).await?;
                let creds: GithubAppCredentials = serde_json::from_str(&raw).map_err(|_| {
                    ConfigError::Secret(
                        id.clone(),
                        "not a JSON object with appId and privateKey".into(),
                    )
                })?;
                let api = settings.github_api.as_deref().unwrap_or(GITHUB_API);
                Some(Arc::new(
                    GithubApp::new(creds.app_id, &creds.private_key, api)
                        .map_err(|e| ConfigError::Secret(id.clone(), e.to_string()))?,
                ))
            }
            _ => None,
        };
        let pipeline = Arc::new(Pipeline::new(Ports {
            store: store.clone(),
            secrets: secrets.clone(),
            launcher,
            notifier: notifier.clone(),
            source: Arc::new(GithubSource::new(github.clone())),
            clock: Arc::new(SystemClock),
        }));
        let state = AppState {
            pipeline: pipeline.clone(),
            token: token.clone(),
            webhook_secret: Arc::new(webhook_secret),
            forwarder: Arc::new(LogForwarder::new(store.clone(), notifier)),
        };
        Ok(Services {
            state,
            github,
            store,
            secrets,
            pipeline,
            token,
        })
    }
}
