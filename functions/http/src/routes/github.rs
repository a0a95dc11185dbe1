//! `/api/github/…`: connecting Trellis's GitHub App in a few clicks (GitHub's manifest flow)
//! and what is connected.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use trellis_core::DomainError;
use trellis_core::access::{Actor, AuditRecord, new_secret};
use trellis_core::github_app::app_manifest;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::github::GithubIntegration;
use crate::state::AppState;
use crate::views::{GithubAppView, GithubManifestRequest, GithubManifestView};

const MANIFEST_COOKIE: &str = "trellis_manifest_state";

pub(crate) fn integration(state: &AppState) -> Result<&GithubIntegration, ApiError> {
    state.github.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "this deployment of Trellis has no place for a GitHub App",
        )
    })
}

/// Connecting GitHub changes what every app can do: the admin token only.
fn operator_only(actor: &Actor) -> Result<(), ApiError> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User { login } => Err(DomainError::Forbidden(format!(
            "{login} may not change the GitHub App: that needs the admin token"
        ))
        .into()),
    }
}

/// `GET /api/github/app`: whether a GitHub App is connected, and where to install it.
#[utoipa::path(get, path = "/api/github/app", tag = "github",
    responses((status = 200, body = GithubAppView), (status = 404, body = ErrorBody)))]
pub async fn github_app(
    State(state): State<AppState>,
    Extension(_actor): Extension<Actor>,
) -> ApiResult<Json<GithubAppView>> {
    let github = integration(&state)?;
    let settings = github.settings().await?;
    let sign_in = github.sign_in().await?.is_some();
    Ok(Json(match settings {
        None => GithubAppView {
            connected: false,
            app_id: None,
            slug: None,
            html_url: None,
            install_url: None,
            sign_in,
        },
        Some(s) => GithubAppView {
            connected: true,
            app_id: Some(s.app_id),
            install_url: s.install_url(),
            slug: s.slug,
            html_url: s.html_url,
            sign_in,
        },
    }))
}

/// `POST /api/github/manifest`: the manifest to post to GitHub (the dashboard submits it as
/// a form to `postUrl`); GitHub then creates the app and sends the browser back.
#[utoipa::path(post, path = "/api/github/manifest", tag = "github",
    request_body = GithubManifestRequest,
    responses((status = 200, body = GithubManifestView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn start_manifest(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(req): ApiJson<GithubManifestRequest>,
) -> ApiResult<Response> {
    operator_only(&actor)?;
    let github = integration(&state)?;
    if let Some(existing) = github.settings().await?
        && !req.replace.unwrap_or(false)
    {
        return Err(DomainError::Conflict(format!(
            "GitHub App {} is connected already: send replace: true to create another one \
             (the old one keeps its installations until you delete it on GitHub)",
            existing.app_id
        ))
        .into());
    }
    let public_url = req
        .public_url
        .or_else(|| github.default_public_url.clone())
        .map(|u| u.trim_end_matches('/').to_string())
        .ok_or_else(|| {
            ApiError::invalid(
                "publicUrl",
                "say where this Trellis is reached (https://…): GitHub sends webhooks and \
                 browsers there",
            )
        })?;
    if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
        return Err(ApiError::invalid(
            "publicUrl",
            "publicUrl must be an http(s) address",
        ));
    }
    let name = req.name.unwrap_or_else(|| "Trellis".into());
    if name.trim().is_empty() || name.chars().count() > 34 {
        return Err(ApiError::invalid(
            "name",
            "a GitHub App's name has 1 to 34 characters",
        ));
    }
    let nonce = new_secret("");
    let view = GithubManifestView {
        post_url: github
            .connector
            .new_app_url(req.organisation.as_deref(), &nonce),
        manifest: app_manifest(&name, &public_url),
    };
    let organisation = req.organisation.clone().unwrap_or_default();
    let cookie = Cookie::build((
        MANIFEST_COOKIE,
        format!("{nonce}|{organisation}|{public_url}"),
    ))
    .http_only(true)
    .secure(public_url.starts_with("https://"))
    .same_site(SameSite::Lax)
    .path("/api/github")
    .max_age(cookie::time::Duration::hours(1))
    .build();
    let mut response = Json(view).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie.to_string())
            .map_err(|_| ApiError::bad_request("a cookie could not be written"))?,
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct ManifestCallback {
    code: Option<String>,
    state: Option<String>,
}

/// `GET /api/github/manifest/callback`: GitHub created the app; its credentials are stored
/// and it is told to sign webhooks with Trellis's secret.
#[utoipa::path(get, path = "/api/github/manifest/callback", tag = "github", security(()),
    params(("code" = Option<String>, Query), ("state" = Option<String>, Query)),
    responses((status = 303, description = "Connected: back to the dashboard's GitHub settings"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn finish_manifest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ManifestCallback>,
) -> ApiResult<Response> {
    let github = integration(&state)?;
    let remembered = crate::auth::cookie_value(&headers, MANIFEST_COOKIE);
    let (Some(code), Some(returned), Some(remembered)) = (query.code, query.state, remembered)
    else {
        return Err(ApiError::bad_request(
            "this GitHub App was not asked for from this browser, or more than an hour ago: \
             start again from the dashboard",
        ));
    };
    let mut parts = remembered.splitn(3, '|');
    let (Some(nonce), Some(organisation), Some(public_url)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(ApiError::bad_request(
            "the connection's state is unreadable: start again",
        ));
    };
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        nonce.as_bytes(),
        returned.as_bytes(),
    )) {
        return Err(ApiError::bad_request(
            "GitHub's answer does not belong to this browser's request: start again",
        ));
    }
    let mut settings = github
        .connector
        .convert_manifest(&code)
        .await
        .map_err(DomainError::from)?;
    settings.public_url = Some(public_url.to_string());
    settings.organisation = Some(organisation.to_string()).filter(|o| !o.is_empty());
    let secret = state.webhook_secret.value().await?;
    github
        .connector
        .set_webhook_secret(&settings, &secret)
        .await
        .map_err(DomainError::from)?;
    github
        .store
        .put(&settings)
        .await
        .map_err(DomainError::from)?;
    let record = AuditRecord {
        actor: "admin token".into(),
        action: "github.connect".into(),
        app: None,
        target: settings
            .slug
            .clone()
            .unwrap_or_else(|| settings.app_id.to_string()),
        request_id: ulid::Ulid::new().to_string(),
        status: 200,
        detail: Some(format!("GitHub App {}", settings.app_id)),
    };
    crate::audit::write(&state, record).await;
    let clear = Cookie::build((MANIFEST_COOKIE, ""))
        .path("/api/github")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    let mut response = Redirect::to("/settings/github?connected=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear.to_string())
            .map_err(|_| ApiError::bad_request("a cookie could not be written"))?,
    );
    Ok(response)
}
