//! `GET /api/github/repositories`: what the create-app picker offers — the repositories
//! Trellis's GitHub App is installed on, and which of them the caller may register.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::{Extension, Json};
use futures_util::future::join_all;
use trellis_core::DomainError;
use trellis_core::access::{Actor, Role};
use trellis_core::github_app::InstalledRepository;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::query_number;
use crate::state::AppState;
use crate::views::{GithubRepositoriesView, GithubRepositoryView};

pub const MAX_SEARCH_CHARS: usize = 100;
pub const MAX_REPOSITORY_PAGE: u64 = 100;

fn matches(repository: &InstalledRepository, search: &str) -> bool {
    repository.full_name.to_lowercase().contains(search)
}

/// `GET /api/github/repositories?search=&limit=`: the admin token sees every repository of
/// every installation; a signed-in user sees those GitHub says they can read, each marked
/// with whether they administer it (and so may register it).
#[utoipa::path(get, path = "/api/github/repositories", tag = "github",
    params(("search" = Option<String>, Query, description = "part of owner/name, any case (up to 100 characters)"),
           ("limit" = Option<u64>, Query, maximum = 100, description = "1 to 100, default 30")),
    responses((status = 200, body = GithubRepositoriesView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn list_repositories(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<GithubRepositoriesView>> {
    let limit = query_number(&query, "limit", 30, MAX_REPOSITORY_PAGE)?.max(1) as usize;
    let search = query.get("search").map(|s| s.trim().to_lowercase());
    if search
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(ApiError::invalid(
            "search",
            format!("search must be at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    let github = super::github::integration(&state)?;
    let installations = github.installations().await?;
    let all = installations
        .repositories()
        .await
        .map_err(DomainError::from)?;
    let mut found: Vec<InstalledRepository> = all
        .into_iter()
        .filter(|r| search.as_deref().is_none_or(|s| matches(r, s)))
        .collect();
    let truncated = found.len() > limit;
    found.truncate(limit);
    let permissions: Vec<Option<String>> = match &actor {
        Actor::Operator => vec![None; found.len()],
        Actor::User { login } => join_all(found.iter().map(|r| {
            let installations = installations.clone();
            let repository = r.repository();
            async move {
                installations
                    .collaborator_permission(&repository, login)
                    .await
            }
        }))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(DomainError::from)?,
    };
    let apps = state.pipeline.list_apps().await?;
    let registered = |r: &InstalledRepository| -> Vec<String> {
        let key = r.repository().key();
        apps.iter()
            .filter(|(a, _)| a.repository.key() == key)
            .map(|(a, _)| a.name.clone())
            .collect()
    };
    let repositories = found
        .into_iter()
        .zip(permissions)
        // A user learns nothing of repositories they cannot read.
        .filter(|(_, p)| matches!(actor, Actor::Operator) || p.is_some())
        .map(|(r, permission)| GithubRepositoryView {
            can_register: matches!(actor, Actor::Operator)
                || permission.as_deref().and_then(Role::from_github_permission)
                    == Some(Role::Admin),
            apps: registered(&r),
            full_name: r.full_name,
            installation_id: r.installation_id,
            private: r.private,
            default_branch: r.default_branch,
            your_permission: permission,
        })
        .collect();
    Ok(Json(GithubRepositoriesView {
        repositories,
        truncated,
    }))
}
