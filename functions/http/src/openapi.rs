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
