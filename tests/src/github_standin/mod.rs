//! A stand-in for github.com and its REST API, enough for sign-in: the OAuth web flow (it
//! signs in whoever the test says is at the browser), the device flow (pending once, then
//! authorised), the user, repository permissions and organisation memberships; the manifest
//! flow; and the app's installations ([`installations`]). Tests drive it through its methods,
//! or over HTTP under `/_standin/` (the browser tests, from another process).

mod control;
mod git;
mod installations;
mod reports;

pub use reports::{Comment, Report};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "Iv1.standin0client";
pub const CLIENT_SECRET: &str = "standin-client-secret-0123456789";

#[derive(Default)]
struct World {
    /// Who is signed in to "GitHub" in the test's browser.
    at_browser: String,
    /// login → (repository → permission).
    permissions: HashMap<String, HashMap<String, String>>,
    /// Device codes and who authorised them (after one pending poll).
    devices: HashMap<String, (String, u32)>,
    /// Every client secret presented, to check it is sent.
    secrets_seen: Vec<String>,
    /// The manifest GitHub was asked to create an app from.
    manifest: Option<Value>,
    /// The webhook secret the app was told to sign with, and the token that said so.
    hook_secret: Option<(String, String)>,
    /// installation id → its repositories.
    installations: std::collections::BTreeMap<u64, Vec<installations::Installed>>,
    /// repository → its branches and their heads.
    branches: HashMap<String, Vec<(String, String)>>,
    /// repository → the git repository served for it.
    hosted: HashMap<String, std::path::PathBuf>,
    /// The installation of each clone's token.
    clones: Vec<u64>,
    /// The body of every installation token request (its scope).
    token_scopes: Vec<Value>,
    /// Every comparison asked for (`base...head`).
    compares: Vec<String>,
    /// Deployments, their statuses and commit statuses reported, in order.
    reports: Vec<reports::Report>,
    /// How many report calls are still to fail.
    failing_reports: u32,
    /// Pull requests' comments.
    comments: Vec<reports::Comment>,
}

#[derive(Clone)]
pub struct GithubStandIn {
    pub url: String,
    world: Arc<Mutex<World>>,
}

impl GithubStandIn {
    pub async fn start() -> GithubStandIn {
        let world = Arc::new(Mutex::new(World::default()));
        let app = Router::new()
            .route("/login/oauth/authorize", get(authorize))
            .route("/login/oauth/access_token", post(access_token))
            .route("/login/device/code", post(device_code))
            .route("/user", get(user))
            .route("/repos/{owner}/{repo}", get(repository))
            .route("/user/memberships/orgs/{org}", get(membership))
            .route("/settings/apps/new", post(new_app))
            .route("/app-manifests/{code}/conversions", post(conversion))
            .route("/app/hook/config", axum::routing::patch(hook_config))
            .merge(installations::routes())
            .merge(reports::routes())
            .merge(control::routes())
            .fallback(git::smart_http)
            .with_state(world.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        GithubStandIn { url, world }
    }

    /// The variables that point a Trellis server at this stand-in.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TRELLIS_GITHUB_CLIENT_ID", CLIENT_ID.into()),
            ("TRELLIS_GITHUB_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("TRELLIS_GITHUB_URL", self.url.clone()),
            ("TRELLIS_GITHUB_API_URL", self.url.clone()),
        ]
    }

    /// The next browser sign-in is this user's.
    pub fn sign_in_as(&self, login: &str) {
        self.world.lock().unwrap().at_browser = login.into();
    }

    pub fn grant(&self, login: &str, repository: &str, permission: &str) {
        self.world
            .lock()
            .unwrap()
            .permissions
            .entry(login.into())
            .or_default()
            .insert(repository.into(), permission.into());
    }

    /// The user enters the device code on "GitHub".
    pub fn authorise_device(&self, device_code: &str, login: &str) {
        self.world
            .lock()
            .unwrap()
            .devices
            .insert(device_code.into(), (login.into(), 0));
    }

    pub fn manifest(&self) -> Option<Value> {
        self.world.lock().unwrap().manifest.clone()
    }

    /// The webhook secret the app was set to, and whether it was set with an app JWT.
    pub fn hook_secret(&self) -> Option<(String, bool)> {
        self.world
            .lock()
            .unwrap()
            .hook_secret
            .clone()
            .map(|(secret, bearer)| (secret, bearer.split('.').count() == 3))
    }

    /// Every comparison asked for, as `base...head`.
    pub fn compares(&self) -> Vec<String> {
        self.world.lock().unwrap().compares.clone()
    }

    /// What each installation token was asked to be limited to.
    pub fn token_scopes(&self) -> Vec<Value> {
        self.world.lock().unwrap().token_scopes.clone()
    }

    pub fn secrets_seen(&self) -> Vec<String> {
        self.world.lock().unwrap().secrets_seen.clone()
    }
}

type Shared = State<Arc<Mutex<World>>>;

async fn authorize(State(w): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (StatusCode::BAD_REQUEST, "unknown client").into_response();
    }
    let login = w.lock().unwrap().at_browser.clone();
    let target = format!(
        "{}?code=code-{login}&state={}",
        q["redirect_uri"],
        q.get("state").cloned().unwrap_or_default()
    );
    Redirect::to(&target).into_response()
}

async fn access_token(State(w): Shared, body: String) -> axum::Json<Value> {
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let mut w = w.lock().unwrap();
    if let Some(code) = form.get("code") {
        w.secrets_seen
            .push(form.get("client_secret").cloned().unwrap_or_default());
        return match code.strip_prefix("code-") {
            Some(login) => axum::Json(json!({"access_token": format!("gho_{login}")})),
            None => axum::Json(json!({"error": "bad_verification_code"})),
        };
    }
    let device = form.get("device_code").cloned().unwrap_or_default();
    match w.devices.get_mut(&device) {
        None => axum::Json(json!({"error": "authorization_pending"})),
        Some((login, polls)) => {
            *polls += 1;
            if *polls == 1 {
                axum::Json(json!({"error": "authorization_pending"}))
            } else {
                axum::Json(json!({"access_token": format!("gho_{login}")}))
            }
        }
    }
}

async fn device_code() -> axum::Json<Value> {
    axum::Json(json!({
        "device_code": "device-1",
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://github.com/login/device",
        "expires_in": 900,
        "interval": 0
    }))
}

fn login_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer gho_")
        .map(str::to_string)
}

/// A stable id per login (FNV-1a), as GitHub's ids are: never shared by two logins here.
fn user_id(login: &str) -> u64 {
    login.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) >> 16
}

async fn user(headers: HeaderMap) -> Result<axum::Json<Value>, StatusCode> {
    let login = login_of(&headers).ok_or(StatusCode::UNAUTHORIZED)?;
    Ok(axum::Json(json!({
        "login": login, "id": user_id(&login), "name": null,
        "avatar_url": format!("https://avatars.example/{login}")
    })))
}

async fn repository(
    State(w): Shared,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
) -> Result<axum::Json<Value>, StatusCode> {
    let login = login_of(&headers).ok_or(StatusCode::UNAUTHORIZED)?;
    let w = w.lock().unwrap();
    let permission = w
        .permissions
        .get(&login)
        .and_then(|p| p.get(&format!("{owner}/{repo}")))
        .ok_or(StatusCode::NOT_FOUND)?;
    let level = |l: &str| {
        let order = ["pull", "triage", "push", "maintain", "admin"];
        let have = order.iter().position(|x| *x == permission).unwrap_or(0);
        order.iter().position(|x| *x == l).unwrap_or(9) <= have
    };
    Ok(axum::Json(json!({
        "full_name": format!("{owner}/{repo}"),
        "permissions": {
            "admin": level("admin"), "maintain": level("maintain"), "push": level("push"),
            "triage": level("triage"), "pull": level("pull")
        }
    })))
}

async fn membership() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// The browser posts the manifest form: "GitHub" creates the app and sends it back.
async fn new_app(
    State(w): Shared,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let manifest = form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "manifest")
        .and_then(|(_, v)| serde_json::from_str::<Value>(&v).ok());
    let Some(manifest) = manifest else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "no manifest").into_response();
    };
    let back = format!(
        "{}?code=manifest-code&state={}",
        manifest["redirect_url"].as_str().unwrap_or_default(),
        q.get("state").cloned().unwrap_or_default()
    );
    w.lock().unwrap().manifest = Some(manifest);
    Redirect::to(&back).into_response()
}

/// A fresh RSA key in GitHub's format (PKCS#1 PEM), made by openssl.
fn private_key() -> String {
    let out = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "2048"])
        .output()
        .expect("openssl runs");
    String::from_utf8(out.stdout).unwrap()
}

async fn conversion(
    State(w): Shared,
    Path(code): Path<String>,
) -> Result<(StatusCode, axum::Json<Value>), StatusCode> {
    if code != "manifest-code" || w.lock().unwrap().manifest.is_none() {
        return Err(StatusCode::NOT_FOUND);
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "id": 4242, "slug": "trellis-test", "html_url": "https://github.com/apps/trellis-test",
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "webhook_secret": "github-generated", "pem": private_key()
        })),
    ))
}

async fn hook_config(
    State(w): Shared,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> StatusCode {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    let secret = body["secret"].as_str().unwrap_or_default().to_string();
    w.lock().unwrap().hook_secret = Some((secret, bearer));
    StatusCode::OK
}
