//! Generates, from the function table: `cdk/functions.json`, each binary's `main`, and the
//! `[[bin]]` entries of this crate's `Cargo.toml`.

use serde::Serialize;

use super::{FUNCTIONS, Function, Permission, Trigger};

/// The symbolic resources permissions name, for the stack to map to ARNs.
const RESOURCES: &[(&str, &str)] = &[
    (
        "table",
        "the Trellis DynamoDB table and its indexes (table/<name>/index/*)",
    ),
    (
        "apiTokenSecret",
        "the Secrets Manager secret holding the API token",
    ),
    (
        "webhookSecret",
        "the Secrets Manager secret holding the GitHub webhook secret",
    ),
    (
        "githubAppSecret",
        "the Secrets Manager secret holding the GitHub App's {appId, privateKey}",
    ),
    (
        "appSecrets",
        "the per-app secrets under TRELLIS_SECRETS_PREFIX (<prefix>/*)",
    ),
    (
        "jobObjects",
        "sealed runner jobs in the jobs bucket (jobs/*)",
    ),
    (
        "resultObjects",
        "runner results in the jobs bucket (results/*)",
    ),
    (
        "cacheBucket",
        "the dependency cache bucket itself (listing what an environment's cache holds)",
    ),
    (
        "cacheObjects",
        "environments' dependency cache archives in the cache bucket (cache/*)",
    ),
    (
        "runnerTaskDefinition",
        "the build-runner task definition (every revision of its family)",
    ),
    ("runnerTasks", "tasks in the runner cluster"),
    (
        "runnerExecutionRole",
        "the runner task definition's execution role (image pull, awslogs), passed to ECS",
    ),
    (
        "deployRoles",
        "the environments' deploy roles (names starting with the stack's deploy role prefix), passed to ECS as the task role",
    ),
    (
        "websocketConnections",
        "the WebSocket API's @connections management endpoint",
    ),
];

/// Every configuration variable a function may read, and what the stack sets it to.
const ENVIRONMENT: &[(&str, &str)] = &[
    ("TRELLIS_TABLE", "the table's name"),
    ("TRELLIS_API_TOKEN_SECRET", "ARN of the API token secret"),
    ("TRELLIS_WEBHOOK_SECRET_ID", "ARN of the webhook secret"),
    ("TRELLIS_GITHUB_APP_SECRET", "ARN of the GitHub App secret"),
    (
        "TRELLIS_SECRETS_PREFIX",
        "name prefix of the per-app secrets",
    ),
    (
        "TRELLIS_WS_ENDPOINT",
        "https URL of the WebSocket API's stage (management endpoint)",
    ),
    ("TRELLIS_JOBS_BUCKET", "name of the jobs bucket"),
    (
        "TRELLIS_CACHE_BUCKET",
        "name of the dependency cache bucket",
    ),
    ("TRELLIS_ECS_CLUSTER", "the runner cluster's name"),
    (
        "TRELLIS_ECS_TASK_DEFINITION",
        "the runner task definition's ARN",
    ),
    ("TRELLIS_ECS_CONTAINER", "the runner container's name"),
    ("TRELLIS_ECS_SUBNETS", "comma-separated public subnet ids"),
    (
        "TRELLIS_ECS_SECURITY_GROUPS",
        "comma-separated security group ids",
    ),
    (
        "TRELLIS_ECS_PUBLIC_IP",
        "true: runner tasks get a public IP (no NAT gateway)",
    ),
    (
        "TRELLIS_DEPLOY_ROLE_ARN_PREFIX",
        "arn:<partition>:iam::<account>:role/<deploy role prefix>: the roles Trellis may pass to a runner",
    ),
    (
        "TRELLIS_GITHUB_URL",
        "GitHub's web address (https://github.com, or a GitHub Enterprise Server's)",
    ),
    (
        "TRELLIS_GITHUB_API",
        "GitHub's REST API address (https://api.github.com, or <server>/api/v3)",
    ),
    (
        "TRELLIS_SESSION_HOURS",
        "how long a dashboard session lasts, in hours (1 to 720)",
    ),
    (
        "TRELLIS_AUDIT_RETENTION_DAYS",
        "how long audit entries are kept, in days (1 to 3650; DynamoDB's TTL removes them)",
    ),
];

#[derive(Serialize)]
struct Manifest {
    comment: &'static str,
    resources: serde_json::Map<String, serde_json::Value>,
    environment: serde_json::Map<String, serde_json::Value>,
    table: serde_json::Value,
    runner: serde_json::Value,
    functions: Vec<FunctionEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FunctionEntry {
    name: &'static str,
    summary: &'static str,
    trigger: serde_json::Value,
    memory_mb: u32,
    timeout_seconds: u32,
    environment: Vec<&'static str>,
    permissions: Vec<Permission>,
}

fn trigger(t: Trigger) -> serde_json::Value {
    use serde_json::json;
    match t {
        Trigger::Http {
            method,
            path,
            authenticated,
        } => {
            json!({"type": "http", "method": method, "path": path, "authenticated": authenticated})
        }
        Trigger::WebSocket { route } => json!({"type": "websocket", "route": route}),
        Trigger::LogSubscription => json!({"type": "logSubscription"}),
        Trigger::TaskStateChange => json!({"type": "taskStateChange"}),
        Trigger::Schedule { rate_minutes } => {
            json!({"type": "schedule", "rateMinutes": rate_minutes})
        }
    }
}

fn described(pairs: &[(&str, &str)]) -> serde_json::Map<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect()
}

/// `cdk/functions.json`.
pub fn manifest_json() -> String {
    use trellis_aws::dynamo::{GSI_ACTIVE, GSI_HISTORY, GSI_RUNNER};
    let index = |name: &str, n: u8| {
        serde_json::json!({"name": name, "partitionKey": format!("gsi{n}pk"),
            "sortKey": format!("gsi{n}sk"), "projection": "ALL"})
    };
    let manifest = Manifest {
        comment: "Generated from functions/lambdas/src/manifest by `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`. Do not edit.",
        resources: described(RESOURCES),
        environment: described(ENVIRONMENT),
        table: serde_json::json!({
            "partitionKey": "pk",
            "sortKey": "sk",
            "ttlAttribute": "ttl",
            "indexes": [index(GSI_HISTORY, 1), index(GSI_ACTIVE, 2), index(GSI_RUNNER, 3)],
        }),
        runner: serde_json::json!({
            "container": "runner",
            "jobsPrefix": "jobs/",
            "cachePrefix": "cache/",
            "resultsPrefix": "results/",
            "environment": ["TRELLIS_DEPLOYMENT_ID", "TRELLIS_APP", "TRELLIS_ENVIRONMENT", "TRELLIS_JOB_URL"],
        }),
        functions: FUNCTIONS
            .iter()
            .map(|f| FunctionEntry {
                name: f.name,
                summary: f.summary,
                trigger: trigger(f.trigger),
                memory_mb: f.memory_mb,
                timeout_seconds: f.timeout_seconds,
                environment: f.environment(),
                permissions: f.permissions(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&manifest).expect("the manifest serializes") + "\n"
}

/// The names every permission and variable may use (the stack knows exactly these).
pub fn known_resources() -> impl Iterator<Item = &'static str> {
    RESOURCES.iter().map(|(r, _)| *r)
}

pub fn known_variables() -> impl Iterator<Item = &'static str> {
    ENVIRONMENT.iter().map(|(v, _)| *v)
}

const GENERATED: &str = "//!\n//! Generated from the function table (`src/manifest/table.rs`): change it there, then run\n//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`.\n";

/// The source of `src/bin/<name>.rs`.
pub fn main_source(f: &Function) -> String {
    let (title, body) = match (f.trigger, f.handler) {
        (Trigger::Http { method, path, .. }, Some(handler)) => (
            format!("`{method} {path}`"),
            format!(
                "    let route = axum::routing::{}({handler});\n    trellis_lambdas::serve_http({:?}, route).await\n",
                method.to_lowercase(),
                f.name
            ),
        ),
        (trigger, _) => (
            match trigger {
                Trigger::WebSocket { route } => format!("WebSocket `{route}`"),
                Trigger::LogSubscription => "CloudWatch Logs subscription".into(),
                Trigger::TaskStateChange => "EventBridge `ECS Task State Change`".into(),
                Trigger::Schedule { rate_minutes } => format!("Every {rate_minutes} minutes"),
                Trigger::Http { method, path, .. } => format!("`{method} {path}`"),
            },
            format!("    trellis_lambdas::serve_event({:?}).await\n", f.name),
        ),
    };
    format!(
        "//! {title}: {}\n{GENERATED}\n#[tokio::main]\nasync fn main() -> Result<(), trellis_lambdas::Error> {{\n{body}}}\n",
        f.summary
    )
}

pub const BINS_BEGIN: &str = "# BEGIN generated: one binary per function (src/manifest/table.rs)";
pub const BINS_END: &str = "# END generated";

/// The `[[bin]]` entries, between [`BINS_BEGIN`] and [`BINS_END`] in `Cargo.toml`.
pub fn cargo_bins() -> String {
    let mut names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
    names.sort_unstable();
    let mut out = format!("{BINS_BEGIN}\n");
    for name in names {
        out.push_str(&format!(
            "\n[[bin]]\nname = \"{name}\"\npath = \"src/bin/{name}.rs\"\ntest = false\n"
        ));
    }
    out.push_str(&format!("\n{BINS_END}\n"));
    out
}
