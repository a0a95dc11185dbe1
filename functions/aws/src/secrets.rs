//! Secret values in Secrets Manager: one secret per app, `<prefix>/<app>`, holding a JSON object
//! of environment → (name → value). One per app rather than per environment keeps an app's
//! secrets at one secret's monthly price (docs/cost.md). Only names ever go back to the
//! domain's records.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use trellis_core::SecretError;
use trellis_core::ports::SecretStore;

/// environment → name → value
type AppSecrets = BTreeMap<String, BTreeMap<String, String>>;

pub struct SecretsManagerStore {
    client: Client,
    prefix: String,
}

impl SecretsManagerStore {
    /// `prefix` namespaces the secrets (e.g. `trellis`): `<prefix>/<app>`.
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        SecretsManagerStore {
            client,
            prefix: prefix.into(),
        }
    }

    pub fn secret_name(&self, app: &str) -> String {
        format!("{}/{app}", self.prefix)
    }

    async fn read(&self, name: &str) -> Result<Option<AppSecrets>, SecretError> {
        match self.client.get_secret_value().secret_id(name).send().await {
            Ok(out) => {
                let text = out.secret_string().unwrap_or("{}");
                serde_json::from_str(text).map(Some).map_err(|_| {
                    SecretError(format!(
                        "secret {name} is not a JSON object of environments to names to values"
                    ))
                })
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            // The error's detail never includes the value; the name is safe to report.
            Err(e) => Err(SecretError(format!("reading {name}: {}", error_code(&e)))),
        }
    }
}

fn error_code<E: aws_sdk_secretsmanager::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_secretsmanager::error::SdkError<E, R>,
) -> String {
    match e.as_service_error() {
        Some(s) => s.code().unwrap_or("service error").to_string(),
        None => "request failed".into(),
    }
}

#[async_trait]
impl SecretStore for SecretsManagerStore {
    async fn get(
        &self,
        app: &str,
        environment: &str,
    ) -> Result<BTreeMap<String, String>, SecretError> {
        Ok(self
            .read(&self.secret_name(app))
            .await?
            .and_then(|mut all| all.remove(environment))
            .unwrap_or_default())
    }

    async fn update(
        &self,
        app: &str,
        environment: &str,
        changes: BTreeMap<String, Option<String>>,
    ) -> Result<Vec<String>, SecretError> {
        let name = self.secret_name(app);
        let existing = self.read(&name).await?;
        let mut all = existing.clone().unwrap_or_default();
        let values = all.entry(environment.to_string()).or_default();
        for (k, v) in changes {
            match v {
                Some(v) => values.insert(k, v),
                None => values.remove(&k),
            };
        }
        let names: Vec<String> = values.keys().cloned().collect();
        all.retain(|_, v| !v.is_empty());
        self.write(&name, app, existing.is_some(), &all).await?;
        Ok(names)
    }

    async fn delete_all(&self, app: &str, environment: &str) -> Result<(), SecretError> {
        let name = self.secret_name(app);
        let Some(mut all) = self.read(&name).await? else {
            return Ok(());
        };
        if all.remove(environment).is_none() {
            return Ok(());
        }
        self.write(&name, app, true, &all).await
    }
}

impl SecretsManagerStore {
    /// Writes an app's secrets; an app with none left has no secret (and costs nothing).
    async fn write(
        &self,
        name: &str,
        app: &str,
        exists: bool,
        all: &AppSecrets,
    ) -> Result<(), SecretError> {
        if all.is_empty() {
            if !exists {
                return Ok(());
            }
            return match self
                .client
                .delete_secret()
                .secret_id(name)
                .force_delete_without_recovery(true)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_not_found_exception()) =>
                {
                    Ok(())
                }
                Err(e) => Err(SecretError(format!("deleting {name}: {}", error_code(&e)))),
            };
        }
        let body = serde_json::to_string(all).map_err(|e| SecretError(e.to_string()))?;
        if exists {
            self.client
                .put_secret_value()
                .secret_id(name)
                .secret_string(body)
                .send()
                .await
                .map_err(|e| SecretError(format!("writing {name}: {}", error_code(&e))))?;
        } else {
            self.client
                .create_secret()
                .name(name)
                .description(format!("Trellis: secret variables of {app}'s environments"))
                .secret_string(body)
                .send()
                .await
                .map_err(|e| SecretError(format!("creating {name}: {}", error_code(&e))))?;
        }
        Ok(())
    }
}
