//! The GitHub App's settings in their Secrets Manager secret. The stack creates it as `{}`:
//! until the app is connected there is none.

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use trellis_core::SecretError;
use trellis_core::github_app::{GithubAppSettings, GithubAppStore};

pub struct SecretsManagerGithubApp {
    client: Client,
    secret_id: String,
}

impl SecretsManagerGithubApp {
    pub fn new(client: Client, secret_id: String) -> Self {
        SecretsManagerGithubApp { client, secret_id }
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> SecretError {
    SecretError(format!("the GitHub App secret: {what}: {e}"))
}

#[async_trait]
impl GithubAppStore for SecretsManagerGithubApp {
    async fn get(&self) -> Result<Option<GithubAppSettings>, SecretError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| {
                failed(
                    "reading",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e),
                )
            })?;
        let raw = out.secret_string().unwrap_or("{}");
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| failed("not JSON", e))?;
        if value.as_object().is_some_and(|o| o.is_empty()) {
            return Ok(None);
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| failed("not the app's settings", e))
    }

    async fn put(&self, settings: &GithubAppSettings) -> Result<(), SecretError> {
        let body = serde_json::to_string(settings).map_err(|e| failed("encoding", e))?;
        self.client
            .put_secret_value()
            .secret_id(&self.secret_id)
            .secret_string(body)
            .send()
            .await
            .map_err(|e| {
                failed(
                    "writing",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e),
                )
            })?;
        Ok(())
    }
}
