//! The caller, their personal tokens, and the members of an app.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use trellis_core::DomainError;
use trellis_core::access::{Actor, Ask};

use crate::auth::{csrf_token, session_secret};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::views::{
    CreateTokenRequest, CreatedTokenView, LiveTicketView, MeView, MemberView, SetRoleRequest,
    TokenView,
};

/// A personal token lasts this long unless asked otherwise.
const DEFAULT_TOKEN_DAYS: i64 = 90;

fn login_of(actor: &Actor) -> Result<&str, DomainError> {
    match actor {
        Actor::User { login } => Ok(login),
        Actor::Operator => Err(DomainError::Conflict(
            "the admin token belongs to no one: personal tokens are a signed-in user's".into(),
        )),
    }
}

/// `GET /api/me`
#[utoipa::path(get, path = "/api/me", tag = "team",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(Extension(actor): Extension<Actor>, headers: HeaderMap) -> Json<MeView> {
    Json(match actor {
        Actor::Operator => MeView {
            kind: "admin-token".into(),
            login: None,
            csrf_token: None,
        },
        Actor::User { login } => MeView {
            kind: "user".into(),
            login: Some(login),
            csrf_token: session_secret(&headers).map(|s| csrf_token(&s)),
        },
    })
}

/// `POST /api/live/ticket`: a signed-in browser's ticket for the live socket, which may be on
/// another origin (API Gateway's WebSocket API) where the session cookie does not go.
#[utoipa::path(post, path = "/api/live/ticket", tag = "team",
    responses((status = 201, body = LiveTicketView), (status = 409, body = ErrorBody)))]
pub async fn live_ticket(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<(StatusCode, Json<LiveTicketView>)> {
    let ticket = state.access.issue_live_ticket(&actor).await?;
    Ok((
        StatusCode::CREATED,
        Json(LiveTicketView {
            ticket: ticket.secret,
            expires_at: crate::views::rfc3339(ticket.expires_at),
        }),
    ))
}

/// `GET /api/tokens`: the caller's personal tokens, newest first (never their secrets).
#[utoipa::path(get, path = "/api/tokens", tag = "team",
    responses((status = 200, body = Vec<TokenView>), (status = 409, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Json<Vec<TokenView>>> {
    let tokens = state.access.tokens_of(login_of(&actor)?).await?;
    Ok(Json(tokens.into_iter().map(Into::into).collect()))
}

/// `POST /api/tokens`: a personal token acting with the caller's roles; the secret is in
/// this answer only.
#[utoipa::path(post, path = "/api/tokens", tag = "team", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedTokenView), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedTokenView>)> {
    let (token, secret) = state
        .access
        .create_token(
            login_of(&actor)?,
            &req.name,
            req.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenView {
            token: token.into(),
            secret,
        }),
    ))
}

/// `DELETE /api/tokens/{id}`: revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "team",
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.access.revoke_token(login_of(&actor)?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/apps/{app}/members`: every role on the app and where it comes from.
#[utoipa::path(get, path = "/api/apps/{app}/members", tag = "team",
    params(("app" = String, Path)),
    responses((status = 200, body = Vec<MemberView>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(app): Path<String>,
) -> ApiResult<Json<Vec<MemberView>>> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::Read)
        .await?;
    state.pipeline.get_app(&app).await?;
    let grants = state.access.grants_of_app(&app).await?;
    Ok(Json(grants.into_iter().map(Into::into).collect()))
}

/// `PUT /api/apps/{app}/members/{login}`: an admin sets a user's role on the app; it beats
/// the role their GitHub permission gives.
#[utoipa::path(put, path = "/api/apps/{app}/members/{login}", tag = "team",
    request_body = SetRoleRequest,
    params(("app" = String, Path), ("login" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody)))]
pub async fn set_member(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, login)): Path<(String, String)>,
    ApiJson(req): ApiJson<SetRoleRequest>,
) -> ApiResult<StatusCode> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::ManageMembers)
        .await?;
    state.pipeline.get_app(&app).await?;
    state
        .access
        .set_role(&actor, &app, &login, Some(req.role.into()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/apps/{app}/members/{login}`: removes an admin's override; the user's role
/// follows their GitHub permission again.
#[utoipa::path(delete, path = "/api/apps/{app}/members/{login}", tag = "team",
    params(("app" = String, Path), ("login" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((app, login)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .access
        .check(&state.pipeline, &actor, &app, Ask::ManageMembers)
        .await?;
    state.pipeline.get_app(&app).await?;
    state.access.set_role(&actor, &app, &login, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
