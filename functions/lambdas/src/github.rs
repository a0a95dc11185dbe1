//! The GitHub App for the functions that sign people in or connect it: settings in the
//! GitHub App secret, read when a request needs them (never at cold start).

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

pub(crate) fn integration(
    clients: &Clients,
    settings: &FunctionConfig,
    needs: Needs,
) -> Result<Option<Arc<GithubIntegration>>, ConfigError> {
    if !(needs.github_app || needs.connect_github) {
        return Ok(None);
    }
    let secret = required(&settings.github_app_secret, "TRELLIS_GITHUB_APP_SECRET")?;
    let web = settings.github_web.as_deref().unwrap_or(GITHUB_WEB);
    let api = settings.github_api.as_deref().unwrap_or(GITHUB_API);
    let connector = GithubConnect::new(web, api)
        .map_err(|e| ConfigError::Secret(secret.into(), e.to_string()))?;
    Ok(Some(Arc::new(GithubIntegration::new(
        Arc::new(GithubConnection::new(
            Arc::new(SecretsManagerGithubApp::new(
                clients.secrets_manager(),
                secret.into(),
            )),
            Arc::new(connector),
        )),
        SignInPolicy::default(),
        time::Duration::hours(settings.session_hours()?),
        None,
        None,
    ))))
}
