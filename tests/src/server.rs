//! A real `trellis serve` in a temporary data directory, and calls to its API.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::*;

pub struct Server {
    pub base: String,
    /// The sites' own origin (another port), from the banner.
    pub sites: String,
    pub data_dir: PathBuf,
    pub repo: SampleRepo,
    pub http: reqwest::Client,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts `trellis serve` on a free port and waits for its banner.
    pub async fn start() -> Server {
        Server::start_with_env(&[]).await
    }

    /// As [`Server::start`], with these variables in the server's environment.
    pub async fn start_with_env(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let repo = SampleRepo::create(dir.path());
        let (child, base, sites) = spawn_serve_with(&data_dir, env).await;
        Server {
            base,
            sites,
            data_dir,
            repo,
            http: reqwest::Client::new(),
            child,
            _dir: dir,
        }
    }

    /// Kills the server with SIGKILL (it gets no chance to stop its runners) and waits for it
    /// to be gone.
    pub async fn crash(&mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    /// Starts a new server on the same data directory (after [`Server::crash`]).
    pub async fn restart(&mut self) {
        let (child, base, sites) = spawn_serve_with(&self.data_dir, &[]).await;
        (self.child, self.base, self.sites) = (child, base, sites);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, v) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Value {
        let (status, v) = self.call(reqwest::Method::PATCH, path, Some(body)).await;
        assert_eq!(status, 200, "PATCH {path}: {v}");
        v
    }

    /// Registers the sample repository as app `sample` with the sample's commands and tests on
    /// in development.
    /// Gives `login` a role on `app` (an admin's override, as the admin token).
    pub async fn set_role(&self, app: &str, login: &str, role: &str) {
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                &format!("/api/apps/{app}/members/{login}"),
                Some(json!({ "role": role })),
            )
            .await;
        assert_eq!(status, 204, "{body}");
    }

    pub async fn register_sample(&self) -> Value {
        let (status, app) = self
            .post(
                "/api/apps",
                json!({
                    "name": "sample",
                    "repository": {"provider": "local", "path": self.repo.path},
                    "settings": {"deployCommand": "npm run deploy", "removeCommand": "npm run remove"}
                }),
            )
            .await;
        assert_eq!(status, 201, "{app}");
        self.patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": true}),
        )
        .await;
        app
    }

    pub async fn environment(&self, env: &str) -> Value {
        self.get(&format!("/api/apps/sample/environments/{env}"))
            .await
    }

    pub async fn deployment(&self, id: &str) -> Value {
        self.get(&format!("/api/deployments/{id}")).await
    }

    pub async fn deployments(&self, env: &str) -> Vec<Value> {
        self.get(&format!(
            "/api/apps/sample/environments/{env}/deployments?limit=200"
        ))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
    }

    /// Every log line of a deployment, paged by `seq`.
    pub async fn logs(&self, id: &str) -> (Vec<Value>, bool) {
        let mut after = 0;
        let mut all = Vec::new();
        loop {
            let page = self
                .get(&format!("/api/deployments/{id}/logs?after={after}"))
                .await;
            let lines = page["lines"].as_array().cloned().unwrap_or_default();
            if lines.is_empty() {
                return (all, page["complete"].as_bool().unwrap_or(false));
            }
            after = lines.last().unwrap()["seq"].as_u64().unwrap();
            all.extend(lines);
        }
    }

    /// The page the sample app published for an environment, or the HTTP status.
    pub async fn site(&self, env: &str) -> Result<String, u16> {
        let resp = self
            .http
            .get(format!("{}/sample/{env}/", self.sites))
            .send()
            .await
            .unwrap();
        if resp.status().is_success() {
            Ok(resp.text().await.unwrap())
        } else {
            Err(resp.status().as_u16())
        }
    }

    /// Asks for a deployment of the tracked branch's head to `env` of `sample`; its id.
    pub async fn start_deploy(&self, env: &str) -> String {
        let (status, d) = self
            .post(
                &format!("/api/apps/sample/environments/{env}/deploy"),
                json!({}),
            )
            .await;
        assert_eq!(status, 202, "{d}");
        d["id"].as_str().unwrap().to_string()
    }

    /// Starts a manual development deploy whose deploy step prints `marker` and then hangs,
    /// and waits until the marker arrives: the build is then mid-way. Returns its id.
    pub async fn start_hanging_deploy(&self, live: &Live, marker: &str) -> String {
        self.patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": false, "settings": {"deployCommand": format!("echo {marker} && sleep 600")}}),
        )
        .await;
        let id = self.start_deploy("development").await;
        live.wait_for(DEPLOY_TIMEOUT, |_| {
            live.log_lines(&id)
                .iter()
                .any(|l| l["text"] == marker)
                .then_some(())
        })
        .await;
        id
    }

    pub async fn live(&self) -> Live {
        Live::connect(&self.base).await
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// Starts `trellis serve` on free ports; returns it, its URL and its sites' URL.
async fn spawn_serve_with(data_dir: &Path, env: &[(&str, &str)]) -> (Child, String, String) {
    let mut child = Command::new(binary("trellis"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--sites-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data_dir)
        .arg("--runner-bin")
        .arg(binary("build-runner"))
        .env("TRELLIS_TOKEN", TOKEN)
        .env("TRELLIS_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("trellis serve starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let (base, sites) = tokio::time::timeout(Duration::from_secs(30), async {
        let mut base = None;
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Trellis is running at ") {
                base = Some(url.trim().to_string());
            }
            if let Some(sites) = line.trim().strip_prefix("Sites:") {
                let url = sites.trim().split("/<app>").next().unwrap().to_string();
                return (base.expect("the banner starts with the URL"), url);
            }
        }
        panic!("trellis serve exited before it was ready");
    })
    .await
    .expect("trellis serve is ready within 30 s");
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base, sites)
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM lets the server stop its runners (own sessions) before it exits.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            for _ in 0..50 {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

impl Server {
    /// A GitHub webhook delivery signed with the server's webhook secret.
    pub async fn deliver_webhook(&self, event: &str, delivery: &str, body: &Value) -> (u16, Value) {
        use hmac::{Hmac, Mac};
        let body = body.to_string();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let resp = self
            .http
            .post(self.url("/api/webhooks/github"))
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery)
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}
