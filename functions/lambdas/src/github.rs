//! The GitHub App for the functions that use it: settings in the GitHub App secret, read
//! when a request first needs them (never at cold start) and re-read a minute later, so an
//! app connected after a function started is used without waiting for a new instance.

use std::sync::Arc;

use trellis_aws::SecretsManagerGithubApp;
use trellis_aws::github::GITHUB_API;
use trellis_core::access::SignInPolicy;
use trellis_core::github_connection::GithubConnection;
use trellis_github::{GITHUB_WEB, GithubConnect};
use trellis_http::github::GithubIntegration;

use crate::clients::Clients;
use crate::config::{ConfigError, FunctionConfig, required};
use crate::services::Needs;

/// The app as its secret says, for functions that start runners (clone tokens, refs) or
/// sign people in and connect it; `None` for the rest, or where no secret is configured
/// and nothing needs one.
pub(crate) fn connection(
    clients: &Clients,
    settings: &FunctionConfig,
    needs: Needs,
) -> Result<Option<Arc<GithubConnection>>, ConfigError> {
    let signs_in = needs.github_app || needs.connect_github;
    if !(signs_in || needs.launch) {
        return Ok(None);
    }
    let secret = match (&settings.github_app_secret, signs_in) {
        (Some(secret), _) => secret,
        // Launching works without an app (public repositories, local paths refused).
        (None, false) => return Ok(None),
        (None, true) => required(&settings.github_app_secret, "TRELLIS_GITHUB_APP_SECRET")?,
    };
    let web = settings.github_web.as_deref().unwrap_or(GITHUB_WEB);
    let api = settings.github_api.as_deref().unwrap_or(GITHUB_API);
    let connector = GithubConnect::new(web, api)
        .map_err(|e| ConfigError::Secret(secret.into(), e.to_string()))?;
    Ok(Some(Arc::new(GithubConnection::new(
        Arc::new(SecretsManagerGithubApp::new(
            clients.secrets_manager(),
            secret.into(),
        )),
        Arc::new(connector),
    ))))
}

/// Sign-in and connecting the app, for the functions that do them.
pub(crate) fn integration(
    connection: Option<&Arc<GithubConnection>>,
    settings: &FunctionConfig,
    needs: Needs,
) -> Result<Option<Arc<GithubIntegration>>, ConfigError> {
    let (Some(connection), true) = (connection, needs.github_app || needs.connect_github) else {
        return Ok(None);
    };
    Ok(Some(Arc::new(GithubIntegration::new(
        connection.clone(),
        SignInPolicy::default(),
        time::Duration::hours(settings.session_hours()?),
        None,
        None,
    ))))
}
