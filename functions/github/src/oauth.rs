//! Sign-in through the Trellis GitHub App's OAuth client: the web flow (browser), the device
//! flow (CLI), and what the user's own token says about them.

use async_trait::async_trait;
use bytes::Bytes;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use trellis_core::SourceError;
use trellis_core::access::{DeviceCode, DevicePoll, GithubAccounts, GithubUser};

use crate::https::HttpsClient;

pub const GITHUB_WEB: &str = "https://github.com";

/// The OAuth client of the GitHub App (its client id and secret come from the app's
/// settings, or from the manifest flow that created it).
pub struct GithubOAuth {
    web: String,
    api: String,
    client_id: String,
    client_secret: String,
    http: HttpsClient,
}

impl std::fmt::Debug for GithubOAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GithubOAuth({}, secret ***)", self.client_id)
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Failed(format!("GitHub {what}: {e}"))
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// What GitHub's token endpoint answers (an error comes back with status 200).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    interval: Option<u64>,
}

impl GithubOAuth {
    /// `web`: github.com or a GitHub Enterprise Server's address; `api`: its REST API.
    pub fn new(
        web: &str,
        api: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Self, SourceError> {
        let http = HttpsClient::new("trellis", std::time::Duration::from_secs(20))
            .map_err(|e| failed("client", e))?;
        Ok(GithubOAuth {
            web: web.trim_end_matches('/').into(),
            api: api.trim_end_matches('/').into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            http,
        })
    }

    /// A form post to GitHub's web host (the OAuth endpoints), its JSON answer decoded.
    async fn post_form<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Result<T, SourceError> {
        let url = format!("{}{path}", self.web);
        let (status, body) = self
            .http
            .send(
                Method::POST,
                &url,
                &[
                    ("accept", "application/json"),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                Bytes::from(form(pairs)),
            )
            .await
            .map_err(|e| failed("sign-in request", e))?;
        if !status.is_success() {
            return Err(failed("sign-in", format!("HTTP {status}")));
        }
        serde_json::from_slice(&body).map_err(|e| failed("sign-in answer", e))
    }

    async fn get_json(&self, token: &str, path: &str) -> Result<(StatusCode, Value), SourceError> {
        let authorization = format!("Bearer {token}");
        let (status, body) = self
            .http
            .send(
                Method::GET,
                &format!("{}{path}", self.api),
                &[
                    ("authorization", authorization.as_str()),
                    ("accept", "application/vnd.github+json"),
                    ("x-github-api-version", "2022-11-28"),
                ],
                Bytes::new(),
            )
            .await
            .map_err(|e| failed("request", e))?;
        let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok((status, value))
    }
}

#[async_trait]
impl GithubAccounts for GithubOAuth {
    fn authorize_url(&self, state: &str, redirect_uri: &str) -> String {
        format!(
            "{}/login/oauth/authorize?{}",
            self.web,
            form(&[
                ("client_id", &self.client_id),
                ("redirect_uri", redirect_uri),
                ("state", state),
                ("allow_signup", "false"),
            ])
        )
    }

    async fn exchange_code(&self, code: &str, redirect_uri: &str) -> Result<String, SourceError> {
        let answer: TokenAnswer = self
            .post_form(
                "/login/oauth/access_token",
                &[
                    ("client_id", &self.client_id),
                    ("client_secret", &self.client_secret),
                    ("code", code),
                    ("redirect_uri", redirect_uri),
                ],
            )
            .await?;
        match (answer.access_token, answer.error) {
            (Some(token), None) => Ok(token),
            (_, error) => Err(failed(
                "sign-in",
                answer
                    .error_description
                    .or(error)
                    .unwrap_or_else(|| "no token in the answer".into()),
            )),
        }
    }

    async fn start_device_flow(&self) -> Result<DeviceCode, SourceError> {
        #[derive(Deserialize)]
        struct Answer {
            device_code: String,
            user_code: String,
            verification_uri: String,
            expires_in: u64,
            interval: u64,
        }
        let a: Answer = self
            .post_form("/login/device/code", &[("client_id", &self.client_id)])
            .await
            .map_err(|e| {
                failed(
                    "device sign-in",
                    format!("{e} (is the device flow enabled in the GitHub App's settings?)"),
                )
            })?;
        Ok(DeviceCode {
            device_code: a.device_code,
            user_code: a.user_code,
            verification_uri: a.verification_uri,
            expires_in: a.expires_in,
            interval: a.interval,
        })
    }

    async fn poll_device_flow(&self, device_code: &str) -> Result<DevicePoll, SourceError> {
        let answer: TokenAnswer = self
            .post_form(
                "/login/oauth/access_token",
                &[
                    ("client_id", &self.client_id),
                    ("device_code", device_code),
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ],
            )
            .await?;
        if let Some(token) = answer.access_token {
            return Ok(DevicePoll::Token(token));
        }
        Ok(match answer.error.as_deref() {
            Some("authorization_pending") => DevicePoll::Pending,
            Some("slow_down") => DevicePoll::SlowDown(answer.interval.unwrap_or(10)),
            Some("expired_token") => DevicePoll::Expired,
            Some("access_denied") => DevicePoll::Denied,
            other => {
                return Err(failed(
                    "device sign-in",
                    answer
                        .error_description
                        .or(other.map(str::to_string))
                        .unwrap_or_else(|| "unexpected answer".into()),
                ));
            }
        })
    }

    async fn user(&self, token: &str) -> Result<GithubUser, SourceError> {
        let (status, v) = self.get_json(token, "/user").await?;
        if status != StatusCode::OK {
            return Err(failed("user", format!("HTTP {status}")));
        }
        serde_json::from_value(v).map_err(|e| failed("user", e))
    }

    async fn repository_permission(
        &self,
        token: &str,
        full_name: &str,
    ) -> Result<Option<String>, SourceError> {
        let (status, v) = self.get_json(token, &format!("/repos/{full_name}")).await?;
        match status.as_u16() {
            200 => {}
            // Not visible to this user (GitHub hides private repositories as 404).
            403 | 404 => return Ok(None),
            _ => return Err(failed("repository", format!("HTTP {status}"))),
        }
        let p = &v["permissions"];
        let level = ["admin", "maintain", "push", "triage", "pull"]
            .into_iter()
            .find(|k| p[*k].as_bool() == Some(true));
        Ok(level.map(|l| match l {
            "push" => "write".to_string(),
            "pull" => "read".to_string(),
            other => other.to_string(),
        }))
    }

    async fn is_org_member(&self, token: &str, org: &str) -> Result<bool, SourceError> {
        let (status, v) = self
            .get_json(token, &format!("/user/memberships/orgs/{org}"))
            .await?;
        Ok(status == StatusCode::OK && v["state"] == "active")
    }
}
