//! `/api/auth/…`: signing in and out.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use trellis_core::DomainError;
use trellis_core::access::{Actor, AuditRecord, DevicePoll};

use crate::auth::{SESSION_COOKIE, session_secret};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::github::ActiveSignIn;
use crate::state::AppState;
use crate::views::{DeviceStartView, DeviceTokenRequest, DeviceTokenView};

const STATE_COOKIE: &str = "trellis_oauth_state";
/// A personal token made by `trellis login` lasts this long.
const CLI_TOKEN_DAYS: i64 = 90;

async fn config(state: &AppState) -> Result<ActiveSignIn, ApiError> {
    let active = match &state.github {
        Some(github) => github.sign_in().await?,
        None => None,
    };
    active.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "sign-in with GitHub is not set up here: connect a GitHub App first (the admin \
             token still works)",
        )
    })
}

fn session_lifetime(state: &AppState) -> time::Duration {
    state
        .github
        .as_ref()
        .map_or(time::Duration::hours(12), |g| g.session_lifetime)
}

fn cookie_header(c: Cookie<'_>) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&c.to_string())
        .map_err(|_| ApiError::bad_request("a cookie could not be written"))
}

/// Only a path on this site: never another origin (an open redirect).
fn safe_return_to(value: Option<&str>) -> String {
    match value {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/".into(),
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
}

/// A browser that went to sign in comes back to the dashboard, which says why it is not
/// signed in (a JSON error page would leave it stranded).
fn back_with_error(e: ApiError) -> Response {
    let message = form_urlencoded::byte_serialize(e.message.as_bytes()).collect::<String>();
    Redirect::to(&format!("/?signInError={message}")).into_response()
}

/// `GET /api/auth/github`: sends the browser to GitHub to sign in (or back to the dashboard,
/// saying why not).
#[utoipa::path(get, path = "/api/auth/github", tag = "auth", security(()),
    params(("return_to" = Option<String>, Query, description = "a path on this site to come back to")),
    responses((status = 303, description = "To GitHub's sign-in page, or back to the dashboard with `signInError`")))]
pub async fn github_login(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> Response {
    start_sign_in(&state, query)
        .await
        .unwrap_or_else(back_with_error)
}

async fn start_sign_in(state: &AppState, query: LoginQuery) -> ApiResult<Response> {
    let config = config(state).await?;
    let nonce = trellis_core::access::new_secret("");
    let return_to = safe_return_to(query.return_to.as_deref());
    let cookie = Cookie::build((STATE_COOKIE, format!("{nonce}|{return_to}")))
        .http_only(true)
        .secure(config.secure_cookies())
        .same_site(SameSite::Lax)
        .path("/api/auth")
        .max_age(cookie::time::Duration::minutes(10))
        .build();
    let mut response = Redirect::to(
        &config
            .accounts
            .authorize_url(&nonce, &config.callback_url()),
    )
    .into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie_header(cookie)?);
    Ok(response)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /api/auth/github/callback`: GitHub's answer; starts a session.
#[utoipa::path(get, path = "/api/auth/github/callback", tag = "auth", security(()),
    params(("code" = Option<String>, Query), ("state" = Option<String>, Query)),
    responses((status = 303, description = "Signed in: back where the sign-in started, with the session cookie; or back to the dashboard with `signInError` saying why not")))]
pub async fn github_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    finish_sign_in(&state, &headers, query)
        .await
        .unwrap_or_else(back_with_error)
}

async fn finish_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> ApiResult<Response> {
    let config = config(state).await?;
    if let Some(error) = query.error {
        return Err(ApiError::bad_request(format!(
            "GitHub did not sign you in: {error}"
        )));
    }
    let remembered = crate::auth::cookie_value(headers, STATE_COOKIE);
    let (Some(code), Some(returned), Some(remembered)) = (query.code, query.state, remembered)
    else {
        return Err(ApiError::bad_request(
            "this sign-in was not started here, or took longer than 10 minutes: start again",
        ));
    };
    let (nonce, return_to) = remembered.split_once('|').unwrap_or((&remembered, "/"));
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        nonce.as_bytes(),
        returned.as_bytes(),
    )) {
        return Err(ApiError::bad_request(
            "the sign-in answer does not belong to this browser's sign-in: start again",
        ));
    }
    let token = config
        .accounts
        .exchange_code(&code, &config.callback_url())
        .await
        .map_err(DomainError::from)?;
    let login = sign_in(state, &config, &token, "sign-in").await?;
    let (_, secret) = state
        .access
        .start_session(&login, session_lifetime(state))
        .await?;
    let session = Cookie::build((SESSION_COOKIE, secret))
        .http_only(true)
        .secure(config.secure_cookies())
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::seconds(
            session_lifetime(state).whole_seconds(),
        ))
        .build();
    let clear_state = Cookie::build((STATE_COOKIE, ""))
        .path("/api/auth")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    let mut response = Redirect::to(&safe_return_to(Some(return_to))).into_response();
    let h = response.headers_mut();
    h.append(header::SET_COOKIE, cookie_header(session)?);
    h.append(header::SET_COOKIE, cookie_header(clear_state)?);
    Ok(response)
}

/// Signs the token's user in (refreshing their roles) and writes the audit entry, refused
/// or not.
async fn sign_in(
    state: &AppState,
    config: &ActiveSignIn,
    token: &str,
    action: &str,
) -> ApiResult<String> {
    let apps: Vec<_> = state
        .pipeline
        .list_apps()
        .await?
        .into_iter()
        .map(|(app, _)| app)
        .collect();
    let policy = match &state.github {
        Some(github) => github.policy().await?,
        None => Default::default(),
    };
    let outcome = state
        .access
        .sign_in(config.accounts.as_ref(), &policy, token, &apps)
        .await;
    let (actor, status, detail) = match &outcome {
        Ok(user) => (user.login.clone(), 200, None),
        Err(e @ DomainError::Forbidden(_)) => ("unknown".to_string(), 403, Some(e.to_string())),
        Err(e) => ("unknown".to_string(), 502, Some(e.to_string())),
    };
    let record = AuditRecord {
        actor,
        action: action.into(),
        app: None,
        target: "trellis".into(),
        request_id: ulid::Ulid::new().to_string(),
        status,
        detail,
    };
    crate::audit::write(state, record).await;
    Ok(outcome?.login)
}

/// `POST /api/auth/logout`: ends the session (the cookie is cleared).
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(_actor): Extension<Actor>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(secret) = session_secret(&headers) {
        state.access.end_session(&secret).await?;
    }
    let clear = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie_header(clear)?);
    Ok(response)
}

/// `POST /api/auth/device`: starts a device-flow sign-in (`trellis login`).
#[utoipa::path(post, path = "/api/auth/device", tag = "auth", security(()),
    responses((status = 200, body = DeviceStartView), (status = 404, body = ErrorBody)))]
pub async fn device_start(State(state): State<AppState>) -> ApiResult<Json<DeviceStartView>> {
    let config = config(&state).await?;
    let code = config
        .accounts
        .start_device_flow()
        .await
        .map_err(DomainError::from)?;
    Ok(Json(DeviceStartView {
        device_code: code.device_code,
        user_code: code.user_code,
        verification_uri: code.verification_uri,
        expires_in: code.expires_in,
        interval: code.interval,
    }))
}

/// `POST /api/auth/device/token`: whether the user has entered the code yet; once they
/// have, a personal token for the CLI (shown this once).
#[utoipa::path(post, path = "/api/auth/device/token", tag = "auth", security(()),
    request_body = DeviceTokenRequest,
    responses((status = 200, body = DeviceTokenView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn device_token(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<DeviceTokenRequest>,
) -> ApiResult<Json<DeviceTokenView>> {
    let config = config(&state).await?;
    let pending = |status: &str, interval: Option<u64>| DeviceTokenView {
        status: status.into(),
        interval,
        login: None,
        token: None,
        token_id: None,
    };
    let poll = config
        .accounts
        .poll_device_flow(&req.device_code)
        .await
        .map_err(DomainError::from)?;
    let github_token = match poll {
        DevicePoll::Token(t) => t,
        DevicePoll::Pending => return Ok(Json(pending("pending", None))),
        DevicePoll::SlowDown(i) => return Ok(Json(pending("slow_down", Some(i)))),
        DevicePoll::Expired => return Ok(Json(pending("expired", None))),
        DevicePoll::Denied => return Ok(Json(pending("denied", None))),
    };
    let login = sign_in(&state, &config, &github_token, "sign-in (device)").await?;
    let name = req.name.as_deref().unwrap_or("trellis login");
    let (token, secret) = state
        .access
        .create_token(&login, name, CLI_TOKEN_DAYS)
        .await?;
    Ok(Json(DeviceTokenView {
        status: "signed_in".into(),
        interval: None,
        login: Some(login),
        token: Some(secret),
        token_id: Some(token.id),
    }))
}
