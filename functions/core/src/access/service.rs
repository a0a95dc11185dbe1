//! The access service: roles, tokens, sessions and the audit log over an [`AccessStore`].

use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::{
    Action, Actor, AuditEntry, AuditOutcome, AuditQuery, GITHUB_ROLE_MAX_AGE, Grant, GrantSource,
    PersonalToken, Role, Session, effective_role, required_role,
};
use crate::error::DomainError;
use crate::ports::{AccessStore, Clock};

/// Personal tokens start with this, so a leaked one is recognisable (and secret scanners
/// can be taught it); session secrets never leave the cookie.
pub const TOKEN_PREFIX: &str = "trl_";
pub const MAX_TOKEN_DAYS: i64 = 366;
pub const MAX_TOKEN_NAME: usize = 100;

/// The hex SHA-256 a secret is stored and found by.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A random secret (256 bits, hex) after `prefix`.
pub fn new_secret(prefix: &str) -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// What one audit entry says, before the service stamps it.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub actor: String,
    pub action: String,
    pub app: Option<String>,
    pub target: String,
    pub request_id: String,
    pub status: u16,
    pub detail: Option<String>,
}

pub struct AccessService {
    pub(super) store: Arc<dyn AccessStore>,
    pub(super) clock: Arc<dyn Clock>,
    ids: Mutex<ulid::Generator>,
    audit_retention: time::Duration,
    record_token_use: bool,
}

impl AccessService {
    pub fn new(
        store: Arc<dyn AccessStore>,
        clock: Arc<dyn Clock>,
        audit_retention: time::Duration,
    ) -> Self {
        AccessService {
            store,
            clock,
            ids: Mutex::new(ulid::Generator::new()),
            audit_retention,
            record_token_use: true,
        }
    }

    /// For a process that may not write records (a read-only Lambda): tokens are checked but
    /// their last use is not noted.
    pub fn without_token_use_records(mut self) -> Self {
        self.record_token_use = false;
        self
    }

    fn new_id(&self) -> String {
        let now = self.clock.now();
        let at = std::time::SystemTime::UNIX_EPOCH
            + std::time::Duration::from_millis((now.unix_timestamp_nanos() / 1_000_000) as u64);
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        ids.generate_from_datetime(at)
            .unwrap_or_else(|_| ulid::Ulid::from_datetime(at))
            .to_string()
    }

    pub(super) fn now(&self) -> crate::model::Timestamp {
        self.clock.now()
    }

    pub(super) async fn put_user(&self, user: &super::User) -> Result<(), DomainError> {
        Ok(self.store.put_user(user).await?)
    }

    /// The actor's role on an app; `None`: no access at all.
    pub async fn role(&self, actor: &Actor, app: &str) -> Result<Option<Role>, DomainError> {
        match actor {
            Actor::Operator => Ok(Some(Role::Admin)),
            Actor::User { login } => {
                let grants = self.store.grants_for(app, login).await?;
                Ok(effective_role(
                    &grants,
                    self.clock.now(),
                    GITHUB_ROLE_MAX_AGE,
                ))
            }
        }
    }

    /// The actor's role if it is enough for the action; otherwise a refusal naming the role
    /// needed and the one held.
    pub async fn authorize(
        &self,
        actor: &Actor,
        app: &str,
        action: Action<'_>,
    ) -> Result<Role, DomainError> {
        let needed = required_role(&action);
        match self.role(actor, app).await? {
            Some(role) if role >= needed => Ok(role),
            held => Err(DomainError::Forbidden(format!(
                "{} may not {} in {app}: that needs the {needed} role, and {}",
                actor.label(),
                action.describe(),
                match held {
                    Some(role) => format!("their role there is {role}"),
                    None => "they have no role there".into(),
                }
            ))),
        }
    }

    /// Sets (`Some`) or removes (`None`) an admin's override of a user's role.
    pub async fn set_role(
        &self,
        by: &Actor,
        app: &str,
        login: &str,
        role: Option<Role>,
    ) -> Result<(), DomainError> {
        crate::validate::github_login("login", login)?;
        self.write_grant(app, login, GrantSource::Override, role, by.label())
            .await
    }

    /// Records the role GitHub gives a user on an app's repository (at sign-in and on a
    /// schedule); `None` (no access) removes it.
    pub async fn record_github_role(
        &self,
        app: &str,
        login: &str,
        role: Option<Role>,
    ) -> Result<(), DomainError> {
        self.write_grant(app, login, GrantSource::Github, role, "github".into())
            .await
    }

    async fn write_grant(
        &self,
        app: &str,
        login: &str,
        source: GrantSource,
        role: Option<Role>,
        granted_by: String,
    ) -> Result<(), DomainError> {
        match role {
            Some(role) => Ok(self
                .store
                .put_grant(&Grant {
                    app: app.into(),
                    login: login.into(),
                    role,
                    source,
                    granted_by,
                    updated_at: self.clock.now(),
                })
                .await?),
            None => Ok(self.store.delete_grant(app, login, source).await?),
        }
    }

    pub async fn grants_of_app(&self, app: &str) -> Result<Vec<Grant>, DomainError> {
        Ok(self.store.grants_of_app(app).await?)
    }

    /// Creates a personal token; the secret is returned once and never stored.
    pub async fn create_token(
        &self,
        login: &str,
        name: &str,
        days: i64,
    ) -> Result<(PersonalToken, String), DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME {
            return Err(DomainError::invalid(
                "name",
                format!("give the token a name of 1 to {MAX_TOKEN_NAME} characters"),
            ));
        }
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(DomainError::invalid(
                "expiresInDays",
                format!("a token lasts 1 to {MAX_TOKEN_DAYS} days, not {days}"),
            ));
        }
        let secret = new_secret(TOKEN_PREFIX);
        let now = self.clock.now();
        let token = PersonalToken {
            id: self.new_id(),
            login: login.into(),
            name: name.into(),
            hash: secret_hash(&secret),
            created_at: now,
            expires_at: now + time::Duration::days(days),
            last_used_at: None,
        };
        self.store.put_token(&token).await?;
        Ok((token, secret))
    }

    pub async fn tokens_of(&self, login: &str) -> Result<Vec<PersonalToken>, DomainError> {
        Ok(self.store.tokens_of(login).await?)
    }

    pub async fn revoke_token(&self, login: &str, id: &str) -> Result<(), DomainError> {
        if self.store.delete_token(login, id).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(format!(
                "{login} has no token with id {id:?}"
            )))
        }
    }

    /// The user a personal token acts for; `None` for an unknown, revoked or expired token.
    pub async fn actor_for_token(&self, secret: &str) -> Result<Option<Actor>, DomainError> {
        let Some(mut token) = self.store.token_by_hash(&secret_hash(secret)).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if token.expires_at <= now {
            return Ok(None);
        }
        // Last use is recorded to the hour: enough to spot an unused token, without a
        // write on every request.
        if self.record_token_use
            && token
                .last_used_at
                .is_none_or(|t| now - t >= time::Duration::hours(1))
        {
            token.last_used_at = Some(now);
            match self.store.record_token_use(&token).await {
                Ok(true) => {}
                // Revoked since it was read.
                Ok(false) => return Ok(None),
                // Knowing the last use is a convenience: a request is not refused for it.
                Err(e) => tracing::warn!(token = %token.id, "recording a token's use failed: {e}"),
            }
        }
        Ok(Some(Actor::User { login: token.login }))
    }

    /// Starts a dashboard session; the secret goes into the cookie and nowhere else.
    pub async fn start_session(
        &self,
        login: &str,
        lifetime: time::Duration,
    ) -> Result<(Session, String), DomainError> {
        let secret = new_secret("");
        let now = self.clock.now();
        let session = Session {
            hash: secret_hash(&secret),
            login: login.into(),
            created_at: now,
            expires_at: now + lifetime,
        };
        self.store.put_session(&session).await?;
        Ok((session, secret))
    }

    /// The session a cookie's secret belongs to, unless it has ended or expired. A live
    /// ticket is not a session.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>, DomainError> {
        if secret.starts_with(super::tickets::LIVE_TICKET_PREFIX) {
            return Ok(None);
        }
        let session = self.store.session_by_hash(&secret_hash(secret)).await?;
        Ok(session.filter(|s| s.expires_at > self.clock.now()))
    }

    pub async fn end_session(&self, secret: &str) -> Result<(), DomainError> {
        Ok(self.store.delete_session(&secret_hash(secret)).await?)
    }

    pub async fn end_sessions_of(&self, login: &str) -> Result<(), DomainError> {
        Ok(self.store.delete_sessions_of(login).await?)
    }

    /// Records one action in the audit log.
    pub async fn record(&self, record: AuditRecord) -> Result<AuditEntry, DomainError> {
        let at = self.clock.now();
        let outcome = match record.status {
            200..=399 => AuditOutcome::Succeeded,
            401 | 403 => AuditOutcome::Refused,
            _ => AuditOutcome::Failed,
        };
        let entry = AuditEntry {
            id: self.new_id(),
            at,
            actor: record.actor,
            action: record.action,
            app: record.app,
            target: record.target,
            request_id: record.request_id,
            outcome,
            status: record.status,
            detail: record.detail,
            expires_at: at + self.audit_retention,
        };
        self.store.append_audit(&entry).await?;
        Ok(entry)
    }

    pub async fn audit(&self, mut query: AuditQuery) -> Result<Vec<AuditEntry>, DomainError> {
        query.now = Some(self.clock.now());
        Ok(self.store.list_audit(&query).await?)
    }
}
