//! The HTTP side of the CLI: the server's URL and token, calls, and the errors and exit codes
//! they map to.

use std::time::Duration;

use serde_json::Value;
use trellis_http::error::ErrorBody;

use super::*;

pub struct Client {
    http: reqwest::Client,
    pub(super) url: String,
    /// `None` until `trellis login`: calls go out without one and the server says 401.
    token: Option<String>,
    pub(super) json: bool,
}

/// A command's failure, carrying the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

fn unreachable_error(e: reqwest::Error) -> CliError {
    CliError {
        code: EXIT_UNREACHABLE,
        message: format!("cannot reach the Trellis server: {e}"),
    }
}

impl Client {
    pub fn new(args: &ClientArgs, data_dir: &std::path::Path) -> CliResult<Self> {
        let url = args.url.trim_end_matches('/').to_string();
        let token = args
            .token
            .clone()
            .or_else(|| std::env::var("TRELLIS_TOKEN").ok())
            .or_else(|| super::credentials::load(&url).map(|l| l.token))
            .or_else(|| std::fs::read_to_string(data_dir.join("admin-token")).ok())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        Ok(Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(unreachable_error)?,
            url,
            token,
            json: args.json,
        })
    }

    pub(super) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> CliResult<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(unreachable_error)?;
        let status = resp.status();
        let text = resp.text().await.map_err(unreachable_error)?;
        let value: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status.is_success() {
            return Ok(value);
        }
        // The API's error body; anything else (a proxy's page) is shown as it came.
        let message = match serde_json::from_value::<ErrorBody>(value.clone()) {
            Ok(ErrorBody { error }) => match error.field {
                Some(field) => format!("{field}: {}", error.message),
                None => error.message,
            },
            Err(_) => value.to_string(),
        };
        let message = if status.as_u16() == 401 && self.token.is_none() {
            "not signed in: run `trellis login` (or pass --token, or set TRELLIS_TOKEN)".into()
        } else {
            message
        };
        Err(CliError {
            code: if status.is_client_error() {
                EXIT_API_ERROR
            } else {
                EXIT_UNREACHABLE
            },
            message: format!("{} ({})", message, status.as_u16()),
        })
    }

    pub(super) async fn get(&self, path: &str) -> CliResult<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub(super) async fn post<B: serde::Serialize>(&self, path: &str, body: &B) -> CliResult<Value> {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// Sends one of the API's request types.
    pub(super) async fn send<B: serde::Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &B,
    ) -> CliResult<Value> {
        let body = serde_json::to_value(body).map_err(|e| CliError {
            code: EXIT_USAGE,
            message: format!("cannot encode the request: {e}"),
        })?;
        self.call(method, path, Some(body)).await
    }

    pub(super) fn print(&self, value: &Value, text: impl FnOnce(&Value) -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_default()
            );
        } else {
            println!("{}", text(value));
        }
    }
}
