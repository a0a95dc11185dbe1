//! Live tickets: how a signed-in browser opens the WebSocket when the socket lives on
//! another origin than the dashboard (API Gateway's WebSocket API), where its session
//! cookie is not sent. A ticket is asked for with the session (and its CSRF token), lives a
//! minute and opens one connection.

use super::{AccessService, Actor, Session, new_secret, secret_hash};
use crate::error::DomainError;
use crate::model::Timestamp;

pub const LIVE_TICKET_PREFIX: &str = "trt_";
pub const LIVE_TICKET_LIFETIME: time::Duration = time::Duration::seconds(60);

/// A ticket's secret (given once, to its caller) and when it stops working.
#[derive(Debug)]
pub struct LiveTicket {
    pub secret: String,
    pub expires_at: Timestamp,
}

impl AccessService {
    /// A ticket for a signed-in user. Kept as a short session, so signing the user out
    /// everywhere ends their tickets too.
    pub async fn issue_live_ticket(&self, actor: &Actor) -> Result<LiveTicket, DomainError> {
        let Actor::User { login } = actor else {
            return Err(DomainError::Conflict(
                "the admin token opens the live socket itself (?token=); tickets are for \
                 signed-in users"
                    .into(),
            ));
        };
        let secret = new_secret(LIVE_TICKET_PREFIX);
        let now = self.clock.now();
        let expires_at = now + LIVE_TICKET_LIFETIME;
        self.store
            .put_session(&Session {
                hash: secret_hash(&secret),
                login: login.clone(),
                created_at: now,
                expires_at,
            })
            .await?;
        Ok(LiveTicket { secret, expires_at })
    }

    /// The user a ticket was issued to, once; `None` for anything else (used, expired, a
    /// session's secret, made up).
    pub async fn redeem_live_ticket(&self, secret: &str) -> Result<Option<Actor>, DomainError> {
        if !secret.starts_with(LIVE_TICKET_PREFIX) {
            return Ok(None);
        }
        let taken = self.store.take_session(&secret_hash(secret)).await?;
        Ok(taken
            .filter(|t| t.expires_at > self.clock.now())
            .map(|t| Actor::User { login: t.login }))
    }
}
