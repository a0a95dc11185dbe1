//! The stand-in driven over HTTP, for tests in another process (the dashboard's browser
//! tests): `POST /_standin/{sign-in-as,grant,install,branch}` with a JSON body.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;

use super::{GithubStandIn, World};

type Shared = State<std::sync::Arc<std::sync::Mutex<World>>>;

pub(super) fn routes() -> Router<std::sync::Arc<std::sync::Mutex<World>>> {
    Router::new().route("/_standin/{what}", post(control))
}

fn text<'a>(body: &'a Value, key: &str) -> Result<&'a str, StatusCode> {
    body[key].as_str().ok_or(StatusCode::UNPROCESSABLE_ENTITY)
}

async fn control(
    State(world): Shared,
    axum::extract::Path(what): axum::extract::Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Result<StatusCode, StatusCode> {
    let standin = GithubStandIn {
        url: String::new(),
        world,
    };
    match what.as_str() {
        "sign-in-as" => standin.sign_in_as(text(&body, "login")?),
        "grant" => standin.grant(
            text(&body, "login")?,
            text(&body, "repository")?,
            text(&body, "permission")?,
        ),
        "install" => standin.install(
            body["installationId"]
                .as_u64()
                .ok_or(StatusCode::UNPROCESSABLE_ENTITY)?,
            text(&body, "repository")?,
            body["private"].as_bool().unwrap_or(false),
        ),
        "branch" => standin.branch(
            text(&body, "repository")?,
            text(&body, "name")?,
            text(&body, "sha")?,
        ),
        _ => return Err(StatusCode::NOT_FOUND),
    }
    Ok(StatusCode::NO_CONTENT)
}
