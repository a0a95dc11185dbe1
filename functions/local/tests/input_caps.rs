//! Inputs that would outgrow what stores them (DynamoDB items, the app's one Secrets Manager
//! secret) are refused up front, naming the field; nothing is half written.

mod common;

use std::collections::BTreeMap;

use common::*;
use trellis_core::DomainError;
use trellis_core::ports::SecretStore;
use trellis_core::requests::{EnvironmentPatch, NewEnvironment};
use trellis_core::validate::{MAX_ENVIRONMENTS, MAX_VARIABLES};

fn field_of(e: DomainError) -> String {
    match e {
        DomainError::Invalid { field, .. } => field,
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test]
async fn too_many_or_too_large_variables_are_refused() {
    let h = harness();
    h.app().await;
    let many: BTreeMap<String, Option<String>> = (0..=MAX_VARIABLES)
        .map(|i| (format!("V{i}"), Some("x".into())))
        .collect();
    let large: BTreeMap<String, Option<String>> = (0..4)
        .map(|i| (format!("BIG{i}"), Some("x".repeat(10 * 1024))))
        .collect();
    for vars in [many, large] {
        let err = h
            .pipeline
            .update_environment(
                "shop",
                "development",
                EnvironmentPatch {
                    variables: Some(vars),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(err), "variables");
    }
    assert!(h.env("development").await.variables.is_empty());
}

#[tokio::test]
async fn an_apps_secrets_must_fit_its_one_secret_and_a_refusal_writes_none() {
    let h = harness();
    h.app().await;
    let big = |prefix: &str| -> BTreeMap<String, Option<String>> {
        (0..5)
            .map(|i| (format!("{prefix}{i}"), Some("s".repeat(4 * 1024))))
            .collect()
    };
    let patch = |secrets| EnvironmentPatch {
        secrets: Some(secrets),
        ..Default::default()
    };
    // 20 KB per environment: two fit, the third would not.
    for env in ["development", "staging"] {
        h.pipeline
            .update_environment("shop", env, patch(big("K")))
            .await
            .unwrap();
    }
    let err = h
        .pipeline
        .update_environment("shop", "production", patch(big("K")))
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "secrets");
    assert!(
        h.secrets
            .get("shop", "production")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_pipeline_has_a_bounded_number_of_environments() {
    let h = harness();
    let mut app = new_app("wide");
    app.environments = Some(
        (0..=MAX_ENVIRONMENTS)
            .map(|i| NewEnvironment {
                name: format!("env{i}"),
                ..Default::default()
            })
            .collect(),
    );
    assert_eq!(
        field_of(h.pipeline.create_app(app).await.unwrap_err()),
        "environments"
    );
}

#[tokio::test]
async fn a_long_commit_message_is_cut_not_refused() {
    let h = harness();
    h.app().await;
    let mut p = push("a1");
    p.commit.message = "line\n".repeat(10_000);
    let d = h.pipeline.handle_push(p).await.unwrap().remove(0);
    assert!(d.commit.message.len() <= trellis_core::validate::MAX_COMMIT_MESSAGE_BYTES);
    assert!(d.commit.message.ends_with("[cut]"));
}
