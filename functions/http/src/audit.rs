//! Every state-changing API request goes into the audit log: who, what, on which app and
//! target, under which request id, and how it ended. Bodies are never recorded; a handler
//! may add what changed by name (never a value) with an [`AuditNote`].

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use trellis_core::access::{Actor, AuditRecord};

use crate::state::AppState;

/// The header a request id is taken from (API Gateway's own id, when a proxy sets it) and
/// given back in.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// What a handler adds to its answer for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub app: Option<String>,
    pub target: Option<String>,
    /// Names of what changed (variables, secrets), never values.
    pub detail: Option<String>,
}

/// Middleware (inside authentication, so the actor is known).
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.is_ascii())
        .map(str::to_string)
        .unwrap_or_else(|| ulid::Ulid::new().to_string());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    // A live ticket is asked for on every page load by a session already audited at sign-in.
    if method.is_safe() || route == "/api/live/ticket" {
        return with_request_id(next.run(request).await, &request_id);
    }
    let actor = request.extensions().get::<Actor>().cloned();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let note = response
        .extensions()
        .get::<AuditNote>()
        .cloned()
        .unwrap_or_default();
    let (action, mut app, target) = describe(method.as_str(), &route, &path, note.clone());
    if app.is_none() && route.starts_with("/api/deployments/{id}") {
        // Approvals, rejections and cancels (allowed or refused) belong to the deployment's
        // app, where its admins look for them.
        app = deployment_app(&state, &path).await;
    }
    let entry = AuditRecord {
        actor: actor.map_or_else(|| "unknown".into(), |a| a.label()),
        action,
        app,
        target,
        request_id: request_id.clone(),
        status: response.status().as_u16(),
        detail: note.detail,
    };
    write(&state, entry).await;
    with_request_id(response, &request_id)
}

async fn deployment_app(state: &AppState, path: &str) -> Option<String> {
    let id = path
        .trim_start_matches("/api/deployments/")
        .split('/')
        .next()?;
    match state.pipeline.require_deployment(id).await {
        Ok(deployment) => Some(deployment.app),
        Err(_) => None,
    }
}

/// Writes an entry for an action that has happened. A failure is logged, not answered:
/// failing the answer now would make the caller retry what was done.
pub async fn write(state: &AppState, entry: AuditRecord) {
    let request_id = entry.request_id.clone();
    if let Err(e) = state.access.record(entry).await {
        tracing::error!(%request_id, "writing the audit entry failed: {e}");
    }
}

fn with_request_id(mut response: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}

/// The action's name, its app and its target, from the route it matched.
fn describe(
    method: &str,
    route: &str,
    path: &str,
    note: AuditNote,
) -> (String, Option<String>, String) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let segment = |i: usize| parts.get(i).map(|s| s.to_string());
    let action = match (method, route) {
        ("POST", "/api/apps") => "app.create",
        ("PATCH", "/api/apps/{app}") => "app.update",
        ("DELETE", "/api/apps/{app}") => "app.delete",
        ("PATCH", "/api/apps/{app}/environments/{env}") => "environment.update",
        ("POST", "/api/apps/{app}/environments/{env}/deploy") => "deploy",
        ("POST", "/api/apps/{app}/environments/{env}/promote") => "promote",
        ("POST", "/api/apps/{app}/environments/{env}/rollback") => "rollback",
        ("POST", "/api/apps/{app}/environments/{env}/teardown") => "teardown",
        ("POST", "/api/deployments/{id}/cancel") => "cancel",
        ("POST", "/api/deployments/{id}/approve") => "approve",
        ("POST", "/api/deployments/{id}/reject") => "reject",
        ("PUT", "/api/apps/{app}/members/{login}") => "member.set",
        ("DELETE", "/api/apps/{app}/members/{login}") => "member.remove",
        ("POST", "/api/tokens") => "token.create",
        ("DELETE", "/api/tokens/{id}") => "token.revoke",
        ("POST", "/api/auth/logout") => "sign-out",
        ("POST", "/api/github/manifest") => "github.manifest",
        ("POST", "/api/apps/{app}/notifications") => "notification.create",
        ("DELETE", "/api/apps/{app}/notifications/{id}") => "notification.delete",
        ("DELETE", "/api/apps/{app}/environments/{env}/cache") => "cache.clear",
        _ => "",
    };
    let action = if action.is_empty() {
        format!("{method} {route}")
    } else {
        action.to_string()
    };
    let from_path = if route.starts_with("/api/apps/{app}") {
        segment(2)
    } else {
        None
    };
    let app = note.app.or(from_path);
    let target = note.target.unwrap_or_else(|| match route {
        r if r.starts_with("/api/apps/{app}/environments/{env}") => {
            format!(
                "{}/{}",
                segment(2).unwrap_or_default(),
                segment(4).unwrap_or_default()
            )
        }
        r if r.starts_with("/api/apps/{app}/members/{login}") => {
            format!(
                "{}/{}",
                segment(2).unwrap_or_default(),
                segment(4).unwrap_or_default()
            )
        }
        r if r.starts_with("/api/apps/{app}") => segment(2).unwrap_or_default(),
        "/api/deployments/{id}/cancel"
        | "/api/deployments/{id}/approve"
        | "/api/deployments/{id}/reject"
        | "/api/tokens/{id}" => segment(2).unwrap_or_default(),
        _ => path.to_string(),
    });
    (action, app, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_become_actions_with_their_app_and_target() {
        let d = |m, r, p| describe(m, r, p, AuditNote::default());
        assert_eq!(
            d(
                "POST",
                "/api/apps/{app}/environments/{env}/promote",
                "/api/apps/shop/environments/staging/promote"
            ),
            ("promote".into(), Some("shop".into()), "shop/staging".into())
        );
        assert_eq!(
            d(
                "POST",
                "/api/deployments/{id}/cancel",
                "/api/deployments/01X/cancel"
            ),
            ("cancel".into(), None, "01X".into())
        );
        assert_eq!(
            d(
                "PUT",
                "/api/apps/{app}/members/{login}",
                "/api/apps/shop/members/ada"
            ),
            ("member.set".into(), Some("shop".into()), "shop/ada".into())
        );
        let noted = describe(
            "POST",
            "/api/apps",
            "/api/apps",
            AuditNote {
                app: Some("shop".into()),
                target: Some("shop".into()),
                detail: None,
            },
        );
        assert_eq!(
            noted,
            ("app.create".into(), Some("shop".into()), "shop".into())
        );
    }
}
