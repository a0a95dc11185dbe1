//! One arm per command, and following a deployment to its end.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use trellis_http::views::{
    AppView, CreateAppRequest, DeployRequest, DeploymentView, EmptyRequest, LogsView, Provider,
    RejectRequest, RepositoryView, RollbackRequest, SettingsView, UpdateEnvironmentRequest,
};

use super::output::*;
use super::*;

impl Client {
    pub async fn run(&self, command: ClientCommand) -> CliResult<()> {
        use ClientCommand::*;
        match command {
            Apps => {
                let apps = self.get("/api/apps").await?;
                self.print(&apps, apps_text);
            }
            Envs { app } => {
                let app = self.get(&format!("/api/apps/{app}")).await?;
                self.print(&app["environments"], environments_text);
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
                let body = CreateAppRequest {
                    name,
                    repository: RepositoryView {
                        provider: Provider::Local,
                        path: Some(path.display().to_string()),
                        full_name: None,
                        installation_id: None,
                    },
                    environments: None,
                    settings: SettingsView {
                        install_command,
                        test_command,
                        deploy_command,
                        remove_command,
                        ..SettingsView::default()
                    },
                };
                let app = self.post("/api/apps", &body).await?;
                self.print(&app, |a| match decode::<AppView>(a) {
                    Ok(a) => format!("created app {}", a.name),
                    Err(unexpected) => unexpected,
                });
            }
            Configure {
                app,
                env,
                branch,
                auto_deploy,
                tests,
                cache,
                vars,
                secrets,
            } => {
                let body = UpdateEnvironmentRequest {
                    branch: branch.map(Some),
                    auto_deploy,
                    requires_approval: None,
                    tests_enabled: tests,
                    dependency_cache: cache,
                    variables: assignments(&vars)?,
                    secrets: assignments(&secrets)?,
                    settings: None,
                };
                let e = self
                    .send(
                        reqwest::Method::PATCH,
                        &format!("/api/apps/{app}/environments/{env}"),
                        &body,
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
                let body = DeployRequest { reference };
                let d = self
                    .post(&format!("/api/apps/{app}/environments/{env}/deploy"), &body)
                    .await?;
                self.started(d, follow).await?;
            }
            Promote {
                app,
                env,
                dry_run: true,
                ..
            } => {
                // Every page: a dry run is read once, by a person deciding.
                let path = format!("/api/apps/{app}/environments/{env}/promote");
                let mut preview = self.get(&format!("{path}?limit=100")).await?;
                while let Some(skip) = preview["nextSkip"].as_u64() {
                    let next = self.get(&format!("{path}?limit=100&skip={skip}")).await?;
                    if let (Some(all), Some(more)) = (
                        preview["commits"].as_array_mut(),
                        next["commits"].as_array(),
                    ) {
                        all.extend(more.iter().cloned());
                    }
                    preview["nextSkip"] = next["nextSkip"].clone();
                }
                self.print(&preview, promotion_text);
            }
            Promote {
                app, env, follow, ..
            } => {
                let d = self
                    .post(
                        &format!("/api/apps/{app}/environments/{env}/promote"),
                        &EmptyRequest {},
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
                        &RollbackRequest {
                            deployment_id: deployment,
                        },
                    )
                    .await?;
                self.started(d, follow).await?;
            }
            Teardown { app, env, follow } => {
                let d = self
                    .post(
                        &format!("/api/apps/{app}/environments/{env}/teardown"),
                        &EmptyRequest {},
                    )
                    .await?;
                self.started(d, follow).await?;
            }
            Approve { deployment, follow } => {
                let d = self
                    .post(
                        &format!("/api/deployments/{deployment}/approve"),
                        &EmptyRequest {},
                    )
                    .await?;
                self.started(d, follow).await?;
            }
            Reject { deployment, reason } => {
                let d = self
                    .post(
                        &format!("/api/deployments/{deployment}/reject"),
                        &RejectRequest { reason },
                    )
                    .await?;
                self.print(&d, deployment_line);
            }
            Cancel { deployment } => {
                let d = self
                    .post(
                        &format!("/api/deployments/{deployment}/cancel"),
                        &EmptyRequest {},
                    )
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
            Login { name } => return self.login(name).await,
            Logout => return self.logout().await,
            Whoami => return self.whoami().await,
            Audit {
                app,
                actor,
                since,
                limit,
            } => return self.audit(app, actor, since, limit).await,
            Cache { app, env, clear } => {
                let path = format!("/api/apps/{app}/environments/{env}/cache");
                if clear {
                    let cleared = self.call(reqwest::Method::DELETE, &path, None).await?;
                    self.print(&cleared, cleared_cache_text);
                } else {
                    let cache = self.get(&path).await?;
                    self.print(&cache, cache_text);
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
        let id = decode::<DeploymentView>(&d)
            .map_err(|message| CliError {
                code: EXIT_API_ERROR,
                message,
            })?
            .id;
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
            let page: LogsView = decode(&page).map_err(|message| CliError {
                code: EXIT_API_ERROR,
                message,
            })?;
            for line in &page.lines {
                after = line.seq;
                if self.json {
                    println!("{}", serde_json::to_string(line).unwrap_or_default());
                } else {
                    println!("{}", line.text);
                }
            }
            if page.complete || (!follow && page.lines.is_empty()) {
                return Ok(());
            }
            if page.lines.is_empty() {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

fn exit_for(d: &Value) -> CliResult<()> {
    let d: DeploymentView = decode(d).map_err(|message| CliError {
        code: EXIT_API_ERROR,
        message,
    })?;
    match d.status.as_str() {
        "failed" | "cancelled" => Err(CliError {
            code: EXIT_DEPLOYMENT_FAILED,
            message: format!(
                "deployment {} {}{}",
                d.id,
                d.status,
                d.error.map(|e| format!(": {e}")).unwrap_or_default()
            ),
        }),
        _ => Ok(()),
    }
}

/// `NAME=VALUE` sets, `NAME=` removes; nothing given leaves the map alone.
type Assignments = Option<BTreeMap<String, Option<String>>>;

fn assignments(items: &[String]) -> CliResult<Assignments> {
    if items.is_empty() {
        return Ok(None);
    }
    let mut map = BTreeMap::new();
    for item in items {
        let (k, v) = item.split_once('=').ok_or_else(|| CliError {
            code: EXIT_USAGE,
            message: format!("{item:?} is not NAME=VALUE"),
        })?;
        map.insert(k.to_string(), (!v.is_empty()).then(|| v.to_string()));
    }
    Ok(Some(map))
}
