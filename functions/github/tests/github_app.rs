//! The GitHub App client against a local stand-in for the GitHub REST API: the app token is
//! a valid RS256 JWT for the app, exchanged for an installation token that reads refs.

use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use trellis_core::SourceError;
use trellis_core::model::Repository;
use trellis_core::ports::SourceRepository;
use trellis_github::{GithubApp, GithubSource};

const APP_ID: u64 = 123456;
/// GitHub expects the issuer as a string.
const APP_ID_TEXT: &str = "123456";
const INSTALLATION_TOKEN: &str = "ghs_installation_token_for_tests";

/// A fresh RSA key in GitHub's format (PKCS#1 PEM), made by openssl.
fn private_key() -> String {
    let out = std::process::Command::new("openssl")
        .args(["genrsa", "-traditional", "2048"])
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A private key (PEM) and its public key (DER), as GitHub holds it.
fn key_pair() -> (String, Vec<u8>) {
    let pem = private_key();
    let public = RsaKeyPair::from_der(&der(&pem))
        .unwrap()
        .public_key()
        .as_ref()
        .to_vec();
    (pem, public)
}

fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

#[derive(Clone)]
struct Fake {
    public_key: Arc<Vec<u8>>,
    seen: Arc<Mutex<Vec<String>>>,
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string()
}

async fn access_token(
    State(fake): State<Fake>,
    Path(installation): Path<u64>,
    headers: HeaderMap,
    scope: axum::body::Bytes,
) -> Result<Json<Value>, StatusCode> {
    let jwt = bearer(&headers);
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 || installation != 7 {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(parts[2])
        .map_err(|_| StatusCode::UNAUTHORIZED)?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, fake.public_key.as_slice())
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .map_err(|_| StatusCode::UNAUTHORIZED)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    if claims["iss"] != APP_ID_TEXT || iat > now || exp <= now || exp - iat > 600 {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let scope: Value = serde_json::from_slice(&scope).unwrap_or(Value::Null);
    fake.seen
        .lock()
        .unwrap()
        .push(format!("token scope {scope}"));
    Ok(Json(
        json!({"token": INSTALLATION_TOKEN, "expires_at": "2099-01-01T00:00:00Z"}),
    ))
}

async fn commit(
    State(fake): State<Fake>,
    Path((owner, repo, reference)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, StatusCode> {
    if bearer(&headers) != INSTALLATION_TOKEN {
        return Err(StatusCode::UNAUTHORIZED);
    }
    fake.seen
        .lock()
        .unwrap()
        .push(format!("{owner}/{repo}@{reference}"));
    match reference.as_str() {
        "main" => Ok(Json(json!({
            "sha": "a".repeat(40),
            "commit": {"message": "Ship it", "author": {"name": "Ada"}}
        }))),
        _ => Err(StatusCode::NOT_FOUND),
    }
}

async fn branches(headers: HeaderMap) -> Result<Json<Value>, StatusCode> {
    if bearer(&headers) != INSTALLATION_TOKEN {
        return Err(StatusCode::UNAUTHORIZED);
    }
    Ok(Json(json!([
        {"name": "main", "commit": {"sha": "a".repeat(40)}},
        {"name": "next", "commit": {"sha": "b".repeat(40)}}
    ])))
}

/// ada maintains the repository, grace may read it (GitHub's older `permission` says `write`
/// and `read`), anyone else is not a collaborator.
async fn permission(
    headers: HeaderMap,
    Path((_, _, login)): Path<(String, String, String)>,
) -> Result<Json<Value>, StatusCode> {
    if bearer(&headers) != INSTALLATION_TOKEN {
        return Err(StatusCode::UNAUTHORIZED);
    }
    match login.as_str() {
        "ada" => Ok(Json(
            json!({"permission": "write", "role_name": "maintain"}),
        )),
        "grace" => Ok(Json(json!({"permission": "read"}))),
        _ => Err(StatusCode::NOT_FOUND),
    }
}

async fn fake_github(public_key: Vec<u8>) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/app/installations/{id}/access_tokens", post(access_token))
        .route("/repos/{owner}/{repo}/commits/{reference}", get(commit))
        .route("/repos/{owner}/{repo}/branches", get(branches))
        .route(
            "/repos/{owner}/{repo}/collaborators/{login}/permission",
            get(permission),
        )
        .with_state(Fake {
            public_key: Arc::new(public_key),
            seen: seen.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn repo() -> Repository {
    Repository::Github {
        full_name: "acme/shop".into(),
        installation_id: 7,
    }
}

#[tokio::test]
async fn refs_and_branches_are_read_with_an_installation_token() {
    let (pem, public) = key_pair();
    let (api, seen) = fake_github(public).await;
    let app = Arc::new(GithubApp::new(APP_ID, &pem, &api).expect("the key loads"));
    assert_eq!(app.installation_token(7).await.unwrap(), INSTALLATION_TOKEN);
    assert!(
        format!("{app:?}").contains("***"),
        "the key is never printed"
    );

    let source = GithubSource::new(Some(app));
    let c = source.resolve(&repo(), "main").await.unwrap();
    assert_eq!(c.sha, "a".repeat(40));
    assert_eq!(c.message, "Ship it");
    assert_eq!(c.author, "Ada");
    match source.resolve(&repo(), "no-such-branch").await {
        Err(SourceError::NotFound(m)) => assert!(m.contains("no-such-branch"), "{m}"),
        other => panic!("{other:?}"),
    }
    let heads = source.branch_heads(&repo()).await.unwrap();
    assert_eq!(heads["next"], "b".repeat(40));
    assert!(seen.lock().unwrap().contains(&"acme/shop@main".to_string()));
}

#[tokio::test]
async fn a_wrong_key_or_no_app_is_a_clear_error() {
    let (api, _) = fake_github(
        RsaKeyPair::from_der(&der(&private_key()))
            .unwrap()
            .public_key()
            .as_ref()
            .to_vec(),
    )
    .await;
    // Signed with another key: GitHub refuses it.
    let other = GithubApp::new(APP_ID, &private_key(), &api).unwrap();
    let err = other.installation_token(7).await.unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    assert!(GithubApp::new(APP_ID, "not a key", &api).is_err());
    let without = GithubSource::new(None);
    assert!(matches!(
        without.resolve(&repo(), "main").await,
        Err(SourceError::Unsupported(m)) if m.contains("TRELLIS_GITHUB_APP_SECRET")
    ));
}

#[tokio::test]
async fn a_clone_token_is_scoped_to_one_repository_and_reading_its_contents() {
    let (pem, public) = key_pair();
    let (api, seen) = fake_github(public).await;
    let app = GithubApp::new(APP_ID, &pem, &api).unwrap();
    assert_eq!(
        app.repository_token(7, "acme/shop").await.unwrap(),
        INSTALLATION_TOKEN
    );
    let expected = json!({"repositories": ["shop"], "permissions": {"contents": "read"}});
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("token scope {expected}")]
    );
}

#[tokio::test]
async fn a_collaborators_permission_is_read_with_the_installation_token() {
    use trellis_core::access::RepositoryPermissions;
    let (pem, public) = key_pair();
    let (api, _) = fake_github(public).await;
    let source = GithubSource::new(Some(Arc::new(GithubApp::new(APP_ID, &pem, &api).unwrap())));
    let of = |login: &'static str| {
        let source = &source;
        async move {
            source
                .collaborator_permission(&repo(), login)
                .await
                .unwrap()
        }
    };
    assert_eq!(of("ada").await.as_deref(), Some("maintain"));
    assert_eq!(of("grace").await.as_deref(), Some("read"));
    assert_eq!(of("mallory").await, None);
}
