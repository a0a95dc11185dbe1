//! Secret values in Secrets Manager: one secret per app, `<prefix>/<app>`, holding a JSON object
//! of environment → (name → value). One per app rather than per environment keeps an app's
//! secrets at one secret's monthly price (docs/cost.md). Only names ever go back to the
//! domain's records.
//!
//! Each change is a compare-and-set on the secret's version: the version written after
//! version `V` always has the id `successor(V)`, and Secrets Manager refuses a second,
//! different version under an id in use (`ResourceExistsException`). Of two writers that
//! read `V`, one wins; the other reads again and reapplies its change.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use thiserror::Error;
use trellis_core::SecretError;
use trellis_core::ports::SecretStore;

/// environment → name → value
type AppSecrets = BTreeMap<String, BTreeMap<String, String>>;

/// Writers that lost a race try again after a growing, jittered pause.
const ATTEMPTS: u32 = 10;
const FIRST_PAUSE: Duration = Duration::from_millis(40);
const LONGEST_PAUSE: Duration = Duration::from_secs(2);
/// An app's secret emptied to `{}` is about to be deleted by the writer that emptied it; a
/// writer finding it waits for that this many attempts, then writes over it.
const WAIT_FOR_DELETE: u32 = 4;

/// The secret as read: its version and values, or nothing.
struct Current {
    version: Option<String>,
    secrets: AppSecrets,
}

#[derive(Debug, Error)]
enum WriteError {
    /// Someone else changed (or created, or deleted) the secret since it was read.
    #[error("the secret changed since it was read")]
    Conflict,
    #[error(transparent)]
    Failed(#[from] SecretError),
}

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

    async fn read(&self, name: &str) -> Result<Current, SecretError> {
        match self.client.get_secret_value().secret_id(name).send().await {
            Ok(out) => {
                let text = out.secret_string().unwrap_or("{}");
                let secrets = serde_json::from_str(text).map_err(|_| {
                    SecretError(format!(
                        "secret {name} is not a JSON object of environments to names to values"
                    ))
                })?;
                Ok(Current {
                    version: Some(out.version_id().unwrap_or_default().to_string()),
                    secrets,
                })
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(Current {
                    version: None,
                    secrets: AppSecrets::new(),
                })
            }
            // The error's detail never includes the value; the name is safe to report.
            Err(e) => Err(SecretError(format!("reading {name}: {}", error_code(&e)))),
        }
    }

    /// Reads the app's secrets, applies `change` and writes the result as the successor of
    /// the version read, until that write wins.
    async fn change<T>(
        &self,
        app: &str,
        mut change: impl FnMut(&mut AppSecrets) -> T,
    ) -> Result<T, SecretError> {
        let name = self.secret_name(app);
        for attempt in 0..ATTEMPTS {
            let current = self.read(&name).await?;
            let emptied = current.version.is_some() && current.secrets.is_empty();
            let mut all = current.secrets.clone();
            let result = change(&mut all);
            all.retain(|_, v| !v.is_empty());
            let outcome = if all == current.secrets && !emptied {
                Ok(())
            } else if emptied && !all.is_empty() && attempt < WAIT_FOR_DELETE {
                Err(WriteError::Conflict)
            } else {
                self.write(&name, app, current.version.as_deref(), &all)
                    .await
            };
            match outcome {
                Ok(()) => return Ok(result),
                Err(WriteError::Conflict) => tokio::time::sleep(pause(attempt)).await,
                Err(WriteError::Failed(e)) => return Err(e),
            }
        }
        Err(SecretError(format!(
            "{name} kept changing while being written; try again"
        )))
    }
}

/// The id of the version that follows `previous` (`None`: the first): a UUID-shaped hash,
/// the same for every writer that read the same version.
fn successor(name: &str, previous: Option<&str>) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{name}\n{}", previous.unwrap_or("")).as_bytes(),
    );
    let hex: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn pause(attempt: u32) -> Duration {
    use aws_lc_rs::rand::SecureRandom;
    let ceiling = FIRST_PAUSE
        .saturating_mul(1 << attempt.min(16))
        .min(LONGEST_PAUSE);
    let mut byte = [0u8; 1];
    let _ = aws_lc_rs::rand::SystemRandom::new().fill(&mut byte);
    // Between half and all of the ceiling, so writers that collided spread out.
    ceiling / 2 + ceiling / 2 * u32::from(byte[0]) / 255
}

fn error_code<E: aws_sdk_secretsmanager::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_secretsmanager::error::SdkError<E, R>,
) -> String {
    match e.as_service_error() {
        Some(s) => s.code().unwrap_or("service error").to_string(),
        None => "request failed".into(),
    }
}

/// A lost race (the version id taken, the secret created or deleted meanwhile, or a deletion
/// still under way) is a conflict; anything else fails the write.
fn write_error<E: aws_sdk_secretsmanager::error::ProvideErrorMetadata, R>(
    what: &str,
    name: &str,
    e: aws_sdk_secretsmanager::error::SdkError<E, R>,
) -> WriteError {
    let code = error_code(&e);
    match code.as_str() {
        "ResourceExistsException" | "ResourceNotFoundException" | "InvalidRequestException" => {
            WriteError::Conflict
        }
        _ => WriteError::Failed(SecretError(format!("{what} {name}: {code}"))),
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
            .secrets
            .remove(environment)
            .unwrap_or_default())
    }

    async fn update(
        &self,
        app: &str,
        environment: &str,
        changes: BTreeMap<String, Option<String>>,
    ) -> Result<Vec<String>, SecretError> {
        self.change(app, |all| {
            let values = all.entry(environment.to_string()).or_default();
            for (k, v) in &changes {
                match v {
                    Some(v) => values.insert(k.clone(), v.clone()),
                    None => values.remove(k),
                };
            }
            values.keys().cloned().collect()
        })
        .await
    }

    async fn delete_all(&self, app: &str, environment: &str) -> Result<(), SecretError> {
        self.change(app, |all| {
            all.remove(environment);
        })
        .await
    }
}

impl SecretsManagerStore {
    /// Writes an app's secrets as the successor of `previous` (`None`: not there). An app
    /// with none left has no secret (it costs per month): the secret is first emptied by the
    /// same compare-and-set, so a writer that read it before loses its race and rereads.
    async fn write(
        &self,
        name: &str,
        app: &str,
        previous: Option<&str>,
        all: &AppSecrets,
    ) -> Result<(), WriteError> {
        let Some(previous) = previous else {
            if all.is_empty() {
                return Ok(());
            }
            return self
                .client
                .create_secret()
                .name(name)
                .description(format!("Trellis: secret variables of {app}'s environments"))
                .secret_string(to_json(all)?)
                .client_request_token(successor(name, None))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| write_error("creating", name, e));
        };
        self.client
            .put_secret_value()
            .secret_id(name)
            .secret_string(to_json(all)?)
            .client_request_token(successor(name, Some(previous)))
            .send()
            .await
            .map_err(|e| write_error("writing", name, e))?;
        if !all.is_empty() {
            return Ok(());
        }
        match self
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
            Err(e) => Err(WriteError::Failed(SecretError(format!(
                "deleting {name}: {}",
                error_code(&e)
            )))),
        }
    }
}

fn to_json(all: &AppSecrets) -> Result<String, WriteError> {
    serde_json::to_string(all).map_err(|e| WriteError::Failed(SecretError(e.to_string())))
}
