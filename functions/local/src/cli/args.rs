//! The client commands' arguments.

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
    /// API token; defaults to $TRELLIS_TOKEN, then the token `trellis login` saved for this
    /// server, then <data-dir>/admin-token.
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
        /// Restore and save the package manager's download cache (on by default).
        #[arg(long)]
        cache: Option<bool>,
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
        /// Only show what the promotion would ship (commits, changed settings); start nothing.
        #[arg(long, conflicts_with = "follow")]
        dry_run: bool,
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
    /// Cancel a deployment that waits or runs.
    Cancel { deployment: String },
    /// Approve a deployment awaiting approval (an admin other than its requester).
    Approve {
        deployment: String,
        #[arg(long)]
        follow: bool,
    },
    /// Reject a deployment awaiting approval, saying why.
    Reject {
        deployment: String,
        #[arg(long)]
        reason: String,
    },
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
    /// Show an environment's dependency cache, or clear it (the next install starts clean).
    Cache {
        app: String,
        env: String,
        #[arg(long)]
        clear: bool,
    },
    /// Show a deployment; exits 1 if it failed or was cancelled.
    Status { deployment: String },
    /// Sign in with GitHub (device flow) and save a personal token for this server.
    Login {
        /// The token's name, as the dashboard lists it.
        #[arg(long)]
        name: Option<String>,
    },
    /// Revoke the saved token and forget it.
    Logout,
    /// Who the token acts as.
    Whoami,
    /// The audit log, newest first (admins; users give --app).
    Audit {
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        actor: Option<String>,
        /// RFC 3339, e.g. 2026-11-29T00:00:00Z.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}
