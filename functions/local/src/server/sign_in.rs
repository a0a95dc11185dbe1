//! Sign-in with GitHub for a local server: the GitHub App's OAuth client from the
//! environment. Without it, the admin token is the only way in.

use std::sync::Arc;

use trellis_core::access::SignInPolicy;
use trellis_github::{GITHUB_API, GITHUB_WEB, GithubOAuth};
use trellis_http::sign_in::SignInConfig;

use super::ServeError;

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `TRELLIS_GITHUB_CLIENT_ID` and `TRELLIS_GITHUB_CLIENT_SECRET` (the GitHub App's OAuth
/// client), optionally `TRELLIS_GITHUB_URL`/`TRELLIS_GITHUB_API_URL` (GitHub Enterprise
/// Server), `TRELLIS_GITHUB_ORG` (members may sign in), `TRELLIS_PUBLIC_URL` (where the
/// browser reaches this server; the GitHub App's callback URL is that plus
/// `/api/auth/github/callback`) and `TRELLIS_SESSION_HOURS` (12).
pub(super) fn from_env(base_url: &str) -> Result<Option<SignInConfig>, ServeError> {
    let (id, secret) = match (
        var("TRELLIS_GITHUB_CLIENT_ID"),
        var("TRELLIS_GITHUB_CLIENT_SECRET"),
    ) {
        (None, None) => return Ok(None),
        (Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err(ServeError::Setup(
                "set both TRELLIS_GITHUB_CLIENT_ID and TRELLIS_GITHUB_CLIENT_SECRET (the GitHub \
                 App's OAuth client) to sign in with GitHub, or neither"
                    .into(),
            ));
        }
    };
    let web = var("TRELLIS_GITHUB_URL").unwrap_or_else(|| GITHUB_WEB.into());
    let api = var("TRELLIS_GITHUB_API_URL").unwrap_or_else(|| GITHUB_API.into());
    let accounts = GithubOAuth::new(&web, &api, &id, &secret)
        .map_err(|e| ServeError::Setup(format!("GitHub sign-in: {e}")))?;
    let public_url = var("TRELLIS_PUBLIC_URL").unwrap_or_else(|| base_url.to_string());
    let hours = match var("TRELLIS_SESSION_HOURS") {
        None => 12,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|h| (1..=720).contains(h))
            .ok_or_else(|| {
                ServeError::Setup(format!(
                    "TRELLIS_SESSION_HOURS is {v:?}: give a number of hours from 1 to 720"
                ))
            })?,
    };
    Ok(Some(SignInConfig {
        accounts: Arc::new(accounts),
        policy: SignInPolicy {
            organisation: var("TRELLIS_GITHUB_ORG"),
        },
        secure_cookies: public_url.starts_with("https://"),
        public_url,
        session_lifetime: time::Duration::hours(hours),
    }))
}
