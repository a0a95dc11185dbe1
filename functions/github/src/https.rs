//! A small HTTP(S) client over hyper + rustls with aws-lc: the stack the AWS SDK already
//! links. A general-purpose client (reqwest) would add a second TLS stack and ~1 MB to every
//! function for the handful of GitHub API calls Trellis makes.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("invalid request: {0}")]
    Request(String),
    #[error("{0}")]
    Transport(String),
    #[error("no response within {0:?}")]
    Timeout(Duration),
}

type Inner = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

#[derive(Clone)]
pub struct HttpsClient {
    /// Made at the first request: loading the system's root certificates is work a cold
    /// start that never calls out should not do.
    client: Arc<OnceLock<Result<Inner, String>>>,
    timeout: Duration,
    user_agent: &'static str,
}

impl HttpsClient {
    /// A client that trusts the system's root certificates. Plain `http://` stays allowed:
    /// the URL comes from Trellis's own configuration (stand-ins in tests, a proxy).
    pub fn new(user_agent: &'static str, timeout: Duration) -> Result<Self, HttpsError> {
        Ok(HttpsClient {
            client: Arc::new(OnceLock::new()),
            timeout,
            user_agent,
        })
    }

    fn client(&self) -> Result<&Inner, HttpsError> {
        self.client
            .get_or_init(|| {
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
                    .map_err(|e| e.to_string())?
                    .https_or_http()
                    .enable_http1()
                    .build();
                Ok(Client::builder(TokioExecutor::new()).build(connector))
            })
            .as_ref()
            .map_err(|e| HttpsError::Tls(e.clone()))
    }

    /// Sends one request and reads the whole response body.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), HttpsError> {
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header("user-agent", self.user_agent);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| HttpsError::Request(e.to_string()))?;
        let client = self.client()?;
        let exchange = async {
            let response = client
                .request(request)
                .await
                .map_err(|e| HttpsError::Transport(with_causes(&e)))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| HttpsError::Transport(with_causes(&e)))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| HttpsError::Timeout(self.timeout))?
    }
}

/// hyper's errors say "client error (Connect)"; the cause (refused, DNS, certificate) is in
/// the source chain.
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_connection_names_its_cause() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let client = HttpsClient::new("trellis-tests", Duration::from_secs(5)).unwrap();
        let error = client
            .send(Method::GET, &url, &[], Bytes::new())
            .await
            .unwrap_err();
        assert!(
            error.to_string().to_lowercase().contains("refused"),
            "{error}"
        );
    }
}
