//! The client subcommands: a thin layer over the HTTP API.
//!
//! Exit codes: 0 success; 1 a deployment that was followed (or asked about) failed or was
//! cancelled; 2 bad usage; 3 the API refused the request; 4 the server could not be reached or
//! failed.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

pub const EXIT_DEPLOYMENT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_API_ERROR: i32 = 3;
pub const EXIT_UNREACHABLE: i32 = 4;

#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The Trellis server.
    #[arg(
        long,
        env = "TRELLIS_URL",
        default_value = "http://127.0.0.1:7878",
        global = true
    )]
    pub url: String,
    /// API token; defaults to $TRELLIS_TOKEN, then <data-dir>/admin-token.
    #[arg(long, global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// List apps and the state of each environment.
    Apps,
    /// Show an app's environments.
    Envs { app: String },
    /// Register an app whose source is a local git repository.
    CreateApp {
        name: String,
        /// Path of the git repository.
        #[arg(long)]
        path: PathBuf,
        #[arg(long)]
        install_command: Option<String>,
        #[arg(long)]
        test_command: Option<String>,
        #[arg(long)]
        deploy_command: Option<String>,
        #[arg(long)]
        remove_command: Option<String>,
    },
    /// Change an environment: tracked branch, auto-deploy, tests, variables, secrets.
    Configure {
        app: String,
        env: String,
        #[arg(long)]
        branch: Option<String>,
        #[arg(long)]
        auto_deploy: Option<bool>,
        #[arg(long)]
        tests: Option<bool>,
        /// NAME=value (repeatable); NAME= removes it.
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// NAME=value (repeatable; write-only); NAME= removes it.
        #[arg(long = "secret", value_name = "NAME=VALUE")]
        secrets: Vec<String>,
    },
    /// Deploy the tracked branch's head (or --ref) to an environment.
    Deploy {
        app: String,
        env: String,
        #[arg(long = "ref")]
        reference: Option<String>,
        /// Stream the logs until the deployment ends; exit 1 if it fails.
        #[arg(long)]
        follow: bool,
    },
    /// Deploy an environment's current commit to the next environment.
    Promote {
        app: String,
        env: String,
        #[arg(long)]
        follow: bool,
    },
    /// Redeploy an earlier succeeded deployment of an environment.
    Rollback {
        app: String,
        env: String,
        deployment: String,
        #[arg(long)]
        follow: bool,
    },
    /// Remove what an environment has deployed.
    Teardown {
        app: String,
        env: String,
        #[arg(long)]
        follow: bool,
    },
    /// Cancel a queued or running deployment.
    Cancel { deployment: String },
    /// An environment's deployments, newest first.
    History {
        app: String,
        env: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Print a deployment's logs.
    Logs {
        deployment: String,
        /// Keep printing until the deployment ends; exit 1 if it failed.
        #[arg(long, short)]
        follow: bool,
    },
    /// Show a deployment; exits 1 if it failed or was cancelled.
    Status { deployment: String },
}

pub struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
    json: bool,
}

/// A command's failure, carrying the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

type CliResult<T> = Result<T, CliError>;

fn unreachable_error(e: reqwest::Error) -> CliError {
    CliError {
        code: EXIT_UNREACHABLE,
        message: format!("cannot reach the Trellis server: {e}"),
    }
}

impl Client {
    pub fn new(args: &ClientArgs, data_dir: &std::path::Path) -> CliResult<Self> {
        let token = args
            .token
            .clone()
            .or_else(|| std::env::var("TRELLIS_TOKEN").ok())
            .or_else(|| std::fs::read_to_string(data_dir.join("admin-token")).ok())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| CliError {
                code: EXIT_USAGE,
                message: format!(
                    "no API token: pass --token, set TRELLIS_TOKEN, or run from where {} exists",
                    data_dir.join("admin-token").display()
                ),
            })?;
        Ok(Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(unreachable_error)?,
            url: args.url.trim_end_matches('/').to_string(),
            token,
            json: args.json,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> CliResult<Value> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
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
        let err = &value["error"];
        let mut message = err["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string());
        if let Some(field) = err["field"].as_str() {
            message = format!("{field}: {message}");
        }
        Err(CliError {
            code: if status.is_client_error() {
                EXIT_API_ERROR
            } else {
                EXIT_UNREACHABLE
            },
            message: format!("{} ({})", message, status.as_u16()),
        })
    }

    async fn get(&self, path: &str) -> CliResult<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> CliResult<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    fn print(&self, value: &Value, text: impl FnOnce(&Value) -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_default()
            );
        } else {
            println!("{}", text(value));
        }
    }

    pub async fn run(&self, command: ClientCommand) -> CliResult<()> {
        use ClientCommand::*;
        match command {
            Apps => {
                let apps = self.get("/api/apps").await?;
                self.print(&apps, |apps| {
                    let mut out = String::new();
                    for app in apps.as_array().into_iter().flatten() {
                        out.push_str(&format!("{}\n", s(&app["name"])));
                        for e in app["environments"].as_array().into_iter().flatten() {
                            out.push_str(&env_line(e));
                        }
                    }
                    if out.is_empty() {
                        "no apps yet".into()
                    } else {
                        out.trim_end().to_string()
                    }
                });
            }
            Envs { app } => {
                let app = self.get(&format!("/api/apps/{app}")).await?;
                self.print(&app["environments"], |envs| {
                    envs.as_array()
                        .into_iter()
                        .flatten()
                        .map(env_line)
                        .collect::<String>()
                        .trim_end()
                        .to_string()
                });
            }
            CreateApp {
                name,
                path,
                install_command,
                test_command,
                deploy_command,
                remove_command,
            } => {
                let path = path.canonicalize().map_err(|e| CliError {
                    code: EXIT_USAGE,
                    message: format!("{}: {e}", path.display()),
                })?;
                let mut settings = serde_json::Map::new();
                for (k, v) in [
                    ("installCommand", install_command),
                    ("testCommand", test_command),
                    ("deployCommand", deploy_command),
                    ("removeCommand", remove_command),
                ] {
                    if let Some(v) = v {
                        settings.insert(k.into(), Value::String(v));
                    }
                }
                let app = self
                    .post(
                        "/api/apps",
                        json!({"name": name, "repository": {"provider": "local", "path": path}, "settings": settings}),
                    )
                    .await?;
                self.print(&app, |a| format!("created app {}", s(&a["name"])));
            }
            Configure {
                app,
                env,
                branch,
                auto_deploy,
                tests,
                vars,
                secrets,
            } => {
                let mut body = serde_json::Map::new();
                if let Some(b) = branch {
                    body.insert("branch".into(), json!(b));
                }
                if let Some(a) = auto_deploy {
                    body.insert("autoDeploy".into(), json!(a));
                }
                if let Some(t) = tests {
                    body.insert("testsEnabled".into(), json!(t));
                }
                if !vars.is_empty() {
                    body.insert("variables".into(), assignments(&vars)?);
                }
                if !secrets.is_empty() {
                    body.insert("secrets".into(), assignments(&secrets)?);
                }
                let e = self
                    .call(
                        reqwest::Method::PATCH,
                        &format!("/api/apps/{app}/environments/{env}"),
                        Some(Value::Object(body)),
                    )
                    .await?;
                self.print(&e, env_line);
            }
            Deploy {
                app,
                env,
                reference,
                follow,
            } => {
                let body = match reference {
                    Some(r) => json!({"ref": r}),
                    None => json!({}),
                };
                let d = self
                    .post(&format!("/api/apps/{app}/environments/{env}/deploy"), body)
                    .await?;
                self.started(d, follow).await?;
            }
            Promote { app, env, follow } => {
                let d = self
                    .post(
                        &format!("/api/apps/{app}/environments/{env}/promote"),
                        json!({}),
                    )
                    .await?;
                self.started(d, follow).await?;
            }
            Rollback {
                app,
                env,
                deployment,
                follow,
            } => {
                let d = self
                    .post(
                        &format!("/api/apps/{app}/environments/{env}/rollback"),
                        json!({"deploymentId": deployment}),
                    )
                    .await?;
                self.started(d, follow).await?;
            }
            Teardown { app, env, follow } => {
                let d = self
                    .post(
                        &format!("/api/apps/{app}/environments/{env}/teardown"),
                        json!({}),
                    )
                    .await?;
                self.started(d, follow).await?;
            }
            Cancel { deployment } => {
                let d = self
                    .post(&format!("/api/deployments/{deployment}/cancel"), json!({}))
                    .await?;
                self.print(&d, deployment_line);
            }
            History { app, env, limit } => {
                let list = self
                    .get(&format!(
                        "/api/apps/{app}/environments/{env}/deployments?limit={limit}"
                    ))
                    .await?;
                self.print(&list, |l| {
                    l.as_array()
                        .into_iter()
                        .flatten()
                        .map(deployment_line)
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            Logs { deployment, follow } => {
                self.logs(&deployment, follow).await?;
                if follow {
                    return self.final_status(&deployment).await;
                }
            }
            Status { deployment } => {
                let d = self.get(&format!("/api/deployments/{deployment}")).await?;
                self.print(&d, deployment_line);
                return exit_for(&d);
            }
        }
        Ok(())
    }

    async fn started(&self, d: Value, follow: bool) -> CliResult<()> {
        let id = s(&d["id"]).to_string();
        if !follow {
            self.print(&d, deployment_line);
            return Ok(());
        }
        if !self.json {
            println!("{}", deployment_line(&d));
        }
        self.logs(&id, true).await?;
        self.final_status(&id).await
    }

    async fn final_status(&self, id: &str) -> CliResult<()> {
        let d = self.get(&format!("/api/deployments/{id}")).await?;
        self.print(&d, deployment_line);
        exit_for(&d)
    }

    /// Pages through the log by `seq`; when following, polls until the log is complete.
    async fn logs(&self, id: &str, follow: bool) -> CliResult<()> {
        let mut after = 0u64;
        loop {
            let page = self
                .get(&format!(
                    "/api/deployments/{id}/logs?after={after}&limit=5000"
                ))
                .await?;
            let lines = page["lines"].as_array().cloned().unwrap_or_default();
            for line in &lines {
                after = line["seq"].as_u64().unwrap_or(after);
                if self.json {
                    println!("{line}");
                } else {
                    println!("{}", s(&line["text"]));
                }
            }
            if page["complete"].as_bool() == Some(true) || (!follow && lines.is_empty()) {
                return Ok(());
            }
            if lines.is_empty() {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

fn exit_for(d: &Value) -> CliResult<()> {
    match s(&d["status"]) {
        "failed" | "cancelled" => Err(CliError {
            code: EXIT_DEPLOYMENT_FAILED,
            message: format!(
                "deployment {} {}{}",
                s(&d["id"]),
                s(&d["status"]),
                d["error"]
                    .as_str()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
        }),
        _ => Ok(()),
    }
}

fn assignments(items: &[String]) -> CliResult<Value> {
    let mut map = serde_json::Map::new();
    for item in items {
        let (k, v) = item.split_once('=').ok_or_else(|| CliError {
            code: EXIT_USAGE,
            message: format!("{item:?} is not NAME=VALUE"),
        })?;
        map.insert(
            k.to_string(),
            if v.is_empty() { Value::Null } else { json!(v) },
        );
    }
    Ok(Value::Object(map))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn short(sha: &str) -> &str {
    sha.char_indices().nth(7).map_or(sha, |(i, _)| &sha[..i])
}

fn env_line(e: &Value) -> String {
    let commit = &e["currentCommit"];
    let what = if commit.is_null() {
        "-".to_string()
    } else {
        format!(
            "{} {}",
            short(s(&commit["sha"])),
            s(&commit["message"]).lines().next().unwrap_or("")
        )
    };
    format!(
        "  {:<14} {:<10} {}{}\n",
        s(&e["name"]),
        s(&e["state"]),
        what,
        if e["protected"].as_bool() == Some(true) {
            "  [protected]"
        } else {
            ""
        }
    )
}

fn deployment_line(d: &Value) -> String {
    let duration = d["durationMs"]
        .as_i64()
        .map(|ms| format!(" in {:.1}s", ms as f64 / 1000.0))
        .unwrap_or_default();
    let error = d["error"]
        .as_str()
        .map(|e| format!(" — {e}"))
        .unwrap_or_default();
    format!(
        "{} {} {} {:<9} {:<8} {} {}{}{}",
        s(&d["id"]),
        s(&d["environment"]),
        s(&d["kind"]),
        s(&d["status"]),
        s(&d["trigger"]),
        short(s(&d["commit"]["sha"])),
        s(&d["commit"]["message"]).lines().next().unwrap_or(""),
        duration,
        error
    )
}
