//! The domain rules of the deployment pipeline, one test (or more) per rule, run against the
//! real SQLite store. Only the runner launcher and the repository are test doubles: they stand
//! in for processes and git, not for the rules under test.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use common::*;
use trellis_core::DomainError;
use trellis_core::model::{DeploymentStatus, EnvState, Trigger};
use trellis_core::ports::{DeploymentStore, LiveEvent};
use trellis_core::requests::{EnvironmentPatch, NewEnvironment};

fn invalid_field(e: DomainError) -> String {
    match e {
        DomainError::Invalid { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// ----- apps -------------------------------------------------------------------------------

#[tokio::test]
async fn default_pipeline_is_development_staging_production() {
    let h = harness();
    let (_, envs) = h.pipeline.create_app(new_app("shop")).await.unwrap();
    let names: Vec<_> = envs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["development", "staging", "production"]);
    assert_eq!(envs[0].branch.as_deref(), Some("main"));
    assert!(envs[0].auto_deploy && !envs[0].protected);
    assert!(!envs[1].auto_deploy && !envs[1].protected);
    assert!(envs[2].protected && !envs[2].auto_deploy);
    assert!(envs.iter().all(|e| e.state == EnvState::Empty));
}

#[tokio::test]
async fn creating_an_app_deploys_nothing_and_marks_heads_seen() {
    let h = harness();
    let (app, _) = h.pipeline.create_app(new_app("shop")).await.unwrap();
    assert_eq!(h.launches(), 0);
    assert!(h.store.list_active_deployments().await.unwrap().is_empty());
    assert_eq!(app.branch_heads.get("main").map(String::as_str), Some("a1"));
}

#[tokio::test]
async fn app_and_environment_names_are_validated_with_the_field() {
    let h = harness();
    let mut bad = new_app("Shop");
    assert_eq!(
        invalid_field(h.pipeline.create_app(bad.clone()).await.unwrap_err()),
        "name"
    );
    bad.name = "shop".into();
    bad.environments = Some(vec![
        NewEnvironment {
            name: "dev".into(),
            ..Default::default()
        },
        NewEnvironment {
            name: "Prod_1".into(),
            ..Default::default()
        },
    ]);
    assert_eq!(
        invalid_field(h.pipeline.create_app(bad.clone()).await.unwrap_err()),
        "environments[1].name"
    );
    bad.environments = Some(vec![
        NewEnvironment {
            name: "dev".into(),
            ..Default::default()
        },
        NewEnvironment {
            name: "dev".into(),
            ..Default::default()
        },
    ]);
    assert_eq!(
        invalid_field(h.pipeline.create_app(bad.clone()).await.unwrap_err()),
        "environments[1].name"
    );
    bad.environments = Some(vec![NewEnvironment {
        name: "prod".into(),
        branch: Some("main".into()),
        auto_deploy: Some(true),
        protected: Some(true),
        ..Default::default()
    }]);
    assert_eq!(
        invalid_field(h.pipeline.create_app(bad).await.unwrap_err()),
        "environments[0].autoDeploy"
    );
    assert!(
        h.store.list_apps().await.unwrap().is_empty(),
        "nothing half-written"
    );
}

#[tokio::test]
async fn a_second_app_with_the_same_name_conflicts() {
    let h = harness();
    h.app().await;
    assert!(matches!(
        h.pipeline.create_app(new_app("shop")).await,
        Err(DomainError::Conflict(_))
    ));
}

// ----- pushes -----------------------------------------------------------------------------

#[tokio::test]
async fn a_push_deploys_every_auto_deploy_environment_tracking_the_branch() {
    let h = harness();
    let mut req = new_app("shop");
    req.environments = Some(vec![
        NewEnvironment {
            name: "development".into(),
            branch: Some("main".into()),
            ..Default::default()
        },
        NewEnvironment {
            name: "preview".into(),
            branch: Some("main".into()),
            ..Default::default()
        },
        NewEnvironment {
            name: "other".into(),
            branch: Some("next".into()),
            ..Default::default()
        },
        NewEnvironment {
            name: "production".into(),
            branch: Some("main".into()),
            protected: Some(true),
            ..Default::default()
        },
    ]);
    h.pipeline.create_app(req).await.unwrap();
    let created = h.pipeline.handle_push(push("b2")).await.unwrap();
    let mut envs: Vec<_> = created.iter().map(|d| d.environment.as_str()).collect();
    envs.sort();
    assert_eq!(
        envs,
        ["development", "preview"],
        "protected production is never pushed"
    );
    assert!(created.iter().all(|d| d.trigger == Trigger::Push));
    assert!(
        created
            .iter()
            .all(|d| d.status == DeploymentStatus::Running)
    );
    assert_eq!(h.launches(), 2);
    let job = &h.launcher.launched.lock().unwrap()[0];
    assert_eq!(job.commit_sha, commit("b2").sha);
}

#[tokio::test]
async fn a_protected_environment_is_never_deployed_by_push_or_manual_deploy() {
    let h = harness();
    h.app().await;
    let err = h
        .pipeline
        .update_environment(
            "shop",
            "production",
            EnvironmentPatch {
                branch: Some(Some("main".into())),
                auto_deploy: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(err), "autoDeploy");
    assert!(matches!(
        h.pipeline.deploy("shop", "production", Some("main")).await,
        Err(DomainError::Conflict(m)) if m.contains("protected")
    ));
    assert_eq!(
        h.env("production").await.branch,
        None,
        "the refused patch wrote nothing"
    );
}

#[tokio::test]
async fn pushes_to_other_repositories_or_untracked_branches_do_nothing() {
    let h = harness();
    h.app().await;
    let mut p = push("c3");
    p.branch = "feature".into();
    assert!(h.pipeline.handle_push(p).await.unwrap().is_empty());
    let mut p = push("c3");
    p.repository_key = "local:/elsewhere".into();
    assert!(h.pipeline.handle_push(p).await.unwrap().is_empty());
    assert_eq!(h.launches(), 0);
}

// ----- the environment lock ---------------------------------------------------------------

#[tokio::test]
async fn one_running_deployment_per_environment_and_newer_queued_supersede_older() {
    let h = harness();
    h.app().await;
    let first = h.pipeline.handle_push(push("01")).await.unwrap().remove(0);
    let second = h.pipeline.handle_push(push("02")).await.unwrap().remove(0);
    let third = h.pipeline.handle_push(push("03")).await.unwrap().remove(0);
    assert_eq!(first.status, DeploymentStatus::Running);
    assert_eq!(second.status, DeploymentStatus::Queued);
    assert_eq!(third.status, DeploymentStatus::Queued);
    let second = h.pipeline.require_deployment(&second.id).await.unwrap();
    assert_eq!(second.status, DeploymentStatus::Cancelled);
    assert_eq!(
        second.error.as_deref(),
        Some(format!("superseded by {}", third.id).as_str())
    );
    let env = h.env("development").await;
    assert_eq!(env.running_deployment.as_deref(), Some(first.id.as_str()));
    assert_eq!(env.queued_deployment.as_deref(), Some(third.id.as_str()));
    assert_eq!(h.launches(), 1, "the running one finishes first");

    h.pipeline.finish(&first.id, succeed()).await.unwrap();
    let third = h.pipeline.require_deployment(&third.id).await.unwrap();
    assert_eq!(third.status, DeploymentStatus::Running);
    assert_eq!(h.launches(), 2);
    h.pipeline.finish(&third.id, succeed()).await.unwrap();
    let env = h.env("development").await;
    assert_eq!(env.current_commit.unwrap().sha, commit("03").sha);
    assert_eq!(env.running_deployment, None);
    assert_eq!(env.queued_deployment, None);
}

#[tokio::test]
async fn racing_pushes_leave_one_running_and_at_most_one_queued() {
    let h = harness();
    h.app().await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let p = h.pipeline.clone();
        tasks.push(tokio::spawn(async move {
            p.handle_push(push(&format!("{i:02}"))).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap().unwrap().into_iter().map(|d| d.id));
    }
    assert_eq!(ids.len(), 10);
    let mut running = 0;
    let mut queued = 0;
    for id in &ids {
        match h.pipeline.require_deployment(id).await.unwrap().status {
            DeploymentStatus::Running => running += 1,
            DeploymentStatus::Queued => queued += 1,
            DeploymentStatus::Cancelled => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(running, 1);
    assert!(queued <= 1, "{queued} queued");
    assert_eq!(h.launches(), 1);
}

// ----- outcomes ---------------------------------------------------------------------------

#[tokio::test]
async fn a_failed_deployment_leaves_the_current_deployment_unchanged() {
    let h = harness();
    h.app().await;
    let good = h.deployed_dev("0a").await;
    let bad = h.pipeline.handle_push(push("0b")).await.unwrap().remove(0);
    h.pipeline
        .finish(&bad.id, fail("deploy exited with code 1"))
        .await
        .unwrap();
    let bad = h.pipeline.require_deployment(&bad.id).await.unwrap();
    assert_eq!(bad.status, DeploymentStatus::Failed);
    assert_eq!(bad.error.as_deref(), Some("deploy exited with code 1"));
    assert!(bad.duration_ms().is_some());
    let env = h.env("development").await;
    assert_eq!(env.state, EnvState::Failed);
    assert_eq!(env.current_deployment.as_deref(), Some(good.id.as_str()));
    assert_eq!(env.current_commit.unwrap().sha, good.commit.sha);
    assert_eq!(
        env.running_deployment, None,
        "the environment is free again"
    );
}

#[tokio::test]
async fn outputs_are_stored_on_success() {
    let h = harness();
    h.app().await;
    let d = h.deployed_dev("0c").await;
    assert_eq!(d.status, DeploymentStatus::Succeeded);
    assert_eq!(d.outputs["url"], "http://x");
    assert_eq!(h.env("development").await.state, EnvState::Deployed);
}

#[tokio::test]
async fn finishing_twice_changes_nothing() {
    let h = harness();
    h.app().await;
    let d = h.deployed_dev("0d").await;
    h.pipeline.finish(&d.id, fail("late report")).await.unwrap();
    let again = h.pipeline.require_deployment(&d.id).await.unwrap();
    assert_eq!(again.status, DeploymentStatus::Succeeded);
}

#[tokio::test]
async fn a_runner_that_cannot_start_fails_its_deployment_and_frees_the_environment() {
    let h = harness();
    h.app().await;
    h.launcher.refuse.store(true, Ordering::SeqCst);
    let d = h.pipeline.handle_push(push("0e")).await.unwrap().remove(0);
    assert_eq!(d.status, DeploymentStatus::Failed);
    assert!(d.error.unwrap().contains("no capacity"));
    assert_eq!(h.env("development").await.running_deployment, None);
}

// ----- cancel -----------------------------------------------------------------------------

#[tokio::test]
async fn cancelling_queued_and_running_deployments() {
    let h = harness();
    h.app().await;
    let running = h.pipeline.handle_push(push("11")).await.unwrap().remove(0);
    let queued = h.pipeline.handle_push(push("12")).await.unwrap().remove(0);
    let c = h.pipeline.cancel(&queued.id).await.unwrap();
    assert_eq!(c.status, DeploymentStatus::Cancelled);
    assert_eq!(h.env("development").await.queued_deployment, None);

    let c = h.pipeline.cancel(&running.id).await.unwrap();
    assert!(c.cancel_requested);
    assert_eq!(
        c.status,
        DeploymentStatus::Running,
        "it ends when its runner stops"
    );
    assert_eq!(
        h.launcher.stopped.lock().unwrap().as_slice(),
        [format!("runner-{}", running.id)]
    );
    h.pipeline
        .finish(&running.id, fail("terminated"))
        .await
        .unwrap();
    let r = h.pipeline.require_deployment(&running.id).await.unwrap();
    assert_eq!(r.status, DeploymentStatus::Cancelled);
    assert_eq!(h.env("development").await.state, EnvState::Empty);
    assert!(matches!(
        h.pipeline.cancel(&running.id).await,
        Err(DomainError::Conflict(_))
    ));
}

// ----- promote ----------------------------------------------------------------------------

#[tokio::test]
async fn promote_needs_a_succeeded_deployment() {
    let h = harness();
    h.app().await;
    match h.pipeline.promote("shop", "development").await {
        Err(DomainError::Conflict(m)) => {
            assert!(m.contains("no succeeded deployment"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    let failing = h.pipeline.handle_push(push("21")).await.unwrap().remove(0);
    h.pipeline.finish(&failing.id, fail("x")).await.unwrap();
    assert!(matches!(
        h.pipeline.promote("shop", "development").await,
        Err(DomainError::Conflict(_))
    ));
}

#[tokio::test]
async fn promote_deploys_the_last_succeeded_commit_to_the_next_environment() {
    let h = harness();
    h.app().await;
    let dev = h.deployed_dev("31").await;
    // A later failure in development does not change what is promoted.
    let bad = h.pipeline.handle_push(push("32")).await.unwrap().remove(0);
    h.pipeline.finish(&bad.id, fail("x")).await.unwrap();

    let staging = h.pipeline.promote("shop", "development").await.unwrap();
    assert_eq!(staging.environment, "staging");
    assert_eq!(staging.trigger, Trigger::Promote);
    assert_eq!(staging.commit, dev.commit);
    assert_eq!(staging.promoted_from.as_deref(), Some(dev.id.as_str()));
    h.pipeline.finish(&staging.id, succeed()).await.unwrap();

    let prod = h.pipeline.promote("shop", "staging").await.unwrap();
    assert_eq!(prod.environment, "production");
    h.pipeline.finish(&prod.id, succeed()).await.unwrap();
    assert_eq!(h.env("production").await.current_commit, Some(dev.commit));
    match h.pipeline.promote("shop", "production").await {
        Err(DomainError::Conflict(m)) => assert!(m.contains("last environment"), "{m}"),
        other => panic!("{other:?}"),
    }
}

// ----- rollback ---------------------------------------------------------------------------

#[tokio::test]
async fn rollback_redeploys_the_earlier_commit_and_configuration() {
    let h = harness();
    h.app().await;
    let set_var = |v: &str| EnvironmentPatch {
        variables: Some(BTreeMap::from([(
            "GREETING".to_string(),
            Some(v.to_string()),
        )])),
        ..Default::default()
    };
    h.pipeline
        .update_environment("shop", "development", set_var("hello"))
        .await
        .unwrap();
    let first = h.deployed_dev("41").await;
    h.pipeline
        .update_environment("shop", "development", set_var("bonjour"))
        .await
        .unwrap();
    let second = h.deployed_dev("42").await;
    assert_eq!(second.config.variables["GREETING"], "bonjour");

    let rb = h
        .pipeline
        .rollback("shop", "development", &first.id)
        .await
        .unwrap();
    assert_eq!(rb.trigger, Trigger::Rollback);
    assert_eq!(rb.rollback_of.as_deref(), Some(first.id.as_str()));
    assert_eq!(rb.commit, first.commit);
    assert_eq!(rb.config, first.config);
    let job = h.launcher.launched.lock().unwrap().last().cloned().unwrap();
    assert_eq!(job.config.variables["GREETING"], "hello");
    h.pipeline.finish(&rb.id, succeed()).await.unwrap();
    assert_eq!(
        h.env("development").await.current_commit.unwrap().sha,
        first.commit.sha
    );
}

#[tokio::test]
async fn rollback_only_to_a_succeeded_deploy_of_the_same_environment() {
    let h = harness();
    h.app().await;
    let good = h.deployed_dev("51").await;
    let bad = h.pipeline.handle_push(push("52")).await.unwrap().remove(0);
    h.pipeline.finish(&bad.id, fail("x")).await.unwrap();
    assert!(matches!(
        h.pipeline.rollback("shop", "development", &bad.id).await,
        Err(DomainError::Conflict(_))
    ));
    assert_eq!(
        invalid_field(
            h.pipeline
                .rollback("shop", "staging", &good.id)
                .await
                .unwrap_err()
        ),
        "deploymentId"
    );
    assert_eq!(
        invalid_field(
            h.pipeline
                .rollback("shop", "development", "01NOPE")
                .await
                .unwrap_err()
        ),
        "deploymentId"
    );
}

// ----- teardown and delete ----------------------------------------------------------------

#[tokio::test]
async fn teardown_removes_the_environment_and_then_the_app_can_go() {
    let h = harness();
    h.app().await;
    assert!(matches!(
        h.pipeline.teardown("shop", "staging").await,
        Err(DomainError::Conflict(_))
    ));
    h.deployed_dev("61").await;
    assert!(matches!(
        h.pipeline.delete_app("shop").await,
        Err(DomainError::Conflict(m)) if m.contains("development")
    ));
    let td = h.pipeline.teardown("shop", "development").await.unwrap();
    assert_eq!(h.env("development").await.state, EnvState::Removing);
    let job = h.launcher.launched.lock().unwrap().last().cloned().unwrap();
    assert_eq!(job.kind, trellis_core::model::DeploymentKind::Teardown);
    h.pipeline.finish(&td.id, succeed()).await.unwrap();
    let env = h.env("development").await;
    assert_eq!(env.state, EnvState::Removed);
    assert_eq!(env.current_deployment, None);
    h.pipeline.delete_app("shop").await.unwrap();
    assert!(matches!(
        h.pipeline.get_app("shop").await,
        Err(DomainError::NotFound(_))
    ));
}

// ----- manual deploys, settings, secrets --------------------------------------------------

#[tokio::test]
async fn manual_deploy_resolves_the_branch_head_or_a_ref() {
    let h = harness();
    h.app().await;
    h.repo
        .heads
        .lock()
        .unwrap()
        .insert("main".into(), "77".into());
    let d = h
        .pipeline
        .deploy("shop", "development", None)
        .await
        .unwrap();
    assert_eq!(d.commit.sha, commit("77").sha);
    assert_eq!(d.trigger, Trigger::Manual);
    assert_eq!(
        invalid_field(
            h.pipeline
                .deploy("shop", "development", Some("no-such-branch"))
                .await
                .unwrap_err()
        ),
        "ref"
    );
    assert_eq!(
        invalid_field(
            h.pipeline
                .deploy("shop", "staging", None)
                .await
                .unwrap_err()
        ),
        "ref"
    );
}

#[tokio::test]
async fn settings_resolve_environment_then_app_then_preset() {
    let h = harness();
    let mut req = new_app("shop");
    req.settings.deploy_command = Some("npm run deploy".into());
    req.settings.test_command = Some("npm run check".into());
    h.pipeline.create_app(req).await.unwrap();
    h.pipeline
        .update_environment(
            "shop",
            "development",
            EnvironmentPatch {
                settings: Some(trellis_core::requests::SettingsPatch {
                    test_command: Some(Some("npm run test:dev".into())),
                    ..Default::default()
                }),
                tests_enabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let d = h.pipeline.handle_push(push("81")).await.unwrap().remove(0);
    assert_eq!(d.config.deploy_command, "npm run deploy");
    assert_eq!(d.config.test_command, "npm run test:dev");
    assert!(d.config.remove_command.contains("sst remove"));
    assert_eq!(d.config.timeout_minutes, 60);
    assert!(d.config.tests_enabled);
}

#[tokio::test]
async fn a_secret_too_short_to_mask_is_refused_naming_it_and_nothing_is_stored() {
    let h = harness();
    h.app().await;
    let refused = h
        .pipeline
        .update_environment(
            "shop",
            "development",
            EnvironmentPatch {
                secrets: Some(BTreeMap::from([(
                    "PIN".to_string(),
                    Some("1\n".to_string()),
                )])),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("at least 6 characters"),
        "{refused}"
    );
    assert_eq!(invalid_field(refused), "secrets.PIN");
    use trellis_core::ports::SecretStore;
    assert!(
        h.secrets
            .get("shop", "development")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn secrets_are_kept_apart_and_only_their_names_are_on_the_environment() {
    let h = harness();
    h.app().await;
    let env = h
        .pipeline
        .update_environment(
            "shop",
            "development",
            EnvironmentPatch {
                secrets: Some(BTreeMap::from([(
                    "API_KEY".to_string(),
                    Some("sk-live-123".to_string()),
                )])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(env.secret_names, ["API_KEY"]);
    let stored = serde_json::to_string(&env).unwrap();
    assert!(!stored.contains("sk-live-123"));
    use trellis_core::ports::SecretStore;
    assert_eq!(
        h.secrets.get("shop", "development").await.unwrap()["API_KEY"],
        "sk-live-123"
    );
    let clash = h
        .pipeline
        .update_environment(
            "shop",
            "development",
            EnvironmentPatch {
                variables: Some(BTreeMap::from([("API_KEY".to_string(), Some("x".into()))])),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(clash), "variables");
    let bad = h
        .pipeline
        .update_environment(
            "shop",
            "development",
            EnvironmentPatch {
                variables: Some(BTreeMap::from([(
                    "TRELLIS_X".to_string(),
                    Some("x".into()),
                )])),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(bad), "variables.TRELLIS_X");

    // A refused change writes nothing: not even the secret that came with it.
    let mixed = h
        .pipeline
        .update_environment(
            "shop",
            "development",
            EnvironmentPatch {
                variables: Some(BTreeMap::from([("API_KEY".to_string(), Some("x".into()))])),
                secrets: Some(BTreeMap::from([(
                    "DB_PASSWORD".to_string(),
                    Some("hunter2".into()),
                )])),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid_field(mixed), "variables");
    let kept = h.secrets.get("shop", "development").await.unwrap();
    assert_eq!(kept.keys().collect::<Vec<_>>(), ["API_KEY"]);
    assert_eq!(h.env("development").await.secret_names, ["API_KEY"]);
}

// ----- recovery and live events -----------------------------------------------------------

#[tokio::test]
async fn recovery_fails_runs_whose_runner_is_gone() {
    let h = harness();
    h.app().await;
    let d = h.pipeline.handle_push(push("91")).await.unwrap().remove(0);
    h.pipeline.recover(|_| false).await.unwrap();
    let d = h.pipeline.require_deployment(&d.id).await.unwrap();
    assert_eq!(d.status, DeploymentStatus::Failed);
    assert!(d.error.unwrap().contains("lost"));
    assert_eq!(h.env("development").await.running_deployment, None);
}

#[tokio::test]
async fn every_status_change_is_published() {
    let h = harness();
    h.app().await;
    let d = h.deployed_dev("a1").await;
    let statuses: Vec<DeploymentStatus> = h
        .notifier
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Deployment(x) if x.id == d.id => Some(x.status),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            DeploymentStatus::Queued,
            DeploymentStatus::Running,
            DeploymentStatus::Succeeded
        ]
    );
}

#[tokio::test]
async fn a_deploy_role_is_validated_and_snapshotted() {
    let h = harness();
    let mut req = new_app("shop");
    req.settings.deploy_role_arn = Some("arn:aws:iam::123:role/short-account".into());
    assert_eq!(
        invalid_field(h.pipeline.create_app(req.clone()).await.unwrap_err()),
        "settings.deployRoleArn"
    );
    req.settings.deploy_role_arn = Some("arn:aws:iam::123456789012:role/trellis-deploy".into());
    h.pipeline.create_app(req).await.unwrap();
    let d = h.pipeline.handle_push(push("c1")).await.unwrap().remove(0);
    assert_eq!(
        d.config.deploy_role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/trellis-deploy")
    );
}

#[tokio::test]
async fn a_deployment_says_who_or_what_asked_for_it() {
    let h = harness();
    h.pipeline.create_app(new_app("shop")).await.unwrap();
    let local = h.deployed_dev("a1").await;
    assert_eq!(local.requested_by.as_deref(), Some("push"));
    let mut from_github = push("b2");
    from_github.pushed_by = Some("linus".into());
    let pushed = h.pipeline.handle_push(from_github).await.unwrap().remove(0);
    assert_eq!(pushed.requested_by.as_deref(), Some("push by linus"));
    h.pipeline.finish(&pushed.id, succeed()).await.unwrap();
    let promoted = h
        .pipeline
        .promote_as("shop", "development", Some("ada"))
        .await
        .unwrap();
    assert_eq!(promoted.requested_by.as_deref(), Some("ada"));
    h.pipeline.finish(&promoted.id, succeed()).await.unwrap();
    let rolled = h
        .pipeline
        .rollback_as("shop", "development", &local.id, Some("grace"))
        .await
        .unwrap();
    let stored = h.pipeline.require_deployment(&rolled.id).await.unwrap();
    assert_eq!(
        stored.requested_by.as_deref(),
        Some("grace"),
        "it is stored"
    );
}

/// An environment that requires approval, with `ada` asking for deployments.
async fn approval_harness() -> Harness {
    let h = harness();
    h.pipeline.create_app(new_app("shop")).await.unwrap();
    let patch = EnvironmentPatch {
        requires_approval: Some(true),
        ..Default::default()
    };
    h.pipeline
        .update_environment("shop", "staging", patch)
        .await
        .unwrap();
    h
}

// Waiting, approving and rejecting run on both stores: `conformance::approvals`. Here: what
// needs no store of its own.

#[tokio::test]
async fn a_rejection_says_why_frees_the_slot_and_a_newer_request_replaces_a_waiting_one() {
    let h = approval_harness().await;
    let first = h
        .pipeline
        .deploy_as("shop", "staging", Some("main"), Some("ada"))
        .await
        .unwrap();
    let second = h
        .pipeline
        .deploy_as("shop", "staging", Some("main"), Some("ada"))
        .await
        .unwrap();
    let first = h.pipeline.require_deployment(&first.id).await.unwrap();
    assert_eq!(first.status, DeploymentStatus::Cancelled, "superseded");
    assert!(matches!(
        h.pipeline.reject(&second.id, "grace", "  ").await,
        Err(DomainError::Invalid { field, .. }) if field == "reason"
    ));
    let rejected = h
        .pipeline
        .reject(&second.id, "grace", "the release notes are missing")
        .await
        .unwrap();
    assert_eq!(rejected.status, DeploymentStatus::Cancelled);
    assert_eq!(
        rejected.error.as_deref(),
        Some("rejected by grace: the release notes are missing")
    );
    let env = h.pipeline.get_environment("shop", "staging").await.unwrap();
    assert_eq!(env.queued_deployment, None);
    // A waiting deployment can also be cancelled.
    let third = h
        .pipeline
        .deploy_as("shop", "staging", Some("main"), Some("ada"))
        .await
        .unwrap();
    let cancelled = h.pipeline.cancel(&third.id).await.unwrap();
    assert_eq!(cancelled.status, DeploymentStatus::Cancelled);
}

#[tokio::test]
async fn an_environment_that_deploys_every_push_cannot_also_wait_for_approval() {
    let h = harness();
    h.pipeline.create_app(new_app("shop")).await.unwrap();
    let patch = EnvironmentPatch {
        requires_approval: Some(true),
        ..Default::default()
    };
    match h
        .pipeline
        .update_environment("shop", "development", patch)
        .await
    {
        Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "requiresApproval"),
        other => panic!("{other:?}"),
    }
}
