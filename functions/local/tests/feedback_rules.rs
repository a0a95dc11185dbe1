//! Reporting deployments to GitHub, on the real store: what is recorded for which
//! deployment, that only the latest state is said, retries with backoff, giving up, and a
//! GitHub deployment never made twice. GitHub itself is a recording stand-in here.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use trellis_core::feedback::{
    Feedback, FeedbackSender, FeedbackService, FeedbackTarget, MAX_FEEDBACK_ATTEMPTS, SendOutcome,
};
use trellis_core::model::{DeploymentStatus, Repository, Timestamp};
use trellis_core::ports::Clock;
use trellis_local::sqlite::SqliteFeedbackStore;

struct ManualClock(Mutex<Timestamp>);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

impl ManualClock {
    fn advance(&self, by: time::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

/// GitHub as these tests script it: each call answers the next scripted outcome (success
/// once the script is used up), and every call is kept.
#[derive(Default)]
struct ScriptedGithub {
    script: Mutex<VecDeque<SendOutcome>>,
    said: Mutex<Vec<(String, String, Option<u64>)>>,
}

#[async_trait]
impl FeedbackSender for ScriptedGithub {
    async fn send(&self, f: &Feedback) -> SendOutcome {
        self.said.lock().unwrap().push((
            f.target.as_str().to_string(),
            f.desired.clone(),
            f.github_deployment_id,
        ));
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(SendOutcome {
                github_deployment_id: (f.target == FeedbackTarget::GithubDeployment
                    && f.github_deployment_id.is_none())
                .then_some(900),
                result: Ok(()),
            })
    }
}

struct World {
    h: Harness,
    feedback: FeedbackService,
    clock: Arc<ManualClock>,
    github: ScriptedGithub,
}

const BASE: Duration = Duration::from_secs(5);

async fn world() -> World {
    let h = harness();
    let mut app = new_app("shop");
    app.repository = Repository::Github {
        full_name: "acme/shop".into(),
        installation_id: 7,
    };
    h.pipeline.create_app(app).await.unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(time::OffsetDateTime::now_utc())));
    let store = Arc::new(SqliteFeedbackStore::open(&h._dir.path().join("t.db")).unwrap());
    let feedback = FeedbackService::new(
        store,
        h.store.clone(),
        clock.clone(),
        Some("https://trellis.example/".into()),
    )
    .with_retry_base(BASE);
    World {
        h,
        feedback,
        clock,
        github: ScriptedGithub::default(),
    }
}

impl World {
    async fn round(&self) -> trellis_core::feedback::DeliveryRound {
        self.feedback.deliver_due(&self.github, 50).await.unwrap()
    }

    fn said(&self) -> Vec<(String, String, Option<u64>)> {
        std::mem::take(&mut *self.github.said.lock().unwrap())
    }
}

#[tokio::test]
async fn the_first_environment_gets_a_commit_status_every_environment_a_github_deployment() {
    let w = world().await;
    let dev =
        w.h.pipeline
            .deploy("shop", "development", Some("main"))
            .await
            .unwrap();
    w.feedback.record(&dev).await.unwrap();
    let recorded = w.feedback.of_deployment(&dev.id).await.unwrap();
    let targets: Vec<(FeedbackTarget, &str)> = recorded
        .iter()
        .map(|f| (f.target, f.desired.as_str()))
        .collect();
    assert_eq!(
        targets,
        [
            (FeedbackTarget::GithubDeployment, "in_progress"),
            (FeedbackTarget::GithubStatus, "pending"),
        ]
    );
    assert_eq!(
        recorded[0].log_url.as_deref(),
        Some(format!("https://trellis.example/deployments/{}", dev.id).as_str())
    );
    assert_eq!(recorded[0].repository, "acme/shop");

    let staging =
        w.h.pipeline
            .deploy("shop", "staging", Some("main"))
            .await
            .unwrap();
    w.feedback.record(&staging).await.unwrap();
    assert_eq!(
        w.feedback.of_deployment(&staging.id).await.unwrap().len(),
        1
    );

    // A local repository has nowhere to report to.
    w.h.pipeline.create_app(new_app("blog")).await.unwrap();
    let blog =
        w.h.pipeline
            .deploy("blog", "development", Some("main"))
            .await
            .unwrap();
    w.feedback.record(&blog).await.unwrap();
    assert!(w.feedback.of_deployment(&blog.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn only_the_latest_state_is_said_and_said_once() {
    let w = world().await;
    let mut dep =
        w.h.pipeline
            .deploy("shop", "staging", Some("main"))
            .await
            .unwrap();
    w.feedback.record(&dep).await.unwrap();
    dep.status = DeploymentStatus::Succeeded;
    dep.outputs.insert(
        "url".into(),
        serde_json::json!("https://staging.shop.example"),
    );
    w.feedback.record(&dep).await.unwrap();
    let round = w.round().await;
    assert_eq!(round.delivered, 1);
    assert_eq!(
        w.said(),
        [("github-deployment".into(), "success".into(), None)]
    );
    let stored = &w.feedback.of_deployment(&dep.id).await.unwrap()[0];
    assert_eq!(stored.delivered.as_deref(), Some("success"));
    assert_eq!(stored.github_deployment_id, Some(900));
    assert_eq!(
        stored.environment_url.as_deref(),
        Some("https://staging.shop.example")
    );
    // Nothing new: nothing is said again, whenever the next round runs.
    w.clock.advance(time::Duration::hours(1));
    assert_eq!(w.round().await.delivered, 0);
    w.feedback.record(&dep).await.unwrap();
    assert_eq!(w.round().await.delivered, 0);
    assert!(w.said().is_empty());
}

#[tokio::test]
async fn failures_are_retried_with_doubling_waits_and_stay_visible_until_said() {
    let w = world().await;
    let dep =
        w.h.pipeline
            .deploy("shop", "staging", Some("main"))
            .await
            .unwrap();
    w.feedback.record(&dep).await.unwrap();
    {
        let mut script = w.github.script.lock().unwrap();
        // The deployment is made, then its status fails; then GitHub is down once.
        script.push_back(SendOutcome {
            github_deployment_id: Some(41),
            result: Err("HTTP 502 from GitHub".into()),
        });
        script.push_back(SendOutcome {
            github_deployment_id: None,
            result: Err("connection refused".into()),
        });
    }
    assert_eq!(w.round().await.failed, 1);
    let stored = &w.feedback.of_deployment(&dep.id).await.unwrap()[0];
    assert_eq!(stored.last_error.as_deref(), Some("HTTP 502 from GitHub"));
    assert_eq!(
        (stored.attempts, stored.github_deployment_id),
        (1, Some(41))
    );
    // Not due before its wait (5 s), due after.
    w.clock.advance(time::Duration::seconds(4));
    assert_eq!(w.round().await, Default::default());
    w.clock.advance(time::Duration::seconds(1));
    assert_eq!(w.round().await.failed, 1);
    w.clock.advance(time::Duration::seconds(9));
    assert_eq!(
        w.round().await,
        Default::default(),
        "the second wait is 10 s"
    );
    w.clock.advance(time::Duration::seconds(1));
    assert_eq!(w.round().await.delivered, 1);
    // The deployment made by the first try is the one every later try reports on.
    let ids: Vec<Option<u64>> = w.said().into_iter().map(|(_, _, id)| id).collect();
    assert_eq!(ids, [None, Some(41), Some(41)]);
    let stored = &w.feedback.of_deployment(&dep.id).await.unwrap()[0];
    assert_eq!(stored.last_error, None);
}

#[tokio::test]
async fn after_the_last_try_it_gives_up_until_there_is_something_new_to_say() {
    let w = world().await;
    let mut dep =
        w.h.pipeline
            .deploy("shop", "staging", Some("main"))
            .await
            .unwrap();
    w.feedback.record(&dep).await.unwrap();
    for _ in 0..MAX_FEEDBACK_ATTEMPTS {
        w.github.script.lock().unwrap().push_back(SendOutcome {
            github_deployment_id: None,
            result: Err("HTTP 401: bad credentials".into()),
        });
    }
    let mut gave_up = 0;
    for _ in 0..MAX_FEEDBACK_ATTEMPTS {
        let round = w.round().await;
        gave_up += round.gave_up;
        w.clock.advance(time::Duration::hours(1));
    }
    assert_eq!(gave_up, 1);
    assert_eq!(w.round().await, Default::default());
    let stored = &w.feedback.of_deployment(&dep.id).await.unwrap()[0];
    assert!(stored.gave_up && !stored.pending(), "{stored:?}");
    assert_eq!(
        stored.last_error.as_deref(),
        Some("HTTP 401: bad credentials")
    );

    dep.status = DeploymentStatus::Failed;
    w.feedback.record(&dep).await.unwrap();
    assert_eq!(w.round().await.delivered, 1);
    assert_eq!(w.said().last().map(|s| s.1.clone()), Some("failure".into()));
}

#[tokio::test]
async fn a_teardown_leaves_the_environment_inactive_on_github_and_sets_no_commit_status() {
    let w = world().await;
    let dep =
        w.h.pipeline
            .deploy("shop", "development", Some("main"))
            .await
            .unwrap();
    w.h.pipeline.finish(&dep.id, succeed()).await.unwrap();
    let down = w.h.pipeline.teardown("shop", "development").await.unwrap();
    w.h.pipeline.finish(&down.id, succeed()).await.unwrap();
    let ended = w.h.pipeline.require_deployment(&down.id).await.unwrap();
    w.feedback.record(&ended).await.unwrap();
    let recorded = w.feedback.of_deployment(&down.id).await.unwrap();
    let targets: Vec<(FeedbackTarget, &str)> = recorded
        .iter()
        .map(|f| (f.target, f.desired.as_str()))
        .collect();
    assert_eq!(targets, [(FeedbackTarget::GithubDeployment, "inactive")]);
}

#[tokio::test]
async fn a_deployment_superseded_before_it_ran_is_inactive_not_an_error() {
    let w = world().await;
    let running =
        w.h.pipeline
            .deploy("shop", "staging", Some("main"))
            .await
            .unwrap();
    let first =
        w.h.pipeline
            .deploy("shop", "staging", Some("main"))
            .await
            .unwrap();
    let second =
        w.h.pipeline
            .deploy("shop", "staging", Some("main"))
            .await
            .unwrap();
    assert_ne!(running.id, second.id);
    let superseded = w.h.pipeline.require_deployment(&first.id).await.unwrap();
    assert_eq!(superseded.status, DeploymentStatus::Cancelled);
    w.feedback.record(&superseded).await.unwrap();
    let recorded = w.feedback.of_deployment(&first.id).await.unwrap();
    assert_eq!(recorded[0].desired, "inactive");
}
