//! The end-to-end harness: a real `trellis serve` (and its real build runners) in a temporary
//! data directory, a real git repository holding the sample app, and an HTTP + WebSocket client.
//! Waiting is driven by the server's own WebSocket events, never by sleeping.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

pub const TOKEN: &str = "e2e-token-0123456789";
pub const WEBHOOK_SECRET: &str = "e2e-webhook-secret";
/// Generous: a deployment runs `npm ci`, tests and a deploy on a 2-core machine.
pub const DEPLOY_TIMEOUT: Duration = Duration::from_secs(120);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The binaries under test; `cargo build -p trellis-local -p trellis-build-runner --bins` makes
/// them (the test command does so before it runs the tests).
pub fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p trellis-local -p trellis-build-runner --bins` before the end-to-end tests",
        path.display()
    );
    path
}

pub use trellis_core::conformance::fixture;

/// A git repository holding a copy of the sample app, on branch `main`.
pub struct SampleRepo {
    pub path: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Grace Hopper",
            "-c",
            "user.email=grace@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "node_modules" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl SampleRepo {
    pub fn create(dir: &Path) -> SampleRepo {
        let path = dir.join("sample-app");
        copy_dir(&workspace_root().join("tests/sample-app"), &path);
        git(&path, &["init", "-q", "-b", "main"]);
        git(&path, &["add", "-A"]);
        git(&path, &["commit", "-q", "-m", "Initial sample app"]);
        SampleRepo { path }
    }

    /// Commits a new message.txt; returns the new commit's sha.
    pub fn commit_message(&self, message: &str, subject: &str) -> String {
        std::fs::write(self.path.join("message.txt"), message).unwrap();
        git(&self.path, &["commit", "-q", "-am", subject]);
        self.head()
    }

    pub fn head(&self) -> String {
        git(&self.path, &["rev-parse", "HEAD"])
    }

    pub fn git(&self, args: &[&str]) -> String {
        git(&self.path, args)
    }
}

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

    /// Starts a manual development deploy whose deploy step prints `marker` and then hangs,
    /// and waits until the marker arrives: the build is then mid-way. Returns its id.
    pub async fn start_hanging_deploy(&self, live: &Live, marker: &str) -> String {
        self.patch(
            "/api/apps/sample/environments/development",
            json!({"testsEnabled": false, "settings": {"deployCommand": format!("echo {marker} && sleep 600")}}),
        )
        .await;
        let (status, d) = self
            .post(
                "/api/apps/sample/environments/development/deploy",
                json!({}),
            )
            .await;
        assert_eq!(status, 202, "{d}");
        let id = d["id"].as_str().unwrap().to_string();
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

/// A WebSocket client that records every message and wakes waiters on each one.
pub struct Live {
    messages: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
    outgoing: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Live {
    pub async fn connect(base: &str) -> Live {
        let url = format!("{}/api/ws?token={TOKEN}", base.replace("http://", "ws://"));
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket connects");
        let (mut sink, mut stream) = socket.split();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                if sink.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        });
        let (m, a) = (messages.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Text(text) = msg
                    && let Ok(v) = serde_json::from_str::<Value>(text.as_str())
                {
                    m.lock().unwrap().push(v);
                    a.notify_waiters();
                }
            }
        });
        Live {
            messages,
            arrived,
            outgoing: tx,
        }
    }

    /// Subscribes and waits for the server's acknowledgement.
    pub async fn subscribe(&self, body: Value) {
        let mut b = body;
        b["action"] = json!("subscribe");
        self.outgoing.send(b.to_string()).unwrap();
        self.wait_for(Duration::from_secs(10), |msgs| {
            msgs.iter()
                .any(|m| m["type"] == "subscribed" || m["type"] == "error")
                .then_some(())
        })
        .await;
        let msgs = self.messages();
        assert!(
            !msgs.iter().any(|m| m["type"] == "error"),
            "subscription refused: {msgs:?}"
        );
    }

    pub fn messages(&self) -> Vec<Value> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits until `check` finds what it needs in the messages so far.
    pub async fn wait_for<T>(&self, limit: Duration, check: impl Fn(&[Value]) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.arrived.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(t) = check(&self.messages()) {
                return t;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let msgs = self.messages();
                panic!(
                    "timed out after {limit:?}; last messages: {:#?}",
                    &msgs[msgs.len().saturating_sub(5)..]
                );
            }
        }
    }

    /// Waits for a deployment event matching `pred` and returns that deployment.
    pub async fn deployment_where(&self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_for(limit, |msgs| {
            msgs.iter()
                .rev()
                .filter(|m| m["type"] == "deployment")
                .map(|m| &m["deployment"])
                .find(|d| pred(d))
                .cloned()
        })
        .await
    }

    /// Waits until deployment `id` has ended; returns it.
    pub async fn finished(&self, id: &str) -> Value {
        self.deployment_where(DEPLOY_TIMEOUT, |d| {
            d["id"] == id
                && matches!(
                    d["status"].as_str(),
                    Some("succeeded" | "failed" | "cancelled")
                )
        })
        .await
    }

    /// Log lines pushed for a deployment, in arrival order.
    pub fn log_lines(&self, id: &str) -> Vec<Value> {
        self.messages()
            .iter()
            .filter(|m| m["type"] == "log" && m["deploymentId"] == id)
            .flat_map(|m| m["lines"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

pub fn is_terminal(d: &Value) -> bool {
    matches!(
        d["status"].as_str(),
        Some("succeeded" | "failed" | "cancelled")
    )
}

/// Every live process whose environment names this deployment (its build's processes).
pub fn processes_of_deployment(id: &str) -> Vec<i32> {
    let needle = format!("TRELLIS_DEPLOYMENT_ID={id}");
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if environ
            .split(|b| *b == 0)
            .any(|var| var == needle.as_bytes())
        {
            pids.push(pid);
        }
    }
    pids
}

/// The session a process belongs to (a local runner leads its build's session).
pub fn session_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(3)?.parse().ok()
}

/// Waits, without polling, until a process that is not our child has exited (a pidfd becomes
/// readable then). Returns false if it is still running after `limit`.
pub async fn process_exit(pid: i32, limit: Duration) -> bool {
    use std::os::fd::{FromRawFd, OwnedFd};
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return true; // no such process: it is gone already
    }
    // SAFETY: the descriptor was just created and is owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    // SAFETY: the OwnedFd stays open, and the same descriptor, for the AsyncFd's lifetime.
    let watched = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE)
    }
    .map_err(|e| e.to_string())
    .expect("a pidfd can be watched");
    tokio::time::timeout(limit, watched.readable())
        .await
        .is_ok()
}
