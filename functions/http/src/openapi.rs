use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    apps, audit, auth, cache, deployments, environments, github, meta, notifications, repositories,
    team,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Trellis API", description = "Deploy, promote, roll back and tear down the environments of serverless apps."),
    paths(
        meta::health, meta::openapi, meta::websocket_doc,
        apps::list_apps, apps::create_app, apps::get_app, apps::update_app, apps::delete_app,
        environments::get_environment, environments::update_environment,
        environments::list_deployments, environments::deploy, environments::promote,
        environments::rollback, environments::teardown,
        deployments::get_deployment, deployments::cancel, deployments::logs,
        deployments::approve, deployments::reject,
        team::me, team::list_tokens, team::create_token, team::revoke_token,
        team::list_members, team::set_member, team::remove_member, audit::list_audit,
        auth::github_login, auth::github_callback, auth::logout, auth::device_start,
        auth::device_token, github::github_app, github::start_manifest,
        repositories::list_repositories, apps::list_branches, team::live_ticket, environments::promotion_preview,
        notifications::list_destinations, notifications::create_destination,
        notifications::delete_destination, notifications::list_deliveries, github::finish_manifest,
        cache::get_cache, cache::clear_cache,
        crate::webhook::github_webhook,
    ),
    modifiers(&BearerAuth, &Unauthorized),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation the bearer scheme guards answers 401 when the token is missing or wrong
/// ([`crate::auth::require_token`] wraps every protected route), so the document says so for
/// each of them here rather than in each handler's annotation, where a new route could miss it.
struct Unauthorized;

/// The webhook is authenticated by its delivery's signature: it asks for no API token.
const SIGNED_PATHS: &[&str] = &["/api/webhooks/github"];

impl Modify for Unauthorized {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let no_token = || Some(vec![SecurityRequirement::default()]);
        for (path, item) in openapi.paths.paths.iter_mut() {
            let signed = SIGNED_PATHS.contains(&path.as_str());
            for operation in operations(item) {
                if signed {
                    operation.security = no_token();
                }
                // `None` inherits the document's `bearer`; `security(())` opts out.
                if operation.security.is_some() {
                    continue;
                }
                for (status, description) in [
                    (
                        "401",
                        "Missing or invalid API token, personal token or session",
                    ),
                    (
                        "403",
                        "The caller's role on the app does not allow this (the message names \
                         the role needed), or a session request that changes state lacks its \
                         CSRF token",
                    ),
                ] {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(description)
                                .content(
                                    "application/json",
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                                        .build(),
                                )
                                .build()
                                .into()
                        });
                }
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dashboard's API types are generated from a copy of this document
    /// (`dashboard/src/api/openapi.json`); the copy must not drift from the handlers.
    /// `TRELLIS_WRITE_OPENAPI=1 cargo test -p trellis-http openapi` rewrites it.
    /// The token middleware guards every operation but the public and signed ones: each of
    /// them must admit to its 401, and the signed webhook must not ask for the token.
    #[test]
    fn every_token_guarded_operation_documents_401_and_403() {
        let mut doc = ApiDoc::openapi();
        let mut guarded = 0;
        for (path, item) in doc.paths.paths.iter_mut() {
            for operation in operations(item) {
                let public = operation.security.is_some();
                assert_eq!(
                    public,
                    path == "/api/health"
                        || path == "/api/openapi.json"
                        || path == "/api/ws"
                        || (path.starts_with("/api/auth/") && path != "/api/auth/logout")
                        || path == "/api/github/manifest/callback"
                        || SIGNED_PATHS.contains(&path.as_str()),
                    "{path}"
                );
                if !public {
                    guarded += 1;
                    assert!(operation.responses.responses.contains_key("401"), "{path}");
                    assert!(operation.responses.responses.contains_key("403"), "{path}");
                }
            }
        }
        assert_eq!(guarded, 38);
    }

    #[test]
    fn every_operation_has_an_id_of_its_own() {
        // Generated clients name methods and types after operation ids: two alike collide.
        let mut doc = ApiDoc::openapi();
        let mut seen = std::collections::BTreeSet::new();
        for (path, item) in doc.paths.paths.iter_mut() {
            for operation in operations(item) {
                let id = operation.operation_id.clone().unwrap_or_default();
                assert!(
                    seen.insert(id.clone()),
                    "{path}: operation id {id:?} is used twice"
                );
            }
        }
    }

    #[test]
    fn the_dashboard_copy_of_the_document_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../dashboard/src/api/openapi.json");
        let current = ApiDoc::openapi()
            .to_pretty_json()
            .expect("the document serializes")
            + "\n";
        if std::env::var_os("TRELLIS_WRITE_OPENAPI").is_some() {
            std::fs::write(&path, &current).expect("the copy is writable");
        }
        let copy = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            copy == current,
            "{} differs from the API's OpenAPI document: run \
             `TRELLIS_WRITE_OPENAPI=1 cargo test -p trellis-http openapi`, then \
             `npm run api:types` in dashboard/",
            path.display()
        );
    }
}
