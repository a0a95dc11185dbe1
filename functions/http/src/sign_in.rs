//! Sign-in with GitHub: the browser's web flow ending in a session cookie, the CLI's device
//! flow ending in a personal token, and signing out.

use std::sync::Arc;

use trellis_core::access::{GithubAccounts, SignInPolicy};

/// How this deployment of Trellis signs people in (present when a GitHub App is configured).
pub struct SignInConfig {
    pub accounts: Arc<dyn GithubAccounts>,
    pub policy: SignInPolicy,
    /// Where Trellis is reached (`https://trellis.example.com`): GitHub sends the browser back
    /// to `<public_url>/api/auth/github/callback`, which must be the GitHub App's callback URL.
    pub public_url: String,
    pub session_lifetime: time::Duration,
    /// The `Secure` cookie attribute: off only for a local server on plain HTTP.
    pub secure_cookies: bool,
}

impl SignInConfig {
    pub fn callback_url(&self) -> String {
        format!(
            "{}/api/auth/github/callback",
            self.public_url.trim_end_matches('/')
        )
    }
}
