//! Fifty API writers at once on one SQLite file (the store and the secret store each hold a
//! connection): none of them may see `database is locked`.

mod common;

use std::collections::BTreeMap;

use common::*;
use trellis_core::requests::EnvironmentPatch;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_writers_never_see_a_locked_database() {
    let h = harness();
    for name in ["shop", "blog"] {
        h.pipeline.create_app(new_app(name)).await.unwrap();
    }
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..50 {
        let pipeline = h.pipeline.clone();
        writers.spawn(async move {
            let app = if i % 2 == 0 { "shop" } else { "blog" };
            let env = ["development", "staging", "production"][i % 3];
            let result = match i % 5 {
                // Secrets: the secret store's connection, then the store's.
                0 | 1 => pipeline
                    .update_environment(
                        app,
                        env,
                        EnvironmentPatch {
                            secrets: Some(BTreeMap::from([(
                                format!("SECRET_{i}"),
                                Some(format!("value-number-{i}")),
                            )])),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ()),
                2 => pipeline
                    .update_environment(
                        app,
                        env,
                        EnvironmentPatch {
                            variables: Some(BTreeMap::from([(
                                format!("VAR_{i}"),
                                Some(i.to_string()),
                            )])),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ()),
                3 => pipeline
                    .deploy(app, "development", Some("abcdef1"))
                    .await
                    .map(|_| ()),
                _ => pipeline
                    .store()
                    .record_delivery(&format!("delivery-{i}"), time::OffsetDateTime::now_utc())
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
            };
            (i, result)
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = writers.join_next().await {
        let (i, result) = done.unwrap();
        if let Err(e) = result {
            failures.push(format!("writer {i}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
