//! Bearer-token authentication for every API route but health, OpenAPI and the signed webhook.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use axum::http::StatusCode;
use trellis_core::access::{Actor, TOKEN_PREFIX};

use crate::error::ApiError;
use crate::state::AppState;

/// The admin token. Only its digest is kept, so comparisons take the same time whatever the
/// presented token's length or content.
pub struct ApiToken(Expected);

enum Expected {
    Digest([u8; 32]),
    /// Read from the secret store when a request first presents an admin token (never at
    /// cold start); a failed read is tried again by the next such request.
    Deferred {
        read: crate::webhook::SecretReader,
        digest: tokio::sync::OnceCell<[u8; 32]>,
    },
    /// A function that serves no authenticated route refuses every token.
    Nothing,
}

impl ApiToken {
    pub fn new(token: &str) -> Self {
        ApiToken(Expected::Digest(Sha256::digest(token.as_bytes()).into()))
    }

    /// From the token's SHA-256 digest (hex): a function can check tokens without ever
    /// holding one. `None` if the text is not 64 hex digits.
    pub fn from_sha256_hex(hex_digest: &str) -> Option<Self> {
        let bytes = hex::decode(hex_digest.trim()).ok()?;
        let digest: [u8; 32] = bytes.try_into().ok()?;
        Some(ApiToken(Expected::Digest(digest)))
    }

    /// The token read by `read` when it is first needed.
    pub fn deferred(read: crate::webhook::SecretReader) -> Self {
        ApiToken(Expected::Deferred {
            read,
            digest: tokio::sync::OnceCell::new(),
        })
    }

    /// A token nothing matches (functions that serve no authenticated route).
    pub fn unusable() -> Self {
        ApiToken(Expected::Nothing)
    }

    /// Whether `presented` is the admin token; an error when the token cannot be read now.
    pub async fn verify(&self, presented: &str) -> Result<bool, ApiError> {
        let expected = match &self.0 {
            Expected::Digest(d) => d,
            Expected::Nothing => return Ok(false),
            Expected::Deferred { read, digest } => digest
                .get_or_try_init(|| async {
                    let token = read().await?;
                    Ok::<_, String>(Sha256::digest(token.trim().as_bytes()).into())
                })
                .await
                .map_err(|e| {
                    tracing::error!("reading the API token: {e}");
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "secrets_unavailable",
                        "the API token cannot be read right now (see the function's log); try again",
                    )
                })?,
        };
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        Ok(bool::from(digest.ct_eq(expected)))
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// The dashboard's session cookie (HttpOnly, Secure, SameSite=Lax; see the sign-in routes).
pub const SESSION_COOKIE: &str = "trellis_session";
/// State-changing requests made with the session cookie must carry this header.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of a session: derived from the cookie's secret, which another site can
/// neither read nor guess, so it needs no storage of its own.
pub fn csrf_token(session_secret: &str) -> String {
    hex::encode(Sha256::digest(
        format!("trellis-csrf:{session_secret}").as_bytes(),
    ))
}

/// Middleware: who is asking. `Authorization: Bearer` with the admin token or a personal
/// token, or the session cookie (with the CSRF header on anything that changes state). The
/// caller's [`Actor`] is handed to the handler as a request extension.
pub async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    // Headers are copied: the request's body may not be held across an await.
    let headers = request.headers().clone();
    let (actor, session) = identify(&state, &headers).await?;
    request.extensions_mut().insert(actor);
    if let Some(session) = session {
        request.extensions_mut().insert(session);
    }
    Ok(next.run(request).await)
}

/// Marks a request authenticated by the session cookie (its secret derives the CSRF token).
#[derive(Clone)]
pub struct CookieSession(String);

/// Middleware, inside the audit log's: a state-changing request made with the session cookie
/// must carry the CSRF token (and not come from another site). Inside, so that a refused
/// attempt is recorded with the user it pretended to be.
pub async fn require_csrf(request: Request, next: Next) -> Result<Response, ApiError> {
    if !request.method().is_safe()
        && let Some(CookieSession(secret)) = request.extensions().get::<CookieSession>()
    {
        check_csrf(request.headers(), secret)?;
    }
    Ok(next.run(request).await)
}

async fn identify(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<(Actor, Option<CookieSession>), ApiError> {
    if let Some(header) = headers.get(axum::http::header::AUTHORIZATION) {
        let header = header.to_str().unwrap_or("");
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
        else {
            return Err(ApiError::unauthorized(
                "Authorization header must use the Bearer scheme",
            ));
        };
        let token = token.trim();
        // A personal token never needs the admin token read.
        if !token.starts_with(TOKEN_PREFIX) && state.token.verify(token).await? {
            return Ok((Actor::Operator, None));
        }
        if token.starts_with(TOKEN_PREFIX) {
            let actor = state.access.actor_for_token(token).await?.ok_or_else(|| {
                ApiError::unauthorized("this personal token is unknown, revoked or expired")
            })?;
            return Ok((actor, None));
        }
        return Err(ApiError::unauthorized("invalid token"));
    }
    if let Some(secret) = session_secret(headers) {
        let Some(session) = state.access.session(&secret).await? else {
            return Err(ApiError::unauthorized(
                "your session has ended: sign in again",
            ));
        };
        return Ok((
            Actor::User {
                login: session.login,
            },
            Some(CookieSession(secret)),
        ));
    }
    Err(ApiError::unauthorized(
        "missing Authorization header: send `Authorization: Bearer <token>`",
    ))
}

pub fn session_secret(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

/// A cookie's value from the request's `Cookie` headers (`None` when absent or empty).
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// A cookie travels with requests another site makes; the CSRF header does not, and only
/// the dashboard (which can read it from the sign-in answer) knows its value.
fn check_csrf(headers: &axum::http::HeaderMap, secret: &str) -> Result<(), ApiError> {
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    if cross_site {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "cross-site requests may not change anything",
        ));
    }
    let presented = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = csrf_token(secret);
    if presented.is_empty() || !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "missing or wrong {CSRF_HEADER} header: requests with the session cookie that change state must send it"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok(t: &ApiToken, presented: &str) -> bool {
        t.verify(presented).await.unwrap()
    }

    #[tokio::test]
    async fn verifies_only_the_exact_token() {
        let t = ApiToken::new("s3cret-token");
        assert!(ok(&t, "s3cret-token").await);
        assert!(!ok(&t, "s3cret-toke").await);
        assert!(!ok(&t, "").await);
        assert_eq!(format!("{t:?}"), "ApiToken(***)");
        assert!(!ok(&ApiToken::unusable(), "").await);
        let by_digest = ApiToken::from_sha256_hex(&hex::encode(Sha256::digest(b"s3cret-token")))
            .expect("64 hex digits");
        assert!(ok(&by_digest, "s3cret-token").await);
        assert!(!ok(&by_digest, "other").await);
        assert!(ApiToken::from_sha256_hex("abc").is_none());
        assert!(!ok(&ApiToken::unusable(), "s3cret-token").await);
    }

    #[tokio::test]
    async fn a_deferred_token_is_read_once_when_first_needed_and_again_after_a_failure() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let reads = Arc::new(AtomicUsize::new(0));
        let counted = reads.clone();
        let t = ApiToken::deferred(Arc::new(move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if n == 0 {
                    Err("Secrets Manager unreachable".to_string())
                } else {
                    Ok("s3cret-token\n".to_string())
                }
            })
        }));
        assert_eq!(
            reads.load(Ordering::SeqCst),
            0,
            "nothing read before a request"
        );
        let refused = t.verify("s3cret-token").await.unwrap_err();
        assert_eq!(refused.body().error.code, "secrets_unavailable");
        assert!(!refused.body().error.message.contains("unreachable"));
        assert!(ok(&t, "s3cret-token").await);
        assert!(!ok(&t, "other").await);
        assert_eq!(reads.load(Ordering::SeqCst), 2, "read once it worked");
    }
}
