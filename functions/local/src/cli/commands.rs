//! One arm per command, and following a deployment to its end.

use std::time::Duration;

use serde_json::{Value, json};

use super::output::*;
use super::*;

impl Client {
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
