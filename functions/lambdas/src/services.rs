//! Builds every client once per cold start and composes them into the shared handlers' state.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use trellis_aws::{
    ApiGatewayNotifier, DynamoStore, EcsLauncher, GithubSource, JobSealer, RunnerHandOff,
    S3DependencyCaches, SecretsManagerStore,
};
use trellis_core::access::AccessService;
use trellis_core::cache::DependencyCaches;
use trellis_core::feedback::{FeedbackNotifier, FeedbackService};
use trellis_core::github_connection::{GithubConnection, RepositorySource};
use trellis_core::job::RunnerJob;
use trellis_core::notify::{NotificationNotifier, NotificationService};
use trellis_core::ports::{LiveEvent, Notifier, RunnerLauncher, SourceRepository, SystemClock};
use trellis_core::{LaunchError, Pipeline, Ports};
use trellis_http::AppState;
use trellis_http::auth::ApiToken;
use trellis_http::forwarder::LogForwarder;
use trellis_http::webhook::{SecretReader, WebhookSecret};

use crate::clients::Clients;
pub use crate::config::{ConfigError, FunctionConfig};
use crate::config::{ecs_config, required};

/// What a function needs beyond the store: each gets only the clients (and so the IAM
/// permissions, see the function table in `manifest`) its route uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// Starts runners: reads the environment's secrets and the GitHub App key, seals jobs
    /// into the jobs bucket, ECS RunTask and iam:PassRole.
    pub launch: bool,
    /// Stops runners (ECS StopTask).
    pub stop: bool,
    /// Pushes live updates (execute-api:ManageConnections).
    pub notifier: bool,
    /// Verifies GitHub deliveries (the webhook secret).
    pub webhook: bool,
    /// Authenticates API calls (the API token).
    pub token: bool,
    /// Reads the GitHub App's settings (sign-in, whether it is connected).
    pub github_app: bool,
    /// Writes them: the manifest flow's end.
    pub connect_github: bool,
    /// Lists environments' dependency caches (s3:ListBucket on the cache bucket).
    pub cache_read: bool,
    /// Clears them (and lists them to know what to delete).
    pub cache_clear: bool,
    /// May write records (decided by the function's table access, not declared): only such a
    /// function notes when a personal token was last used.
    pub writes: bool,
}

impl Needs {
    pub const NONE: Needs = Needs {
        launch: false,
        stop: false,
        notifier: false,
        webhook: false,
        token: false,
        github_app: false,
        connect_github: false,
        cache_read: false,
        cache_clear: false,
        writes: false,
    };
}

pub struct Services {
    pub state: AppState,
    /// The GitHub App as its secret says now, for functions that read refs, clone or sign in.
    pub github: Option<Arc<GithubConnection>>,
    /// What GitHub is told of deployments (the sweeper says what is due).
    pub feedback: Arc<FeedbackService>,
    /// Where apps' deployment events go (task-state and the sweeper send what is due).
    pub notifications: Arc<NotificationService>,
    pub store: Arc<DynamoStore>,
    pub secrets: Arc<SecretsManagerStore>,
    pub pipeline: Arc<trellis_core::Pipeline>,
    pub token: Arc<ApiToken>,
    /// The jobs bucket, for functions that start runners or read their results.
    pub hand_off: Option<RunnerHandOff>,
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
        let config = crate::clients::aws_config().await;
        Services::from_config(&config, &FunctionConfig::from_env(), needs).await
    }

    pub async fn from_config(
        config: &SdkConfig,
        settings: &FunctionConfig,
        needs: Needs,
    ) -> Result<Services, ConfigError> {
        Services::observed(config, settings, needs, None).await
    }

    /// As [`Services::from_config`], with `observer` on every AWS client (tests record the
    /// operations each function calls, to hold them against its IAM policy).
    pub async fn observed(
        config: &SdkConfig,
        settings: &FunctionConfig,
        needs: Needs,
        observer: Option<SharedInterceptor>,
    ) -> Result<Services, ConfigError> {
        let clients = Clients::new(config, observer);
        let store = Arc::new(DynamoStore::new(
            clients.dynamodb(),
            required(&settings.table, "TRELLIS_TABLE")?,
        ));
        let secrets_client = clients.secrets_manager();
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
            // Read when a request first presents an admin token, not at cold start.
            (true, None) => {
                let id =
                    required(&settings.api_token_secret, "TRELLIS_API_TOKEN_SECRET")?.to_string();
                let client = secrets_client.clone();
                ApiToken::deferred(Arc::new(move || {
                    let (client, id) = (client.clone(), id.clone());
                    Box::pin(
                        async move { read_secret(&client, &id).await.map_err(|e| e.to_string()) },
                    )
                }))
            }
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
        let github = crate::github::connection(&clients, settings, needs)?;
        let hand_off = match settings.jobs_bucket.as_deref() {
            Some(bucket) => Some(RunnerHandOff::new(clients.s3(), bucket)),
            None if needs.launch => return Err(ConfigError::Missing("TRELLIS_JOBS_BUCKET")),
            None => None,
        };
        let caches: Option<Arc<dyn DependencyCaches>> =
            if needs.launch || needs.cache_read || needs.cache_clear {
                let bucket = required(&settings.cache_bucket, "TRELLIS_CACHE_BUCKET")?;
                Some(Arc::new(S3DependencyCaches::new(clients.s3(), bucket)))
            } else {
                None
            };
        let launcher: Arc<dyn RunnerLauncher> = if needs.launch || needs.stop {
            let sealer = hand_off
                .clone()
                .filter(|_| needs.launch)
                .map(|hand_off| JobSealer {
                    hand_off,
                    secrets: secrets.clone(),
                    github: github.clone(),
                    github_web: settings.github_web.clone(),
                    caches: caches.clone(),
                });
            Arc::new(EcsLauncher::new(
                clients.ecs(),
                ecs_config(settings, needs.launch)?,
                sealer,
            ))
        } else {
            Arc::new(NoLauncher)
        };
        let notifier: Arc<dyn Notifier> = if needs.notifier {
            let management =
                clients.management(required(&settings.ws_endpoint, "TRELLIS_WS_ENDPOINT")?);
            Arc::new(ApiGatewayNotifier::new(management, store.clone()))
        } else {
            Arc::new(NoNotifier)
        };
        let integration = crate::github::integration(github.as_ref(), settings, needs)?;
        // GitHub repositories through the app as its secret says now (connected after this
        // function started, too).
        let source: Arc<dyn SourceRepository> = match &github {
            Some(connection) => Arc::new(RepositorySource {
                local: Arc::new(GithubSource::new(None)),
                github: connection.clone(),
            }),
            None => Arc::new(GithubSource::new(None)),
        };
        let feedback = Arc::new(FeedbackService::new(
            store.clone(),
            store.clone(),
            Arc::new(SystemClock),
            None,
        ));
        // Whoever publishes a status change records what GitHub should be told; the sweeper
        // tells it.
        let notifications = Arc::new(NotificationService::new(
            store.clone(),
            secrets.clone(),
            Arc::new(SystemClock),
            None,
        ));
        let pipeline_notifier: Arc<dyn Notifier> = if needs.notifier {
            Arc::new(NotificationNotifier::new(
                Arc::new(FeedbackNotifier::new(notifier.clone(), feedback.clone())),
                notifications.clone(),
            ))
        } else {
            notifier.clone()
        };
        let pipeline = Arc::new(Pipeline::new(Ports {
            store: store.clone(),
            secrets: secrets.clone(),
            launcher,
            notifier: pipeline_notifier,
            source,
            clock: Arc::new(SystemClock),
        }));
        let access = AccessService::new(
            store.clone(),
            Arc::new(SystemClock),
            time::Duration::days(settings.audit_retention_days()?),
        );
        let access = Arc::new(if needs.writes {
            access
        } else {
            access.without_token_use_records()
        });
        let state = AppState {
            pipeline: pipeline.clone(),
            access,
            token: token.clone(),
            webhook_secret: Arc::new(webhook_secret),
            forwarder: Arc::new(LogForwarder::new(store.clone(), notifier)),
            github: integration,
            feedback: Some(feedback.clone()),
            notifications: Some(notifications.clone()),
            caches: caches.filter(|_| needs.cache_read || needs.cache_clear),
        };
        Ok(Services {
            state,
            feedback,
            notifications,
            github,
            store,
            secrets,
            pipeline,
            token,
            hand_off,
        })
    }
}
