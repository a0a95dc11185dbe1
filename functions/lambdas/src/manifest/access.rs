//! What a row of the table grants: IAM actions on the stack's resources (named symbolically;
//! the stack maps each name to ARNs) and the configuration variables the function reads.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{AppSecretsAccess, Function, TableAccess};

/// Actions on one of the stack's resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Permission {
    pub resource: &'static str,
    pub actions: Vec<&'static str>,
}

const TABLE_READ: &[&str] = &["dynamodb:GetItem", "dynamodb:Query"];
/// `TransactWriteItems` is no IAM action of its own: DynamoDB authorizes each write it carries
/// by that write's action (the store's transactions put, update and delete; none only checks).
const TABLE_WRITE: &[&str] = &[
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
const GET_SECRET: &str = "secretsmanager:GetSecretValue";

/// Everything a function that starts runners needs: it reads the environment's secrets and
/// the GitHub App key (to mint a one-repository clone token), seals the job into the jobs
/// bucket with links the task uses instead of credentials, and runs the task with the
/// environment's deploy role.
const LAUNCH: &[(&str, &[&str])] = &[
    ("appSecrets", &[GET_SECRET]),
    ("githubAppSecret", &[GET_SECRET]),
    (
        "jobObjects",
        &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
    ),
    ("resultObjects", &["s3:PutObject"]),
    // Signs the job's links to its environment's dependency cache (restore and save).
    ("cacheObjects", &["s3:GetObject", "s3:PutObject"]),
    ("runnerTaskDefinition", &["ecs:RunTask"]),
    ("runnerExecutionRole", &["iam:PassRole"]),
    ("deployRoles", &["iam:PassRole"]),
];
const LAUNCH_ENV: &[&str] = &[
    "TRELLIS_SECRETS_PREFIX",
    "TRELLIS_GITHUB_APP_SECRET",
    "TRELLIS_JOBS_BUCKET",
    "TRELLIS_CACHE_BUCKET",
    "TRELLIS_ECS_CLUSTER",
    "TRELLIS_ECS_TASK_DEFINITION",
    "TRELLIS_ECS_CONTAINER",
    "TRELLIS_ECS_SUBNETS",
    "TRELLIS_ECS_SECURITY_GROUPS",
    "TRELLIS_ECS_PUBLIC_IP",
    "TRELLIS_DEPLOY_ROLE_ARN_PREFIX",
    "TRELLIS_GITHUB_API",
    "TRELLIS_GITHUB_URL",
];

impl Function {
    /// Exactly the IAM actions the function's code calls, by resource (sorted, merged).
    pub fn permissions(&self) -> Vec<Permission> {
        let mut grants: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
        let mut grant = |resource: &'static str, actions: &[&'static str]| {
            grants.entry(resource).or_default().extend(actions);
        };
        match self.table {
            TableAccess::None => {}
            TableAccess::Read => grant("table", TABLE_READ),
            TableAccess::Write => {
                grant("table", TABLE_READ);
                grant("table", TABLE_WRITE);
            }
            TableAccess::Items(actions) => grant("table", actions),
        }
        match self.app_secrets {
            AppSecretsAccess::None => {}
            // Removing an app's last secret value deletes its secret (it costs per month).
            AppSecretsAccess::Write => grant(
                "appSecrets",
                &[
                    "secretsmanager:CreateSecret",
                    "secretsmanager:DeleteSecret",
                    GET_SECRET,
                    "secretsmanager:PutSecretValue",
                ],
            ),
            AppSecretsAccess::Delete => grant(
                "appSecrets",
                &[
                    "secretsmanager:DeleteSecret",
                    GET_SECRET,
                    "secretsmanager:PutSecretValue",
                ],
            ),
        }
        let needs = self.needs;
        if needs.token {
            grant("apiTokenSecret", &[GET_SECRET]);
        }
        if needs.webhook {
            grant("webhookSecret", &[GET_SECRET]);
        }
        if needs.notifier {
            grant("websocketConnections", &["execute-api:ManageConnections"]);
        }
        if needs.launch {
            for (resource, actions) in LAUNCH {
                grant(resource, actions);
            }
        }
        if needs.stop {
            grant("runnerTasks", &["ecs:StopTask"]);
        }
        if needs.github_app {
            grant("githubAppSecret", &[GET_SECRET]);
        }
        if needs.connect_github {
            grant(
                "githubAppSecret",
                &[GET_SECRET, "secretsmanager:PutSecretValue"],
            );
        }
        if needs.cache_read || needs.cache_clear {
            grant("cacheBucket", &["s3:ListBucket"]);
        }
        if needs.cache_clear {
            grant("cacheObjects", &["s3:DeleteObject"]);
        }
        if self.runner_results {
            grant("resultObjects", &["s3:DeleteObject", "s3:GetObject"]);
            grant("jobObjects", &["s3:DeleteObject"]);
        }
        grants
            .into_iter()
            .map(|(resource, actions)| Permission {
                resource,
                actions: actions.into_iter().collect(),
            })
            .collect()
    }

    /// The configuration variables the function reads (sorted).
    pub fn environment(&self) -> Vec<&'static str> {
        let mut vars = BTreeSet::from(["TRELLIS_TABLE"]);
        let needs = self.needs;
        if needs.token {
            vars.insert("TRELLIS_API_TOKEN_SECRET");
        }
        if needs.webhook {
            vars.insert("TRELLIS_WEBHOOK_SECRET_ID");
        }
        if needs.notifier {
            vars.insert("TRELLIS_WS_ENDPOINT");
        }
        if needs.launch {
            vars.extend(LAUNCH_ENV);
        }
        if needs.stop {
            vars.insert("TRELLIS_ECS_CLUSTER");
        }
        if needs.github_app || needs.connect_github {
            vars.extend([
                "TRELLIS_GITHUB_APP_SECRET",
                "TRELLIS_GITHUB_URL",
                "TRELLIS_GITHUB_API",
                "TRELLIS_SESSION_HOURS",
            ]);
        }
        // Every API route may write the audit log (state changes, refusals, sign-ins).
        if matches!(self.trigger, super::Trigger::Http { .. }) {
            vars.insert("TRELLIS_AUDIT_RETENTION_DAYS");
        }
        if needs.cache_read || needs.cache_clear {
            vars.insert("TRELLIS_CACHE_BUCKET");
        }
        if self.runner_results {
            vars.insert("TRELLIS_JOBS_BUCKET");
        }
        if self.app_secrets != AppSecretsAccess::None {
            vars.insert("TRELLIS_SECRETS_PREFIX");
        }
        vars.into_iter().collect()
    }
}
