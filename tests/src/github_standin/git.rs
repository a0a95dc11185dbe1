//! Repositories hosted by the stand-in over git's smart HTTP protocol (`git http-backend` as
//! a CGI program), as github.com serves them: `<url>/<owner>/<name>.git`. A clone must carry
//! an installation token (`x-access-token:<token>`, as GitHub App tokens are sent) for an
//! installation that holds the repository; each clone's token is remembered.
//! Commits for the REST API are read from the hosted repository too.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tokio::io::AsyncWriteExt;

use super::{GithubStandIn, Shared};

impl GithubStandIn {
    /// Serves the git repository at `path` (a work tree or a bare repository) as
    /// `<url>/<full_name>.git`, to tokens of installations that hold it.
    pub fn host(&self, full_name: &str, path: &Path) {
        self.world
            .lock()
            .unwrap()
            .hosted
            .insert(full_name.into(), path.to_path_buf());
    }

    /// The installation each clone's token belonged to, in order.
    pub fn clones(&self) -> Vec<u64> {
        self.world.lock().unwrap().clones.clone()
    }
}

/// The git directory of a hosted repository.
pub(super) fn git_dir(path: &Path) -> PathBuf {
    let dot_git = path.join(".git");
    if dot_git.is_dir() {
        dot_git
    } else {
        path.to_path_buf()
    }
}

/// `git log -1` of `reference` in a hosted repository: sha, subject, author.
pub(super) fn commit_of(path: &Path, reference: &str) -> Option<(String, String, String)> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(git_dir(path))
        .args(["log", "-1", "--format=%H%x00%B%x00%an", reference, "--"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.splitn(3, '\0');
    Some((
        parts.next()?.trim().to_string(),
        parts.next()?.trim().to_string(),
        parts.next()?.trim().to_string(),
    ))
}

fn installation_of_basic(headers: &HeaderMap) -> Option<u64> {
    let encoded = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("basic ")
        .or_else(|| {
            headers
                .get("authorization")?
                .to_str()
                .ok()?
                .strip_prefix("Basic ")
        })?;
    let pair = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let pair = String::from_utf8(pair).ok()?;
    pair.strip_prefix("x-access-token:ghs_inst-")?.parse().ok()
}

/// Everything no other route answers: git's smart HTTP for hosted repositories.
pub(super) async fn smart_http(State(w): Shared, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let Some((full_name, _)) = path.trim_start_matches('/').split_once(".git/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let full_name = full_name.to_string();
    let (hosted, holders) = {
        let w = w.lock().unwrap();
        let holders: Vec<u64> = w
            .installations
            .iter()
            .filter(|(_, repos)| repos.iter().any(|r| r.full_name() == full_name))
            .map(|(id, _)| *id)
            .collect();
        (w.hosted.get(&full_name).cloned(), holders)
    };
    let Some(hosted) = hosted else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match installation_of_basic(request.headers()) {
        Some(id) if holders.contains(&id) => {
            // One advertisement per clone or fetch (protocol v2 then posts once per command).
            if path.ends_with("/info/refs") {
                w.lock().unwrap().clones.push(id);
            }
        }
        // As GitHub does for a private repository without credentials: ask for them.
        _ => {
            let mut refused = StatusCode::UNAUTHORIZED.into_response();
            refused.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_static("Basic realm=\"GitHub\""),
            );
            return refused;
        }
    }
    let rest = path
        .trim_start_matches('/')
        .split_once(".git/")
        .map(|(_, r)| r.to_string())
        .unwrap_or_default();
    cgi(&hosted, &rest, request).await
}

/// Runs `git http-backend` for one request on the repository at `hosted`.
async fn cgi(hosted: &Path, rest: &str, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut child = match tokio::process::Command::new("git")
        .arg("http-backend")
        .env(
            "GIT_PROJECT_ROOT",
            git_dir(hosted).parent().unwrap_or(Path::new("/")),
        )
        .env(
            "PATH_INFO",
            format!(
                "/{}/{rest}",
                git_dir(hosted)
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
            ),
        )
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", parts.method.as_str())
        .env("QUERY_STRING", parts.uri.query().unwrap_or_default())
        .env("CONTENT_TYPE", header("content-type"))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("GIT_PROTOCOL", header("git-protocol"))
        .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
        .env("REMOTE_USER", "x-access-token")
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let mut stdin = child.stdin.take().unwrap();
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&body).await;
    });
    let out = match child.wait_with_output().await {
        Ok(o) => o,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let _ = writer.await;
    cgi_response(&out.stdout)
}

/// A CGI program's output: headers, a blank line, the body.
fn cgi_response(output: &[u8]) -> Response {
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((end, gap)) = split else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let mut response = Response::new(Body::from(output[end + gap..].to_vec()));
    for line in String::from_utf8_lossy(&output[..end]).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split(' ').next().and_then(|c| c.parse().ok());
            *response.status_mut() = code
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::OK);
        } else if let (Ok(n), Ok(v)) = (
            axum::http::HeaderName::try_from(name.trim()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}
