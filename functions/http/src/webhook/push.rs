//! What a `push` delivery asks for: a branch's new head, or a reason to deploy nothing.

use serde::Deserialize;
use trellis_core::model::{Commit, Repository};
use trellis_core::requests::PushEvent;

use crate::error::ApiError;

#[derive(Debug, Deserialize)]
struct PushPayload {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    before: String,
    after: String,
    #[serde(default)]
    deleted: bool,
    head_commit: Option<HeadCommit>,
    repository: PayloadRepository,
    pusher: Option<Pusher>,
}

#[derive(Debug, Deserialize)]
struct Pusher {
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct HeadCommit {
    id: String,
    message: String,
    author: Option<CommitAuthor>,
}

#[derive(Debug, Deserialize)]
struct CommitAuthor {
    name: Option<String>,
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PayloadRepository {
    full_name: String,
}

/// What a push payload asks for.
#[derive(Debug)]
pub enum PushDecision {
    /// The push, and the key its content is remembered by: the signature does not cover
    /// the delivery id, so a captured payload re-sent under new ids is still the same push.
    Push(PushEvent, String),
    Ignore(String),
}

pub fn interpret_push(body: &[u8]) -> Result<PushDecision, ApiError> {
    let p: PushPayload = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("push payload unreadable: {e}")))?;
    let Some(branch) = p.reference.strip_prefix("refs/heads/") else {
        let what = if p.reference.starts_with("refs/tags/") {
            "tag"
        } else {
            "non-branch ref"
        };
        return Ok(PushDecision::Ignore(format!(
            "{what} push ({}) deploys nothing",
            p.reference
        )));
    };
    if p.deleted || p.after.chars().all(|c| c == '0') {
        return Ok(PushDecision::Ignore(format!(
            "branch {branch} was deleted: nothing to deploy"
        )));
    }
    let sha = |field: &str, value: &str| {
        trellis_core::validate::commit_sha(field, value)
            .map_err(|e| ApiError::bad_request(format!("push payload field {field}: {e}")))
    };
    sha("after", &p.after)?;
    if let Some(c) = &p.head_commit
        && c.id != p.after
    {
        return Err(ApiError::bad_request(format!(
            "push payload field head_commit.id: {:?} is not the pushed commit (after = {:?})",
            c.id, p.after
        )));
    }
    trellis_core::validate::branch("ref", branch)
        .map_err(|e| ApiError::bad_request(format!("push payload field ref: {e}")))?;
    let replay_key = format!(
        "push {} {} {}..{}",
        p.repository.full_name, p.reference, p.before, p.after
    );
    let commit = match p.head_commit {
        Some(c) => Commit {
            sha: c.id,
            message: c.message,
            author: c
                .author
                .and_then(|a| a.name.or(a.username))
                .unwrap_or_default(),
        },
        None => Commit {
            sha: p.after,
            message: String::new(),
            author: String::new(),
        },
    };
    Ok(PushDecision::Push(
        PushEvent {
            pushed_by: p.pusher.and_then(|u| u.name),
            repository_key: Repository::Github {
                full_name: p.repository.full_name,
                installation_id: 0,
            }
            .key(),
            branch: branch.to_string(),
            commit,
            only_app: None,
        },
        replay_key,
    ))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        trellis_core::conformance::fixture(&format!("github/{name}"))
    }

    #[test]
    fn tag_deletion_is_ignored() {
        for f in [
            "push.json",
            "push-tag-deleted.json",
            "push-organization.json",
        ] {
            match interpret_push(&fixture(f)).unwrap() {
                PushDecision::Ignore(r) => assert!(r.contains("tag"), "{f}: {r}"),
                other => panic!("{f}: {other:?}"),
            }
        }
    }

    #[test]
    fn new_branch_push_is_a_push() {
        match interpret_push(&fixture("push-new-branch.json")).unwrap() {
            PushDecision::Push(p, key) => {
                assert_eq!(p.branch, "master");
                assert_eq!(p.pushed_by.as_deref(), Some("Codertocat"));
                assert_eq!(p.commit.sha.len(), 40);
                assert!(p.repository_key.starts_with("github:"));
                assert_eq!(
                    key,
                    format!(
                        "push Codertocat/Hello-World refs/heads/master {}..{}",
                        "0".repeat(40),
                        p.commit.sha
                    )
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_commit_id_that_is_not_a_full_sha_is_refused_naming_the_field() {
        let with = |after: &str, head: &str| {
            format!(
                r#"{{"ref":"refs/heads/main","after":"{after}","head_commit":{{"id":"{head}","message":"m"}},"repository":{{"full_name":"o/r"}}}}"#
            )
        };
        let good = "a".repeat(40);
        for (body, field) in [
            (with("abc", &good), "after"),
            (with(&format!("{}é", "a".repeat(39)), &good), "after"),
            (with(&good, "../../etc"), "head_commit.id"),
            (with(&good, &"0".repeat(40)), "head_commit.id"),
        ] {
            let err = interpret_push(body.as_bytes()).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert!(err.message.contains(field), "{}", err.message);
        }
        assert!(matches!(
            interpret_push(with(&good, &good).as_bytes()).unwrap(),
            PushDecision::Push(..)
        ));
    }

    #[test]
    fn branch_deletion_is_ignored() {
        let body = br#"{"ref":"refs/heads/main","after":"0000000000000000000000000000000000000000","deleted":true,"head_commit":null,"repository":{"full_name":"o/r"}}"#;
        match interpret_push(body).unwrap() {
            PushDecision::Ignore(r) => assert!(r.contains("deleted"), "{r}"),
            other => panic!("{other:?}"),
        }
    }
}
