//! The rows of the function table (see the module's documentation).

use super::AppSecretsAccess::{self, Delete, Write as SecretsWrite};
use super::TableAccess::{self, Read, Write};
use super::{Function, Trigger};
use crate::services::Needs;

const API: Needs = Needs {
    token: true,
    ..Needs::NONE
};
/// API routes that start runners (and push the status change).
const START: Needs = Needs {
    launch: true,
    notifier: true,
    token: true,
    ..Needs::NONE
};
/// Sign-in: the GitHub App's OAuth client, from its secret.
const SIGN_IN: Needs = Needs {
    github_app: true,
    ..Needs::NONE
};
const E: &str = "/api/apps/{app}/environments/{env}";

const fn http(method: &'static str, path: &'static str) -> Trigger {
    Trigger::Http {
        method,
        path,
        authenticated: true,
    }
}

const fn public(method: &'static str, path: &'static str) -> Trigger {
    Trigger::Http {
        method,
        path,
        authenticated: false,
    }
}

const fn route(
    name: &'static str,
    summary: &'static str,
    trigger: Trigger,
    handler: &'static str,
    table: TableAccess,
    needs: Needs,
) -> Function {
    Function {
        name,
        summary,
        trigger,
        handler: Some(handler),
        table,
        app_secrets: AppSecretsAccess::None,
        runner_results: false,
        needs,
        memory_mb: 256,
        timeout_seconds: 10,
    }
}

const fn event(
    name: &'static str,
    summary: &'static str,
    trigger: Trigger,
    needs: Needs,
    timeout_seconds: u32,
) -> Function {
    Function {
        name,
        summary,
        trigger,
        handler: None,
        table: Write,
        app_secrets: AppSecretsAccess::None,
        runner_results: false,
        needs,
        memory_mb: 256,
        timeout_seconds,
    }
}

const fn items(mut f: Function, actions: &'static [&'static str]) -> Function {
    f.table = TableAccess::Items(actions);
    f
}

const fn with_secrets(mut f: Function, access: AppSecretsAccess) -> Function {
    f.app_secrets = access;
    f
}

const fn slower(mut f: Function, timeout_seconds: u32) -> Function {
    f.timeout_seconds = timeout_seconds;
    f
}

const fn reading_results(mut f: Function) -> Function {
    f.runner_results = true;
    f
}

const NO_TABLE: TableAccess = TableAccess::None;

#[rustfmt::skip]
pub static FUNCTIONS: &[Function] = &[
    route("api-health", "Answers 200: the API is up.", public("GET", "/api/health"),
        "trellis_http::routes::meta::health", NO_TABLE, Needs::NONE),
    route("api-openapi", "Serves the OpenAPI document.", public("GET", "/api/openapi.json"),
        "trellis_http::routes::meta::openapi", NO_TABLE, Needs::NONE),
    route("apps-list", "Lists the apps.", http("GET", "/api/apps"),
        "trellis_http::routes::apps::list_apps", Read, API),
    route("apps-create", "Registers an app (a user: a GitHub repository they administer).",
        http("POST", "/api/apps"), "trellis_http::routes::apps::create_app", Write,
        Needs { github_app: true, token: true, ..Needs::NONE }),
    route("app-branches", "The branches of an app's repository.",
        http("GET", "/api/apps/{app}/branches"), "trellis_http::routes::apps::list_branches",
        Read, Needs { github_app: true, token: true, ..Needs::NONE }),
    route("app-get", "One app with its environments.", http("GET", "/api/apps/{app}"),
        "trellis_http::routes::apps::get_app", Read, API),
    route("app-update", "Changes an app's settings.", http("PATCH", "/api/apps/{app}"),
        "trellis_http::routes::apps::update_app", Write, API),
    with_secrets(
        route("app-delete", "Deletes an app, its secrets and its dependency caches.",
            http("DELETE", "/api/apps/{app}"), "trellis_http::routes::apps::delete_app", Write,
            Needs { cache_clear: true, token: true, ..Needs::NONE }),
        Delete,
    ),
    route("notifications-list", "An app's notification destinations (admins).",
        http("GET", "/api/apps/{app}/notifications"),
        "trellis_http::routes::notifications::list_destinations", Read, API),
    with_secrets(
        route("notifications-create", "A notification destination; its URL and key go to the app's secret.",
            http("POST", "/api/apps/{app}/notifications"),
            "trellis_http::routes::notifications::create_destination", Write, API),
        SecretsWrite,
    ),
    with_secrets(
        route("notification-delete", "Removes a notification destination and its secrets.",
            http("DELETE", "/api/apps/{app}/notifications/{id}"),
            "trellis_http::routes::notifications::delete_destination", Write, API),
        SecretsWrite,
    ),
    route("notification-deliveries", "A destination's recent deliveries and failures.",
        http("GET", "/api/apps/{app}/notifications/{id}/deliveries"),
        "trellis_http::routes::notifications::list_deliveries", Read, API),
    route("environment-get", "One environment.", http("GET", E),
        "trellis_http::routes::environments::get_environment", Read, API),
    with_secrets(
        route("environment-update",
            "Changes an environment's settings, variables and secrets.", http("PATCH", E),
            "trellis_http::routes::environments::update_environment", Write, API),
        SecretsWrite,
    ),
    route("environment-cache", "What an environment's dependency cache holds.",
        http("GET", "/api/apps/{app}/environments/{env}/cache"),
        "trellis_http::routes::cache::get_cache", Read,
        Needs { cache_read: true, token: true, ..Needs::NONE }),
    route("environment-cache-clear", "Clears an environment's dependency cache.",
        http("DELETE", "/api/apps/{app}/environments/{env}/cache"),
        "trellis_http::routes::cache::clear_cache", Write,
        Needs { cache_clear: true, token: true, ..Needs::NONE }),
    route("environment-deployments", "An environment's history, newest first.",
        http("GET", "/api/apps/{app}/environments/{env}/deployments"),
        "trellis_http::routes::environments::list_deployments", Read, API),
    slower(route("environment-deploy", "Deploys a ref (the branch head by default).",
        http("POST", "/api/apps/{app}/environments/{env}/deploy"),
        "trellis_http::routes::environments::deploy", Write, START), 15),
    route("environment-promote-preview", "What a promotion would ship: commits and changed settings.",
        http("GET", "/api/apps/{app}/environments/{env}/promote"),
        "trellis_http::routes::environments::promotion_preview", Read,
        Needs { github_app: true, token: true, ..Needs::NONE }),
    slower(route("environment-promote", "Promotes to the next environment.",
        http("POST", "/api/apps/{app}/environments/{env}/promote"),
        "trellis_http::routes::environments::promote", Write, START), 15),
    slower(route("environment-rollback", "Rolls back to an earlier deployment.",
        http("POST", "/api/apps/{app}/environments/{env}/rollback"),
        "trellis_http::routes::environments::rollback", Write, START), 15),
    slower(route("environment-teardown", "Removes an environment's deployment.",
        http("POST", "/api/apps/{app}/environments/{env}/teardown"),
        "trellis_http::routes::environments::teardown", Write, START), 15),
    route("deployment-get", "One deployment.", http("GET", "/api/deployments/{id}"),
        "trellis_http::routes::deployments::get_deployment", Read, API),
    route("deployment-cancel", "Cancels a queued or running deployment.",
        http("POST", "/api/deployments/{id}/cancel"),
        "trellis_http::routes::deployments::cancel", Write,
        Needs { stop: true, notifier: true, token: true, ..Needs::NONE }),
    slower(route("deployment-approve",
        "An admin approves a deployment into an environment that requires it; it starts.",
        http("POST", "/api/deployments/{id}/approve"),
        "trellis_http::routes::deployments::approve", Write, START), 15),
    route("deployment-reject", "An admin rejects a deployment awaiting approval.",
        http("POST", "/api/deployments/{id}/reject"),
        "trellis_http::routes::deployments::reject", Write,
        Needs { notifier: true, token: true, ..Needs::NONE }),
    route("deployment-logs", "A deployment's log lines after a seq.",
        http("GET", "/api/deployments/{id}/logs"),
        "trellis_http::routes::deployments::logs", Read, API),
    route("me", "Who the caller is (and, with a session, its CSRF token).",
        http("GET", "/api/me"), "trellis_http::routes::team::me", Read, API),
    route("tokens-list", "The caller's personal tokens.", http("GET", "/api/tokens"),
        "trellis_http::routes::team::list_tokens", Read, API),
    route("tokens-create", "Creates a personal token (its secret is answered once).",
        http("POST", "/api/tokens"), "trellis_http::routes::team::create_token", Write, API),
    route("token-revoke", "Revokes one of the caller's personal tokens.",
        http("DELETE", "/api/tokens/{id}"), "trellis_http::routes::team::revoke_token", Write, API),
    route("members-list", "Every role on an app and where it comes from.",
        http("GET", "/api/apps/{app}/members"), "trellis_http::routes::team::list_members",
        Read, API),
    route("member-set", "An admin sets a user's role on an app.",
        http("PUT", "/api/apps/{app}/members/{login}"), "trellis_http::routes::team::set_member",
        Write, API),
    route("member-remove", "An admin removes a user's role override.",
        http("DELETE", "/api/apps/{app}/members/{login}"),
        "trellis_http::routes::team::remove_member", Write, API),
    route("audit-list", "The audit log, newest first.", http("GET", "/api/audit"),
        "trellis_http::routes::audit::list_audit", Read, API),
    route("auth-github", "Sends the browser to GitHub to sign in.",
        public("GET", "/api/auth/github"), "trellis_http::routes::auth::github_login",
        NO_TABLE, SIGN_IN),
    route("auth-callback", "GitHub's sign-in answer: roles refreshed, a session started.",
        public("GET", "/api/auth/github/callback"), "trellis_http::routes::auth::github_callback",
        Write, SIGN_IN),
    route("live-ticket", "A signed-in browser's one-use ticket for the live socket.",
        http("POST", "/api/live/ticket"), "trellis_http::routes::team::live_ticket", Write, API),
    route("auth-logout", "Ends the caller's session.", http("POST", "/api/auth/logout"),
        "trellis_http::routes::auth::logout", Write, API),
    route("auth-device", "Starts a device-flow sign-in (trellis login).",
        public("POST", "/api/auth/device"), "trellis_http::routes::auth::device_start",
        NO_TABLE, SIGN_IN),
    route("auth-device-token", "A device-flow sign-in's outcome: a personal token.",
        public("POST", "/api/auth/device/token"), "trellis_http::routes::auth::device_token",
        Write, SIGN_IN),
    route("github-app", "Whether a GitHub App is connected, and where to install it.",
        http("GET", "/api/github/app"), "trellis_http::routes::github::github_app", Read,
        Needs { github_app: true, token: true, ..Needs::NONE }),
    route("github-repositories", "The repositories the GitHub App is installed on (the picker).",
        http("GET", "/api/github/repositories"),
        "trellis_http::routes::repositories::list_repositories", Read,
        Needs { github_app: true, token: true, ..Needs::NONE }),
    route("github-manifest", "The manifest to create Trellis's GitHub App from.",
        http("POST", "/api/github/manifest"), "trellis_http::routes::github::start_manifest",
        Write, Needs { github_app: true, token: true, ..Needs::NONE }),
    route("github-manifest-callback", "GitHub created the app: its credentials are stored.",
        public("GET", "/api/github/manifest/callback"),
        "trellis_http::routes::github::finish_manifest", Write,
        Needs { connect_github: true, webhook: true, ..Needs::NONE }),
    slower(route("webhook-github", "GitHub deliveries (signature verified); pushes start deployments.",
        public("POST", "/api/webhooks/github"), "trellis_http::webhook::github_webhook", Write,
        Needs { launch: true, notifier: true, webhook: true, ..Needs::NONE }), 15),
    items(event("ws-connect", "WebSocket $connect: checks the token (admin or personal) or a live ticket (used up), records who connected.",
        Trigger::WebSocket { route: "$connect" }, API, 10),
        &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]),
    items(event("ws-disconnect", "WebSocket $disconnect: forgets the connection.",
        Trigger::WebSocket { route: "$disconnect" }, Needs::NONE, 10),
        &["dynamodb:DeleteItem", "dynamodb:GetItem"]),
    items(event("ws-default", "WebSocket messages: subscribe to a deployment or an app the caller may read.",
        Trigger::WebSocket { route: "$default" }, Needs::NONE, 10),
        &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]),
    event("log-forwarder", "Runner log lines: stored by seq and pushed to subscribers.",
        Trigger::LogSubscription, Needs { notifier: true, ..Needs::NONE }, 60),
    reading_results(event("task-state",
        "A runner task stopped: records the deployment's end from its result, starts the next queued one.",
        Trigger::TaskStateChange, Needs { launch: true, notifier: true, ..Needs::NONE }, 30)),
    event("sweeper",
        "Every 5 minutes: fails deployments stuck past their timeout, starts waiting ones.",
        Trigger::Schedule { rate_minutes: 5 },
        Needs { launch: true, stop: true, notifier: true, ..Needs::NONE }, 60),
];
