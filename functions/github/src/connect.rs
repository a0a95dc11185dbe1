//! Creating the GitHub App from a manifest (GitHub's "manifest flow"), and what follows from
//! its credentials.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::Method;
use serde::Deserialize;
use trellis_core::SourceError;
use trellis_core::access::GithubAccounts;
use trellis_core::github_app::{GithubAppSettings, GithubConnector, GithubInstallations};

use crate::app::GithubApp;
use crate::https::HttpsClient;
use crate::oauth::GithubOAuth;
use crate::source::GithubSource;

fn failed(what: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Failed(format!("GitHub {what}: {e}"))
}

/// github.com (or a GitHub Enterprise Server) as the place apps are created.
pub struct GithubConnect {
    web: String,
    api: String,
    http: HttpsClient,
}

impl GithubConnect {
    pub fn new(web: &str, api: &str) -> Result<Self, SourceError> {
        Ok(GithubConnect {
            web: web.trim_end_matches('/').into(),
            api: api.trim_end_matches('/').into(),
            http: HttpsClient::new("trellis", std::time::Duration::from_secs(20))
                .map_err(|e| failed("client", e))?,
        })
    }
}

#[derive(Deserialize)]
struct Conversion {
    id: u64,
    slug: Option<String>,
    html_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    pem: String,
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[async_trait]
impl GithubConnector for GithubConnect {
    fn new_app_url(&self, organisation: Option<&str>, state: &str) -> String {
        let q = query(&[("state", state)]);
        match organisation {
            Some(org) => format!("{}/organizations/{org}/settings/apps/new?{q}", self.web),
            None => format!("{}/settings/apps/new?{q}", self.web),
        }
    }

    async fn convert_manifest(&self, code: &str) -> Result<GithubAppSettings, SourceError> {
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(SourceError::Failed(
                "the code from GitHub is not a code".into(),
            ));
        }
        let url = format!("{}/app-manifests/{code}/conversions", self.api);
        let (status, body) = self
            .http
            .send(
                Method::POST,
                &url,
                &[
                    ("accept", "application/vnd.github+json"),
                    ("x-github-api-version", "2022-11-28"),
                ],
                Bytes::new(),
            )
            .await
            .map_err(|e| failed("app creation", e))?;
        if !status.is_success() {
            return Err(failed(
                "app creation",
                format!("HTTP {status} (a code is good for one hour, once)"),
            ));
        }
        let c: Conversion =
            serde_json::from_slice(&body).map_err(|e| failed("app creation answer", e))?;
        Ok(GithubAppSettings {
            app_id: c.id,
            private_key: c.pem,
            slug: c.slug,
            html_url: c.html_url,
            client_id: c.client_id,
            client_secret: c.client_secret,
            web_url: Some(self.web.clone()),
            api_url: Some(self.api.clone()),
            public_url: None,
            organisation: None,
        })
    }

    async fn set_webhook_secret(
        &self,
        app: &GithubAppSettings,
        secret: &str,
    ) -> Result<(), SourceError> {
        let api = app.api_url.as_deref().unwrap_or(&self.api);
        let github = GithubApp::new(app.app_id, &app.private_key, api)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let jwt = github.app_jwt(now)?;
        let authorization = format!("Bearer {jwt}");
        let body = serde_json::json!({"secret": secret, "content_type": "json"}).to_string();
        let (status, _) = self
            .http
            .send(
                Method::PATCH,
                &format!("{}/app/hook/config", api.trim_end_matches('/')),
                &[
                    ("authorization", authorization.as_str()),
                    ("accept", "application/vnd.github+json"),
                    ("x-github-api-version", "2022-11-28"),
                    ("content-type", "application/json"),
                ],
                Bytes::from(body),
            )
            .await
            .map_err(|e| failed("webhook configuration", e))?;
        if status.is_success() {
            Ok(())
        } else {
            Err(failed("webhook configuration", format!("HTTP {status}")))
        }
    }

    fn accounts(&self, app: &GithubAppSettings) -> Result<Arc<dyn GithubAccounts>, SourceError> {
        let (Some(id), Some(secret)) = (&app.client_id, &app.client_secret) else {
            return Err(SourceError::Failed(
                "the GitHub App has no OAuth client: sign-in is off".into(),
            ));
        };
        Ok(Arc::new(GithubOAuth::new(
            app.web_url.as_deref().unwrap_or(&self.web),
            app.api_url.as_deref().unwrap_or(&self.api),
            id,
            secret,
        )?))
    }

    fn installations(
        &self,
        app: &GithubAppSettings,
    ) -> Result<Arc<dyn GithubInstallations>, SourceError> {
        let api = app.api_url.as_deref().unwrap_or(&self.api);
        let github = GithubApp::new(app.app_id, &app.private_key, api)?;
        Ok(Arc::new(GithubSource::new(Some(Arc::new(github)))))
    }
}
