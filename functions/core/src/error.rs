use thiserror::Error;

/// What a store adapter can report. `Conflict` is the answer to a failed compare-and-set.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("a concurrent write changed the record first")]
    Conflict,
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Launching or stopping a build runner failed.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct LaunchError(pub String);

/// A source repository could not answer.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Failed(String),
}

/// A secret store could not answer.
#[derive(Debug, Error)]
#[error("secret store: {0}")]
pub struct SecretError(pub String);

/// The domain's errors; the HTTP edge maps each kind to one status.
#[derive(Debug, Error)]
pub enum DomainError {
    /// Bad input: which field, and why (HTTP 422).
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    /// The caller is known but may not do this (HTTP 403): the message names the role needed.
    #[error("{0}")]
    Forbidden(String),
    /// The request is understood but the current state forbids it (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unsupported(String),
    /// Too many concurrent writers won the race; the caller may retry.
    #[error("the {0} is being changed by someone else right now; try again")]
    Busy(&'static str),
    /// The store cannot be used right now (disk full, read-only, unreachable): nothing was
    /// written, and the caller may try again once it is fixed.
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    /// The secret store cannot be read or written right now (HTTP 503); the detail names
    /// where, never a value.
    #[error("the secret store cannot be used: {0}")]
    SecretsUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => DomainError::Busy("record"),
            StoreError::Unavailable(m) => DomainError::Unavailable(m),
            other => DomainError::Internal(other.to_string()),
        }
    }
}

impl From<SecretError> for DomainError {
    fn from(e: SecretError) -> Self {
        DomainError::SecretsUnavailable(e.0)
    }
}

impl From<SourceError> for DomainError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::NotFound(m) => DomainError::NotFound(m),
            SourceError::Unsupported(m) => DomainError::Unsupported(m),
            SourceError::Failed(m) => DomainError::Internal(m),
        }
    }
}
