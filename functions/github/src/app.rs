//! GitHub repositories through the Trellis GitHub App: an app token (a JWT signed RS256 with
//! the app's private key) is exchanged for an installation token, which reads refs and
//! branches through the REST API and lets the runner clone private repositories.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use trellis_core::SourceError;

use http::{Method, StatusCode};

use crate::https::{HttpsClient, HttpsError};

pub const GITHUB_API: &str = "https://api.github.com";

/// The GitHub App's identity: its id and private key (from Secrets Manager).
pub struct GithubApp {
    app_id: u64,
    key: RsaKeyPair,
    api: String,
    http: HttpsClient,
}

impl std::fmt::Debug for GithubApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GithubApp({}, key ***)", self.app_id)
    }
}

/// How the app's credentials are stored: `{"appId": N, "privateKey": "-----BEGIN ..."}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GithubAppCredentials {
    pub app_id: u64,
    pub private_key: String,
}

pub(crate) fn failed(what: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Failed(format!("GitHub {what}: {e}"))
}

impl GithubApp {
    /// `pem`: the PKCS#1 (`BEGIN RSA PRIVATE KEY`, as GitHub issues them) or PKCS#8 key.
    pub fn new(app_id: u64, pem: &str, api: &str) -> Result<Self, SourceError> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| SourceError::Failed("the GitHub App private key is not PEM".into()))?;
        let key = RsaKeyPair::from_der(&der)
            .or_else(|_| RsaKeyPair::from_pkcs8(&der))
            .map_err(|_| {
                SourceError::Failed("the GitHub App private key is not an RSA key".into())
            })?;
        let http = HttpsClient::new("trellis", std::time::Duration::from_secs(20))
            .map_err(|e| failed("client", e))?;
        Ok(GithubApp {
            app_id,
            key,
            api: api.trim_end_matches('/').to_string(),
            http,
        })
    }

    /// The app token: valid ten minutes at the most, issued a minute in the past against
    /// clock drift, as GitHub recommends.
    pub fn app_jwt(&self, now_unix: i64) -> Result<String, SourceError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            serde_json::json!({"iat": now_unix - 60, "exp": now_unix + 540, "iss": self.app_id.to_string()})
                .to_string(),
        );
        let message = format!("{header}.{claims}");
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .map_err(|_| SourceError::Failed("signing the GitHub App token failed".into()))?;
        Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// An installation token (valid one hour) for the repositories of one installation.
    pub async fn installation_token(&self, installation_id: u64) -> Result<String, SourceError> {
        self.access_token(installation_id, bytes::Bytes::new())
            .await
    }

    /// A token that can only read the contents of one repository (`owner/name`): what a
    /// build gets to clone, so the code it runs can reach nothing else of the installation.
    pub async fn repository_token(
        &self,
        installation_id: u64,
        full_name: &str,
    ) -> Result<String, SourceError> {
        let name = full_name.rsplit('/').next().unwrap_or(full_name);
        let scope = serde_json::json!({
            "repositories": [name],
            "permissions": {"contents": "read"},
        });
        self.access_token(installation_id, bytes::Bytes::from(scope.to_string()))
            .await
    }

    async fn access_token(
        &self,
        installation_id: u64,
        scope: bytes::Bytes,
    ) -> Result<String, SourceError> {
        #[derive(Deserialize)]
        struct Token {
            token: String,
        }
        let jwt = self.app_jwt(time::OffsetDateTime::now_utc().unix_timestamp())?;
        let url = format!(
            "{}/app/installations/{installation_id}/access_tokens",
            self.api
        );
        let (status, body) = self
            .call_with(Method::POST, &url, &jwt, scope)
            .await
            .map_err(|e| failed("installation token", e))?;
        if !status.is_success() {
            return Err(failed(
                "installation token",
                format!("HTTP {status} for installation {installation_id}"),
            ));
        }
        let token: Token =
            serde_json::from_slice(&body).map_err(|e| failed("installation token", e))?;
        Ok(token.token)
    }

    async fn call(
        &self,
        method: Method,
        url: &str,
        bearer: &str,
    ) -> Result<(StatusCode, bytes::Bytes), HttpsError> {
        self.call_with(method, url, bearer, bytes::Bytes::new())
            .await
    }

    async fn call_with(
        &self,
        method: Method,
        url: &str,
        bearer: &str,
        body: bytes::Bytes,
    ) -> Result<(StatusCode, bytes::Bytes), HttpsError> {
        let authorization = format!("Bearer {bearer}");
        let mut headers = vec![
            ("authorization", authorization.as_str()),
            ("accept", "application/vnd.github+json"),
            ("x-github-api-version", "2022-11-28"),
        ];
        if !body.is_empty() {
            headers.push(("content-type", "application/json"));
        }
        self.http.send(method, url, &headers, body).await
    }

    pub(crate) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        installation_id: u64,
        path: &str,
    ) -> Result<T, SourceError> {
        let token = self.installation_token(installation_id).await?;
        self.get_with(&token, path).await
    }

    /// A GET as the app itself (its JWT): what it knows of its installations.
    pub(crate) async fn get_as_app<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, SourceError> {
        let jwt = self.app_jwt(time::OffsetDateTime::now_utc().unix_timestamp())?;
        self.get_with(&jwt, path).await
    }

    pub(crate) async fn get_with<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
    ) -> Result<T, SourceError> {
        let url = format!("{}{path}", self.api);
        let (status, body) = self
            .call(Method::GET, &url, token)
            .await
            .map_err(|e| failed("request", e))?;
        match status.as_u16() {
            200 => serde_json::from_slice(&body).map_err(|e| failed("response", e)),
            404 | 422 => Err(SourceError::NotFound(format!("GitHub has no {path}"))),
            status => Err(failed("request", format!("HTTP {status} for {path}"))),
        }
    }

    /// A POST of JSON with an installation token; answers the created resource's JSON.
    pub(crate) async fn post_json(
        &self,
        installation_id: u64,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, SourceError> {
        self.send_json(Method::POST, installation_id, path, body)
            .await
    }

    /// A write (`POST`, `PATCH`) of JSON with an installation token; answers GitHub's JSON.
    pub(crate) async fn send_json(
        &self,
        method: Method,
        installation_id: u64,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, SourceError> {
        let token = self.installation_token(installation_id).await?;
        let url = format!("{}{path}", self.api);
        let (status, answer) = self
            .call_with(
                method.clone(),
                &url,
                &token,
                bytes::Bytes::from(body.to_string()),
            )
            .await
            .map_err(|e| failed("request", e))?;
        if !status.is_success() {
            // GitHub's `message` says why (a missing permission, a bad state): worth keeping.
            let why = serde_json::from_slice::<serde_json::Value>(&answer)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_default();
            return Err(failed(
                "request",
                format!("HTTP {} for {method} {path}: {why}", status.as_u16()),
            ));
        }
        Ok(serde_json::from_slice(&answer).unwrap_or(serde_json::Value::Null))
    }
}
