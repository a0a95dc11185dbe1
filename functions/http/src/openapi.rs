use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{apps, deployments, environments, meta};

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
        crate::webhook::github_webhook,
    ),
    modifiers(&BearerAuth),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The dashboard's API types are generated from a copy of this document
    /// (`dashboard/src/api/openapi.json`); the copy must not drift from the handlers.
    /// `TRELLIS_WRITE_OPENAPI=1 cargo test -p trellis-http openapi` rewrites it.
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
