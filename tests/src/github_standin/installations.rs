//! The app on its installations: listing them (app JWT), installation tokens, the
//! repositories of an installation, collaborator permissions and branches (installation
//! token). An installation token is `ghs_inst-<id>`, so each call knows its installation.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;

use super::{GithubStandIn, Shared, World};

#[derive(Clone)]
pub(super) struct Installed {
    full_name: String,
    private: bool,
}

impl Installed {
    pub(super) fn full_name(&self) -> &str {
        &self.full_name
    }
}

impl GithubStandIn {
    /// The app is installed on `full_name` through installation `id`.
    pub fn install(&self, id: u64, full_name: &str, private: bool) {
        self.world
            .lock()
            .unwrap()
            .installations
            .entry(id)
            .or_default()
            .push(Installed {
                full_name: full_name.into(),
                private,
            });
    }

    /// `full_name` has a branch `name` at `sha`.
    pub fn branch(&self, full_name: &str, name: &str, sha: &str) {
        self.world
            .lock()
            .unwrap()
            .branches
            .entry(full_name.into())
            .or_default()
            .push((name.into(), sha.into()));
    }
}

pub(super) fn routes() -> Router<std::sync::Arc<std::sync::Mutex<World>>> {
    Router::new()
        .route("/app/installations", get(list_installations))
        .route(
            "/app/installations/{id}/access_tokens",
            post(installation_token),
        )
        .route("/installation/repositories", get(repositories))
        .route(
            "/repos/{owner}/{repo}/collaborators/{login}/permission",
            get(permission),
        )
        .route("/repos/{owner}/{repo}/branches", get(branches))
        .route("/repos/{owner}/{repo}/commits/{reference}", get(commit))
        .route("/repos/{owner}/{repo}/compare/{spec}", get(compare))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The app's own token is a JWT: three dot-separated parts.
fn as_app(headers: &HeaderMap) -> Result<(), StatusCode> {
    match bearer(headers) {
        Some(t) if t.split('.').count() == 3 => Ok(()),
        _ => Err(StatusCode::UNAUTHORIZED),
    }
}

pub(super) fn installation_of(headers: &HeaderMap) -> Result<u64, StatusCode> {
    bearer(headers)
        .and_then(|t| t.strip_prefix("ghs_inst-"))
        .and_then(|id| id.parse().ok())
        .ok_or(StatusCode::UNAUTHORIZED)
}

async fn list_installations(
    State(w): Shared,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, StatusCode> {
    as_app(&headers)?;
    let w = w.lock().unwrap();
    Ok(axum::Json(Value::Array(
        w.installations.keys().map(|id| json!({"id": id})).collect(),
    )))
}

async fn installation_token(
    State(w): Shared,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, axum::Json<Value>), StatusCode> {
    as_app(&headers)?;
    let mut w = w.lock().unwrap();
    if !w.installations.contains_key(&id) {
        return Err(StatusCode::NOT_FOUND);
    }
    w.token_scopes
        .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"token": format!("ghs_inst-{id}")})),
    ))
}

async fn repositories(
    State(w): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<axum::Json<Value>, StatusCode> {
    let id = installation_of(&headers)?;
    let number = |k: &str, d: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (per_page, page) = (number("per_page", 30), number("page", 1).max(1));
    let w = w.lock().unwrap();
    let all = w.installations.get(&id).cloned().unwrap_or_default();
    let listed: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|r| json!({"full_name": r.full_name, "private": r.private, "default_branch": "main"}))
        .collect();
    Ok(axum::Json(
        json!({"total_count": all.len(), "repositories": listed}),
    ))
}

pub(super) fn holds(w: &World, installation: u64, full_name: &str) -> bool {
    w.installations
        .get(&installation)
        .is_some_and(|repos| repos.iter().any(|r| r.full_name == full_name))
}

async fn permission(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo, login)): Path<(String, String, String)>,
) -> Result<axum::Json<Value>, StatusCode> {
    let id = installation_of(&headers)?;
    let full_name = format!("{owner}/{repo}");
    let w = w.lock().unwrap();
    if !holds(&w, id, &full_name) {
        return Err(StatusCode::NOT_FOUND);
    }
    let role = w
        .permissions
        .get(&login)
        .and_then(|p| p.get(&full_name))
        .map(|p| match p.as_str() {
            "pull" => "read",
            "push" => "write",
            other => other,
        });
    // `permission` is the older, coarser field: maintain reads as write, triage as read.
    let permission = match role {
        Some("admin") => "admin",
        Some("maintain" | "write") => "write",
        Some("triage" | "read") => "read",
        _ => "none",
    };
    Ok(axum::Json(
        json!({"permission": permission, "role_name": role.unwrap_or("none")}),
    ))
}

async fn branches(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
) -> Result<axum::Json<Value>, StatusCode> {
    let id = installation_of(&headers)?;
    let full_name = format!("{owner}/{repo}");
    let w = w.lock().unwrap();
    if !holds(&w, id, &full_name) {
        return Err(StatusCode::NOT_FOUND);
    }
    let mut listed = w.branches.get(&full_name).cloned().unwrap_or_default();
    if let (true, Some(hosted)) = (listed.is_empty(), w.hosted.get(&full_name)) {
        listed = hosted_branches(hosted);
    }
    Ok(axum::Json(Value::Array(
        listed
            .into_iter()
            .map(|(name, sha)| json!({"name": name, "commit": {"sha": sha}}))
            .collect(),
    )))
}

fn hosted_branches(hosted: &std::path::Path) -> Vec<(String, String)> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(super::git::git_dir(hosted))
        .args([
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/heads",
        ])
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect()
}

async fn commit(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo, reference)): Path<(String, String, String)>,
) -> Result<axum::Json<Value>, StatusCode> {
    let id = installation_of(&headers)?;
    let full_name = format!("{owner}/{repo}");
    let hosted = {
        let w = w.lock().unwrap();
        if !holds(&w, id, &full_name) {
            return Err(StatusCode::NOT_FOUND);
        }
        w.hosted
            .get(&full_name)
            .cloned()
            .ok_or(StatusCode::NOT_FOUND)?
    };
    let (sha, message, author) =
        super::git::commit_of(&hosted, &reference).ok_or(StatusCode::UNPROCESSABLE_ENTITY)?;
    Ok(axum::Json(json!({
        "sha": sha,
        "commit": {"message": message, "author": {"name": author}}
    })))
}

/// `base...head`: what head has over base, oldest first and paged as GitHub does.
async fn compare(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo, spec)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<axum::Json<Value>, StatusCode> {
    let id = installation_of(&headers)?;
    let full_name = format!("{owner}/{repo}");
    let hosted = {
        let mut w = w.lock().unwrap();
        if !holds(&w, id, &full_name) {
            return Err(StatusCode::NOT_FOUND);
        }
        w.compares.push(spec.clone());
        w.hosted
            .get(&full_name)
            .cloned()
            .ok_or(StatusCode::NOT_FOUND)?
    };
    let (base, head) = spec.split_once("...").ok_or(StatusCode::NOT_FOUND)?;
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("--git-dir")
            .arg(super::git::git_dir(&hosted))
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .ok_or(StatusCode::NOT_FOUND)
    };
    let count = |range: String| -> Result<usize, StatusCode> {
        Ok(git(&["rev-list", "--count", &range])?
            .trim()
            .parse()
            .unwrap_or(0))
    };
    let ahead = count(format!("{base}..{head}"))?;
    let behind = count(format!("{head}..{base}"))?;
    let shas: Vec<String> = git(&["rev-list", "--reverse", &format!("{base}..{head}")])?
        .lines()
        .map(str::to_string)
        .collect();
    let number = |k: &str, d: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (per_page, page) = (number("per_page", 250), number("page", 1).max(1));
    let commits: Vec<Value> = shas
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .filter_map(|sha| super::git::commit_of(&hosted, sha))
        .map(|(sha, message, author)| {
            json!({"sha": sha, "commit": {"message": message, "author": {"name": author}}})
        })
        .collect();
    Ok(axum::Json(json!({
        "status": if behind == 0 { "ahead" } else { "diverged" },
        "ahead_by": ahead, "behind_by": behind, "total_commits": ahead,
        "commits": commits
    })))
}
