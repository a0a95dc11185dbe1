//! What the app reports on GitHub: deployments and their statuses, commit statuses. Each is
//! kept in order; the next `fail` calls answer 502, as GitHub sometimes does.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch, post};
use serde_json::{Value, json};

use super::{GithubStandIn, Shared, World};

/// One call that reported something: what kind (`deployment`, `deployment_status`,
/// `commit_status`), where (`owner/name`, and the deployment id or sha), and its body.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: &'static str,
    pub repository: String,
    pub on: String,
    pub body: Value,
}

impl GithubStandIn {
    pub fn reports(&self) -> Vec<Report> {
        self.world.lock().unwrap().reports.clone()
    }

    /// The next `calls` report calls fail with HTTP 502.
    pub fn fail_reports(&self, calls: u32) {
        self.world.lock().unwrap().failing_reports = calls;
    }
}

pub(super) fn routes() -> Router<std::sync::Arc<std::sync::Mutex<World>>> {
    Router::new()
        .route("/repos/{owner}/{repo}/deployments", post(deployment))
        .route(
            "/repos/{owner}/{repo}/deployments/{id}/statuses",
            post(deployment_status),
        )
        .route("/repos/{owner}/{repo}/statuses/{sha}", post(commit_status))
        .route(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            get(list_comments).post(add_comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/comments/{id}",
            patch(edit_comment),
        )
}

/// A pull request's comments as the stand-in keeps them: (id, number, body, edits).
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub repository: String,
    pub number: u64,
    pub body: String,
    pub edits: u32,
}

impl GithubStandIn {
    pub fn comments(&self) -> Vec<Comment> {
        self.world.lock().unwrap().comments.clone()
    }
}

async fn list_comments(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Result<axum::Json<Value>, StatusCode> {
    let full_name = format!("{owner}/{repo}");
    let w = w.lock().unwrap();
    let id = super::installations::installation_of(&headers)?;
    if !super::installations::holds(&w, id, &full_name) {
        return Err(StatusCode::NOT_FOUND);
    }
    Ok(axum::Json(Value::Array(
        w.comments
            .iter()
            .filter(|c| c.repository == full_name && c.number == number)
            .map(|c| json!({"id": c.id, "body": c.body}))
            .collect(),
    )))
}

async fn add_comment(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<Value>,
) -> Result<(StatusCode, axum::Json<Value>), StatusCode> {
    let full_name = format!("{owner}/{repo}");
    let mut w = w.lock().unwrap();
    admit(&mut w, &headers, &full_name)?;
    let id = 7000 + w.comments.len() as u64;
    w.comments.push(Comment {
        id,
        repository: full_name,
        number,
        body: body["body"].as_str().unwrap_or_default().to_string(),
        edits: 0,
    });
    Ok((StatusCode::CREATED, axum::Json(json!({"id": id}))))
}

async fn edit_comment(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    axum::Json(body): axum::Json<Value>,
) -> Result<axum::Json<Value>, StatusCode> {
    let full_name = format!("{owner}/{repo}");
    let mut w = w.lock().unwrap();
    admit(&mut w, &headers, &full_name)?;
    let comment = w
        .comments
        .iter_mut()
        .find(|c| c.id == id && c.repository == full_name)
        .ok_or(StatusCode::NOT_FOUND)?;
    comment.body = body["body"].as_str().unwrap_or_default().to_string();
    comment.edits += 1;
    Ok(axum::Json(json!({"id": id})))
}

/// Takes an installation token of an installation holding the repository, or fails as
/// GitHub would; then the scripted failures.
fn admit(w: &mut World, headers: &HeaderMap, full_name: &str) -> Result<(), StatusCode> {
    let id = super::installations::installation_of(headers)?;
    if !super::installations::holds(w, id, full_name) {
        return Err(StatusCode::NOT_FOUND);
    }
    if w.failing_reports > 0 {
        w.failing_reports -= 1;
        return Err(StatusCode::BAD_GATEWAY);
    }
    Ok(())
}

async fn deployment(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
    axum::Json(body): axum::Json<Value>,
) -> Result<(StatusCode, axum::Json<Value>), StatusCode> {
    let full_name = format!("{owner}/{repo}");
    let mut w = w.lock().unwrap();
    admit(&mut w, &headers, &full_name)?;
    let id = 5000 + w.reports.iter().filter(|r| r.kind == "deployment").count() as u64;
    w.reports.push(Report {
        kind: "deployment",
        repository: full_name,
        on: id.to_string(),
        body,
    });
    Ok((StatusCode::CREATED, axum::Json(json!({"id": id}))))
}

/// Keeps one report of a repository the caller's installation holds.
fn keep(
    w: &Shared,
    headers: &HeaderMap,
    (owner, repo): (String, String),
    kind: &'static str,
    on: String,
    body: Value,
) -> Result<(StatusCode, axum::Json<Value>), StatusCode> {
    let full_name = format!("{owner}/{repo}");
    let mut w = w.0.lock().unwrap();
    admit(&mut w, headers, &full_name)?;
    w.reports.push(Report {
        kind,
        repository: full_name,
        on,
        body,
    });
    Ok((StatusCode::CREATED, axum::Json(json!({"id": 1}))))
}

async fn deployment_status(
    w: Shared,
    headers: HeaderMap,
    Path((owner, repo, id)): Path<(String, String, String)>,
    axum::Json(body): axum::Json<Value>,
) -> Result<(StatusCode, axum::Json<Value>), StatusCode> {
    keep(&w, &headers, (owner, repo), "deployment_status", id, body)
}

async fn commit_status(
    w: Shared,
    headers: HeaderMap,
    Path((owner, repo, sha)): Path<(String, String, String)>,
    axum::Json(body): axum::Json<Value>,
) -> Result<(StatusCode, axum::Json<Value>), StatusCode> {
    keep(&w, &headers, (owner, repo), "commit_status", sha, body)
}
