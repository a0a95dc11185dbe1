//! Pull-request previews on the real store: made from the chosen environment (whose secrets
//! only the repository's own branches get), redeployed at each push, a fork's deployments
//! waiting for approval, never promoted, and gone when the pull request closes.

mod common;

use std::collections::BTreeMap;

use common::*;
use trellis_core::DomainError;
use trellis_core::model::{DeploymentStatus, Repository};
use trellis_core::ports::SecretStore;
use trellis_core::requests::{EnvironmentPatch, PullRequestAction, PullRequestEvent};

fn pr(number: u64, action: PullRequestAction, sha: &str, fork: bool) -> PullRequestEvent {
    PullRequestEvent {
        repository_key: Repository::Local { path: REPO.into() }.key(),
        number,
        action,
        head: commit(sha),
        head_ref: "feature/pricing".into(),
        head_repository: if fork {
            "mallory/shop".into()
        } else {
            "acme/shop".into()
        },
        fork,
        sender: Some("grace".into()),
    }
}

async fn with_previews() -> Harness {
    let h = harness();
    h.app().await;
    let patch = EnvironmentPatch {
        variables: Some(BTreeMap::from([("STAGE".into(), Some("dev".into()))])),
        ..Default::default()
    };
    h.pipeline
        .update_environment("shop", "development", patch)
        .await
        .unwrap();
    h.secrets
        .update(
            "shop",
            "development",
            BTreeMap::from([("API_KEY".into(), Some("sk_dev_123456".into()))]),
        )
        .await
        .unwrap();
    h.pipeline
        .set_previews("shop", Some("development".into()))
        .await
        .unwrap();
    h
}

#[tokio::test]
async fn without_previews_a_pull_request_deploys_nothing_and_the_base_must_exist() {
    let h = harness();
    h.app().await;
    let started = h
        .pipeline
        .pull_request(pr(7, PullRequestAction::Updated, "b1", false))
        .await
        .unwrap();
    assert!(started.is_empty());
    assert_eq!(h.launches(), 0);
    match h.pipeline.set_previews("shop", Some("qa".into())).await {
        Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "previews.baseEnvironment"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_pull_request_gets_a_preview_redeployed_at_each_push_and_never_promoted() {
    let h = with_previews().await;
    let started = h
        .pipeline
        .pull_request(pr(7, PullRequestAction::Updated, "b1", false))
        .await
        .unwrap();
    assert_eq!(started.len(), 1);
    let preview = h.env("pr-7").await;
    assert_eq!(preview.branch.as_deref(), Some("feature/pricing"));
    assert_eq!(
        preview.variables.get("STAGE").map(String::as_str),
        Some("dev")
    );
    assert!(!preview.auto_deploy && !preview.requires_approval);
    {
        let launched = h.launcher.launched.lock().unwrap();
        assert_eq!(launched[0].commit_sha, started[0].commit.sha);
        // The repository's own branch runs with the base's secrets, read at launch.
        assert_eq!(launched[0].secrets_environment(), Some("development"));
    }
    assert!(
        h.secrets.get("shop", "pr-7").await.unwrap().is_empty(),
        "nothing copied"
    );
    assert_eq!(
        started[0].requested_by.as_deref(),
        Some("pull request #7 by grace")
    );
    h.pipeline.finish(&started[0].id, succeed()).await.unwrap();

    let again = h
        .pipeline
        .pull_request(pr(7, PullRequestAction::Updated, "b2", false))
        .await
        .unwrap();
    assert_eq!(again[0].environment, "pr-7");
    assert_eq!(h.launches(), 2);
    h.pipeline.finish(&again[0].id, succeed()).await.unwrap();

    assert!(matches!(
        h.pipeline.promote("shop", "pr-7").await,
        Err(DomainError::Conflict(_))
    ));
    // Promoting development skips the preview: staging is next.
    h.deployed_dev("c1").await;
    let promoted = h.pipeline.promote("shop", "development").await.unwrap();
    assert_eq!(promoted.environment, "staging");
}

#[tokio::test]
async fn a_fork_gets_no_secrets_and_waits_for_approval() {
    let h = with_previews().await;
    let started = h
        .pipeline
        .pull_request(pr(9, PullRequestAction::Updated, "f1", true))
        .await
        .unwrap();
    assert_eq!(started[0].status, DeploymentStatus::AwaitingApproval);
    assert_eq!(h.launches(), 0, "a fork's code runs only once approved");
    let preview = h.env("pr-9").await;
    assert!(preview.secret_names.is_empty() && preview.requires_approval);
    assert!(h.secrets.get("shop", "pr-9").await.unwrap().is_empty());
    // Its branch is not in this repository: it deploys only with the pull request's events.
    assert!(matches!(
        h.pipeline.deploy("shop", "pr-9", None).await,
        Err(DomainError::Conflict(m)) if m.contains("from a fork")
    ));
    let approved = h.pipeline.approve(&started[0].id, "ada").await.unwrap();
    assert_eq!(approved.status, DeploymentStatus::Running);
    assert_eq!(
        h.launcher.launched.lock().unwrap()[0].secrets_environment(),
        None,
        "a fork's code never gets secrets"
    );
    // Closing a fork's preview that was never approved removes it at once.
    let waiting = h
        .pipeline
        .pull_request(pr(10, PullRequestAction::Updated, "f2", true))
        .await
        .unwrap();
    h.pipeline
        .pull_request(pr(10, PullRequestAction::Closed, "f2", true))
        .await
        .unwrap();
    assert!(h.pipeline.get_environment("shop", "pr-10").await.is_err());
    assert_eq!(
        h.pipeline
            .require_deployment(&waiting[0].id)
            .await
            .unwrap()
            .status,
        DeploymentStatus::Cancelled
    );
}

#[tokio::test]
async fn closing_tears_the_preview_down_then_removes_it_and_its_secrets() {
    let h = with_previews().await;
    let started = h
        .pipeline
        .pull_request(pr(7, PullRequestAction::Updated, "b1", false))
        .await
        .unwrap();
    h.pipeline.finish(&started[0].id, succeed()).await.unwrap();
    let teardown = h
        .pipeline
        .pull_request(pr(7, PullRequestAction::Closed, "b1", false))
        .await
        .unwrap();
    assert_eq!(teardown.len(), 1);
    assert_eq!(
        teardown[0].kind,
        trellis_core::model::DeploymentKind::Teardown
    );
    assert!(h.env("pr-7").await.preview.unwrap().closed);
    h.pipeline.finish(&teardown[0].id, succeed()).await.unwrap();
    assert!(h.pipeline.get_environment("shop", "pr-7").await.is_err());
    assert!(h.secrets.get("shop", "pr-7").await.unwrap().is_empty());
    // Previews turned off: a preview made before still goes when its pull request closes.
    let again = h
        .pipeline
        .pull_request(pr(11, PullRequestAction::Updated, "d1", false))
        .await
        .unwrap();
    h.pipeline.finish(&again[0].id, succeed()).await.unwrap();
    h.pipeline.set_previews("shop", None).await.unwrap();
    let ignored = h
        .pipeline
        .pull_request(pr(12, PullRequestAction::Updated, "d2", false))
        .await
        .unwrap();
    assert!(ignored.is_empty(), "no new previews once off");
    let down = h
        .pipeline
        .pull_request(pr(11, PullRequestAction::Closed, "d1", false))
        .await
        .unwrap();
    h.pipeline.finish(&down[0].id, succeed()).await.unwrap();
    assert!(h.pipeline.get_environment("shop", "pr-11").await.is_err());
    // A closed pull request that had no preview does nothing.
    let nothing = h
        .pipeline
        .pull_request(pr(8, PullRequestAction::Closed, "x", false))
        .await
        .unwrap();
    assert!(nothing.is_empty());
}
