//! A function's configuration: the environment variables the stack sets (the function table
//! in `manifest` says which function gets which), read and checked once at cold start.

use thiserror::Error;
use trellis_aws::EcsConfig;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("reading secret {0}: {1}")]
    Secret(String, String),
    #[error("runner configuration: {0}")]
    Runner(String),
    #[error("environment variable {0} is {1:?}: {2}")]
    Invalid(&'static str, String, &'static str),
}

/// A function's configuration, from its environment (set by the stack). Not the domain's
/// `model::Settings` (an app's build settings).
#[derive(Debug, Clone, Default)]
pub struct FunctionConfig {
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
    /// `TRELLIS_GITHUB_URL` (default `https://github.com`; GitHub Enterprise differs).
    pub github_web: Option<String>,
    /// `TRELLIS_AUDIT_RETENTION_DAYS` (default 365): how long audit entries are kept
    /// (DynamoDB's TTL removes them after).
    pub audit_retention_days: Option<String>,
    /// `TRELLIS_SESSION_HOURS` (default 12): how long a dashboard session lasts.
    pub session_hours: Option<String>,
    /// `TRELLIS_JOBS_BUCKET`: where sealed jobs and runner results travel.
    pub jobs_bucket: Option<String>,
    /// `TRELLIS_CACHE_BUCKET`: environments' dependency caches.
    pub cache_bucket: Option<String>,
    /// `TRELLIS_ECS_*`
    pub ecs: Option<EcsConfig>,
    /// `TRELLIS_ECS_CLUSTER` alone: all a function that only stops runners needs.
    pub ecs_cluster: Option<String>,
    /// Why `ecs` is missing, when it is.
    pub ecs_problem: Option<String>,
}

/// A whole number from `range` in variable `name`, or `default` when it is not set.
fn bounded(
    name: &'static str,
    value: Option<&str>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    expected: &'static str,
) -> Result<i64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ConfigError::Invalid(name, v.to_string(), expected)),
    }
}

impl FunctionConfig {
    pub fn audit_retention_days(&self) -> Result<i64, ConfigError> {
        bounded(
            "TRELLIS_AUDIT_RETENTION_DAYS",
            self.audit_retention_days.as_deref(),
            365,
            1..=3650,
            "a number of days from 1 to 3650",
        )
    }

    pub fn session_hours(&self) -> Result<i64, ConfigError> {
        bounded(
            "TRELLIS_SESSION_HOURS",
            self.session_hours.as_deref(),
            12,
            1..=720,
            "a number of hours from 1 to 720",
        )
    }

    pub fn from_env() -> FunctionConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (ecs, ecs_problem) = match EcsConfig::from_env() {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        FunctionConfig {
            table: var("TRELLIS_TABLE"),
            secrets_prefix: var("TRELLIS_SECRETS_PREFIX"),
            api_token_secret: var("TRELLIS_API_TOKEN_SECRET"),
            api_token_sha256: var("TRELLIS_API_TOKEN_SHA256"),
            webhook_secret_id: var("TRELLIS_WEBHOOK_SECRET_ID"),
            ws_endpoint: var("TRELLIS_WS_ENDPOINT"),
            github_app_secret: var("TRELLIS_GITHUB_APP_SECRET"),
            github_api: var("TRELLIS_GITHUB_API"),
            github_web: var("TRELLIS_GITHUB_URL"),
            audit_retention_days: var("TRELLIS_AUDIT_RETENTION_DAYS"),
            session_hours: var("TRELLIS_SESSION_HOURS"),
            jobs_bucket: var("TRELLIS_JOBS_BUCKET"),
            cache_bucket: var("TRELLIS_CACHE_BUCKET"),
            ecs_cluster: var("TRELLIS_ECS_CLUSTER"),
            ecs,
            ecs_problem,
        }
    }
}

pub(crate) fn required<'a>(
    value: &'a Option<String>,
    name: &'static str,
) -> Result<&'a str, ConfigError> {
    value.as_deref().ok_or(ConfigError::Missing(name))
}

/// Where runners start: everything for a function that starts them, the cluster alone for one
/// that only stops them.
pub(crate) fn ecs_config(
    settings: &FunctionConfig,
    launch: bool,
) -> Result<EcsConfig, ConfigError> {
    match (&settings.ecs, launch) {
        (Some(ecs), _) => Ok(ecs.clone()),
        (None, true) => Err(ConfigError::Runner(
            settings
                .ecs_problem
                .clone()
                .unwrap_or_else(|| "not configured".into()),
        )),
        (None, false) => Ok(EcsConfig::cluster_only(required(
            &settings.ecs_cluster,
            "TRELLIS_ECS_CLUSTER",
        )?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_and_session_length_have_defaults_and_refuse_nonsense_by_name() {
        let mut config = FunctionConfig::default();
        assert_eq!(config.audit_retention_days().unwrap(), 365);
        assert_eq!(config.session_hours().unwrap(), 12);
        config.audit_retention_days = Some("30".into());
        config.session_hours = Some("8".into());
        assert_eq!(config.audit_retention_days().unwrap(), 30);
        assert_eq!(config.session_hours().unwrap(), 8);
        for bad in ["0", "3651", "a year", "-1"] {
            config.audit_retention_days = Some(bad.into());
            let e = config.audit_retention_days().unwrap_err().to_string();
            assert!(
                e.contains("TRELLIS_AUDIT_RETENTION_DAYS") && e.contains("1 to 3650"),
                "{e}"
            );
        }
        config.session_hours = Some("721".into());
        let e = config.session_hours().unwrap_err().to_string();
        assert!(
            e.contains("TRELLIS_SESSION_HOURS") && e.contains("1 to 720"),
            "{e}"
        );
    }
}
