//! `GET /api/audit`: the audit log, newest first.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::{Extension, Json};
use time::format_description::well_known::Rfc3339;
use trellis_core::DomainError;
use trellis_core::access::{Action, Actor, AuditQuery};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::query_number;
use crate::state::AppState;
use crate::views::AuditEntryView;

pub const MAX_AUDIT_PAGE: u64 = 500;

fn time_param(
    query: &HashMap<String, String>,
    name: &str,
) -> ApiResult<Option<time::OffsetDateTime>> {
    query
        .get(name)
        .map(|v| {
            time::OffsetDateTime::parse(v, &Rfc3339).map_err(|_| {
                ApiError::invalid(
                    name,
                    format!("{name} must be an RFC 3339 time such as 2026-11-29T10:00:00Z"),
                )
            })
        })
        .transpose()
}

/// `GET /api/audit?app=&actor=&since=&until=&before=&limit=`: admins of an app read its
/// entries; the whole log (without `app`) is for the admin token.
#[utoipa::path(get, path = "/api/audit", tag = "team",
    params(("app" = Option<String>, Query, description = "only this app's entries (required for users)"),
           ("actor" = Option<String>, Query, description = "only this actor's entries"),
           ("since" = Option<String>, Query, description = "RFC 3339: entries at or after"),
           ("until" = Option<String>, Query, description = "RFC 3339: entries before"),
           ("before" = Option<String>, Query, description = "the last id of the previous page"),
           ("limit" = Option<u64>, Query, maximum = 500, description = "1 to 500, default 100")),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    let limit = query_number(&query, "limit", 100, MAX_AUDIT_PAGE)?.max(1) as usize;
    let since = time_param(&query, "since")?;
    let until = time_param(&query, "until")?;
    let app = query.get("app").cloned();
    match (&app, &actor) {
        (Some(app), _) => {
            state
                .access
                .authorize(&actor, app, Action::ReadAudit)
                .await?;
        }
        (None, Actor::Operator) => {}
        (None, Actor::User { login }) => {
            return Err(DomainError::Forbidden(format!(
                "{login} may read the audit log of an app they administer: add ?app=<name>"
            ))
            .into());
        }
    }
    let entries = state
        .access
        .audit(AuditQuery {
            app,
            actor: query.get("actor").cloned(),
            since,
            until,
            before: query.get("before").cloned(),
            limit,
            now: None,
        })
        .await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
