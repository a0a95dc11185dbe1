//! A browser as the dashboard is one: a GitHub sign-in through the stand-in ending in a
//! session cookie, then API calls with that cookie and (for changes) the CSRF token.

use reqwest::redirect::Policy;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{GithubStandIn, Server};

pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub session: Option<String>,
    pub csrf: Option<String>,
}

pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

pub fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (n, v) = first.split_once('=')?;
        (n == name && !v.is_empty()).then(|| v.to_string())
    })
}

impl Browser {
    pub fn new(server: &Server) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
            session: None,
            csrf: None,
        }
    }

    /// The whole web flow, following each redirect by hand; answers the callback's response.
    pub async fn sign_in(&mut self, return_to: &str) -> reqwest::Response {
        let start = self
            .http
            .get(format!(
                "{}/api/auth/github?return_to={return_to}",
                self.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), StatusCode::SEE_OTHER);
        let state_cookie = set_cookies(&start)
            .into_iter()
            .find(|c| c.starts_with("trellis_oauth_state="))
            .expect("the sign-in remembers its state");
        assert!(state_cookie.contains("HttpOnly"), "{state_cookie}");
        let at_github = self
            .http
            .get(start.headers()["location"].to_str().unwrap())
            .send()
            .await
            .unwrap();
        let callback = at_github.headers()["location"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(callback.starts_with(&format!("{}/api/auth/github/callback", self.base)));
        let cookie = state_cookie.split(';').next().unwrap().to_string();
        let answer = self
            .http
            .get(&callback)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        self.session = cookie_value(&set_cookies(&answer), "trellis_session");
        answer
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        csrf: bool,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(s) = &self.session {
            req = req.header("cookie", format!("trellis_session={s}"));
        }
        if csrf && let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn me(&mut self) -> Value {
        let (status, me) = self.call(Method::GET, "/api/me", None, false).await;
        assert_eq!(status, 200, "{me}");
        self.csrf = me["csrfToken"].as_str().map(str::to_string);
        me
    }
}

/// A server whose GitHub is the stand-in, signing in through the stand-in's OAuth client.
pub async fn with_github() -> (GithubStandIn, Server) {
    let github = GithubStandIn::start().await;
    let env = github.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start_with_env(&env).await;
    (github, server)
}

pub fn message(v: &Value) -> String {
    v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Connects a GitHub App through the manifest flow with the admin token, as an admin's
/// browser would (the stand-in creates it at once).
pub async fn connect_github(server: &Server) {
    let browser = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let start = browser
        .post(server.url("/api/github/manifest"))
        .bearer_auth(crate::TOKEN)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::OK);
    let state = set_cookies(&start)
        .into_iter()
        .find(|c| c.starts_with("trellis_manifest_state="))
        .expect("the manifest flow remembers its state");
    let view: Value = start.json().await.unwrap();
    let created = browser
        .post(view["postUrl"].as_str().unwrap())
        .form(&[("manifest", view["manifest"].to_string())])
        .send()
        .await
        .unwrap();
    let callback = created.headers()["location"].to_str().unwrap().to_string();
    let connected = browser
        .get(&callback)
        .header("cookie", state.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(connected.status(), StatusCode::SEE_OTHER);
}
