//! What a `pull_request` delivery asks for: its preview (re)deployed, torn down, or nothing.

use serde::Deserialize;
use trellis_core::model::{Commit, Repository};
use trellis_core::requests::{PullRequestAction, PullRequestEvent};

use crate::error::ApiError;

#[derive(Debug, Deserialize)]
struct Payload {
    action: String,
    number: u64,
    pull_request: PullRequest,
    repository: NamedRepository,
    sender: Option<Login>,
}

#[derive(Debug, Deserialize)]
struct PullRequest {
    #[serde(default)]
    title: String,
    head: Head,
    user: Option<Login>,
}

#[derive(Debug, Deserialize)]
struct Head {
    sha: String,
    #[serde(rename = "ref")]
    reference: String,
    /// Absent when the fork's repository was deleted.
    repo: Option<NamedRepository>,
}

#[derive(Debug, Deserialize)]
struct NamedRepository {
    full_name: String,
}

#[derive(Debug, Deserialize)]
struct Login {
    login: String,
}

#[derive(Debug)]
pub enum PullRequestDecision {
    /// The event, and the key its content is remembered by (replays under new delivery ids).
    Event(PullRequestEvent, String),
    Ignore(String),
}

pub fn interpret_pull_request(body: &[u8]) -> Result<PullRequestDecision, ApiError> {
    let p: Payload = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("pull_request payload unreadable: {e}")))?;
    let action = match p.action.as_str() {
        "opened" | "reopened" | "synchronize" => PullRequestAction::Updated,
        "closed" => PullRequestAction::Closed,
        other => {
            return Ok(PullRequestDecision::Ignore(format!(
                "pull request {other}: nothing to deploy"
            )));
        }
    };
    fn refused(field: &'static str) -> impl Fn(trellis_core::DomainError) -> ApiError {
        move |e| ApiError::bad_request(format!("pull_request payload field {field}: {e}"))
    }
    trellis_core::validate::commit_sha("pull_request.head.sha", &p.pull_request.head.sha)
        .map_err(refused("pull_request.head.sha"))?;
    trellis_core::validate::branch("pull_request.head.ref", &p.pull_request.head.reference)
        .map_err(refused("pull_request.head.ref"))?;
    if p.number == 0 {
        return Err(ApiError::bad_request(
            "pull_request payload field number: a pull request's number is at least 1",
        ));
    }
    let base = p.repository.full_name;
    let head_repository = p
        .pull_request
        .head
        .repo
        .map(|r| r.full_name)
        .unwrap_or_else(|| "(deleted fork)".into());
    let fork = !head_repository.eq_ignore_ascii_case(&base);
    let replay_key = format!(
        "pull_request {base}#{} {} {}",
        p.number, p.action, p.pull_request.head.sha
    );
    Ok(PullRequestDecision::Event(
        PullRequestEvent {
            repository_key: Repository::Github {
                full_name: base,
                installation_id: 0,
            }
            .key(),
            number: p.number,
            action,
            head: Commit {
                sha: p.pull_request.head.sha,
                message: p.pull_request.title,
                author: p.pull_request.user.map(|u| u.login).unwrap_or_default(),
            },
            head_ref: p.pull_request.head.reference,
            head_repository,
            fork,
            sender: p.sender.map(|s| s.login),
        },
        replay_key,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> serde_json::Value {
        serde_json::from_slice(&trellis_core::conformance::fixture(
            "github/pull-request-opened.json",
        ))
        .unwrap()
    }

    fn decide(v: &serde_json::Value) -> Result<PullRequestDecision, ApiError> {
        interpret_pull_request(v.to_string().as_bytes())
    }

    #[test]
    fn an_opened_pull_request_is_its_head_from_its_own_repository() {
        let PullRequestDecision::Event(ev, key) = decide(&fixture()).unwrap() else {
            panic!("an event");
        };
        assert_eq!(ev.number, 2);
        assert_eq!(ev.action, PullRequestAction::Updated);
        assert_eq!(ev.head.sha, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
        assert_eq!(ev.head_ref, "changes");
        assert!(!ev.fork);
        assert_eq!(ev.repository_key, "github:codertocat/hello-world");
        assert!(key.contains("#2 opened"), "{key}");
    }

    #[test]
    fn a_fork_a_close_and_other_actions_are_told_apart() {
        let mut v = fixture();
        v["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World".into();
        let PullRequestDecision::Event(ev, _) = decide(&v).unwrap() else {
            panic!("an event");
        };
        assert!(ev.fork);
        v["action"] = "closed".into();
        let PullRequestDecision::Event(ev, _) = decide(&v).unwrap() else {
            panic!("an event");
        };
        assert_eq!(ev.action, PullRequestAction::Closed);
        v["action"] = "labeled".into();
        assert!(matches!(
            decide(&v).unwrap(),
            PullRequestDecision::Ignore(_)
        ));
    }

    #[test]
    fn a_bad_head_is_refused_naming_the_field() {
        let mut v = fixture();
        v["pull_request"]["head"]["sha"] = "not-a-sha".into();
        let e = decide(&v).unwrap_err();
        assert!(
            e.body().error.message.contains("pull_request.head.sha"),
            "{:?}",
            e.body()
        );
        let mut v = fixture();
        v["pull_request"]["head"]["ref"] = "--upload-pack=evil".into();
        assert!(decide(&v).is_err());
    }
}
