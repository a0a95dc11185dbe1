//! Bearer-token authentication for every API route but health, OpenAPI and the signed webhook.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AppState;

/// The admin token. Only its digest is kept, so comparisons take the same time whatever the
/// presented token's length or content.
pub struct ApiToken {
    /// `None`: a function that serves no authenticated route refuses every token.
    digest: Option<[u8; 32]>,
}

impl ApiToken {
    pub fn new(token: &str) -> Self {
        ApiToken {
            digest: Some(Sha256::digest(token.as_bytes()).into()),
        }
    }

    /// From the token's SHA-256 digest (hex): a function can check tokens without ever
    /// holding one. `None` if the text is not 64 hex digits.
    pub fn from_sha256_hex(hex_digest: &str) -> Option<Self> {
        let bytes = hex::decode(hex_digest.trim()).ok()?;
        let digest: [u8; 32] = bytes.try_into().ok()?;
        Some(ApiToken {
            digest: Some(digest),
        })
    }

    /// A token nothing matches (functions that serve no authenticated route).
    pub fn unusable() -> Self {
        ApiToken { digest: None }
    }

    pub fn verify(&self, presented: &str) -> bool {
        let Some(expected) = &self.digest else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        bool::from(digest.ct_eq(expected))
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// Middleware: `Authorization: Bearer <token>`.
pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some(header) = header else {
        return Err(ApiError::unauthorized(
            "missing Authorization header: send `Authorization: Bearer <token>`",
        ));
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Err(ApiError::unauthorized(
            "Authorization header must use the Bearer scheme",
        ));
    };
    if !state.token.verify(token.trim()) {
        return Err(ApiError::unauthorized("invalid token"));
    }
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_exact_token() {
        let t = ApiToken::new("s3cret-token");
        assert!(t.verify("s3cret-token"));
        assert!(!t.verify("s3cret-toke"));
        assert!(!t.verify(""));
        assert_eq!(format!("{t:?}"), "ApiToken(***)");
        assert!(!ApiToken::unusable().verify(""));
        let by_digest = ApiToken::from_sha256_hex(&hex::encode(Sha256::digest(b"s3cret-token")))
            .expect("64 hex digits");
        assert!(by_digest.verify("s3cret-token"));
        assert!(!by_digest.verify("other"));
        assert!(ApiToken::from_sha256_hex("abc").is_none());
        assert!(!ApiToken::unusable().verify("s3cret-token"));
    }
}
