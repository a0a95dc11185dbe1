//! The pages local deploys publish, served on an origin of their own (another port): a page's
//! JavaScript must never share the dashboard's origin, where the API token lives. A build
//! writes these trees, so nothing in them is followed outside its site: no symlinks, no `..`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};

/// A published file larger than this is refused (sample sites are a few kilobytes).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub fn router(root: PathBuf) -> Router {
    Router::new().fallback(serve).with_state(Arc::new(root))
}

async fn serve(State(root): State<Arc<PathBuf>>, uri: Uri) -> Response {
    let Some(relative) = relative_path(uri.path()) else {
        return not_found();
    };
    let wants_dir = uri.path().ends_with('/');
    let root = root.clone();
    let read = tokio::task::spawn_blocking(move || read_file(&root, &relative, wants_dir)).await;
    match read {
        Ok(Found::File(path, body)) => {
            let kind = mime_guess::from_path(&path).first_or_octet_stream();
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(kind.as_ref()) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Ok(Found::Directory) => Redirect::permanent(&format!("{}/", uri.path())).into_response(),
        Ok(Found::Nothing) | Err(_) => not_found(),
    }
}

enum Found {
    File(PathBuf, Vec<u8>),
    Directory,
    Nothing,
}

/// The request path as a relative path of plain segments, or `None` for anything else.
fn relative_path(path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let mut relative = PathBuf::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." || segment.contains(['\0', '\\']) {
            return None;
        }
        relative.push(segment);
    }
    Some(relative)
}

fn read_file(root: &Path, relative: &Path, wants_dir: bool) -> Found {
    let open = |p: &Path| trellis_core::files::open_beneath(root, p).ok();
    let target = if relative.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        relative.to_path_buf()
    };
    let Some(file) = open(&target) else {
        return Found::Nothing;
    };
    let Ok(meta) = file.metadata() else {
        return Found::Nothing;
    };
    let (path, file) = if meta.is_dir() {
        if !wants_dir {
            return Found::Directory;
        }
        let index = target.join("index.html");
        match open(&index) {
            Some(f) => (index, f),
            None => return Found::Nothing,
        }
    } else {
        (target, file)
    };
    match file.metadata() {
        Ok(m) if m.is_file() && m.len() <= MAX_FILE_BYTES => {}
        _ => return Found::Nothing,
    }
    let mut body = Vec::new();
    match file.take(MAX_FILE_BYTES).read_to_end(&mut body) {
        Ok(_) => Found::File(path, body),
        Err(_) => Found::Nothing,
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_segments_make_a_path() {
        assert_eq!(relative_path("/a/b/").unwrap(), PathBuf::from("a/b"));
        assert_eq!(relative_path("/a%20b").unwrap(), PathBuf::from("a b"));
        assert!(relative_path("/a/../b").is_none());
        assert!(relative_path("/a/%2e%2e/b").is_none());
        assert!(relative_path("/a%00").is_none());
    }
}
