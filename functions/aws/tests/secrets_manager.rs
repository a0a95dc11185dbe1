//! The Secrets Manager adapter against moto.

use std::collections::BTreeMap;

use trellis_aws::SecretsManagerStore;
use trellis_core::ports::SecretStore;

fn changes(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect()
}

#[tokio::test]
async fn secrets_are_created_updated_read_and_deleted_per_environment_in_one_secret_per_app() {
    let config = trellis_aws::testing::sdk_config().await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let prefix = trellis_aws::testing::unique("trellis");
    let store = SecretsManagerStore::new(client.clone(), prefix.clone());

    assert!(
        store.get("shop", "staging").await.unwrap().is_empty(),
        "none yet"
    );
    let names = store
        .update(
            "shop",
            "staging",
            changes(&[("B", Some("2")), ("A", Some("1"))]),
        )
        .await
        .unwrap();
    assert_eq!(names, ["A", "B"]);
    let names = store
        .update("shop", "staging", changes(&[("A", None), ("C", Some("3"))]))
        .await
        .unwrap();
    assert_eq!(names, ["B", "C"]);
    assert_eq!(
        store.get("shop", "staging").await.unwrap(),
        BTreeMap::from([("B".into(), "2".into()), ("C".into(), "3".into())])
    );
    assert!(store.get("shop", "production").await.unwrap().is_empty());

    store
        .update("shop", "production", changes(&[("P", Some("4"))]))
        .await
        .unwrap();

    // One secret per app, under the prefix, holding every environment's values.
    let stored = || async {
        let raw = client
            .get_secret_value()
            .secret_id(format!("{prefix}/shop"))
            .send()
            .await?;
        Ok::<_, aws_sdk_secretsmanager::Error>(
            serde_json::from_str::<serde_json::Value>(raw.secret_string().unwrap()).unwrap(),
        )
    };
    assert_eq!(
        stored().await.unwrap(),
        serde_json::json!({"staging": {"B": "2", "C": "3"}, "production": {"P": "4"}})
    );

    store.delete_all("shop", "staging").await.unwrap();
    assert!(store.get("shop", "staging").await.unwrap().is_empty());
    assert_eq!(
        store.get("shop", "production").await.unwrap(),
        BTreeMap::from([("P".into(), "4".into())])
    );
    store.delete_all("shop", "staging").await.unwrap();
    // The last environment's secrets gone, the app's secret is deleted (it costs per month).
    store.delete_all("shop", "production").await.unwrap();
    assert!(stored().await.is_err(), "no secret is left for the app");
}

async fn fresh_store() -> SecretsManagerStore {
    let config = trellis_aws::testing::sdk_config().await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    SecretsManagerStore::new(client, trellis_aws::testing::unique("trellis"))
}

#[tokio::test]
async fn concurrent_updates_of_one_app_lose_nothing() {
    let store = std::sync::Arc::new(fresh_store().await);
    store
        .update("shop", "staging", changes(&[("FIRST", Some("0"))]))
        .await
        .unwrap();
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let env = if i % 2 == 0 { "staging" } else { "production" };
                let name = format!("NAME_{i}");
                store
                    .update("shop", env, changes(&[(name.as_str(), Some("v"))]))
                    .await
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap().unwrap();
    }
    let staging: Vec<String> = store
        .get("shop", "staging")
        .await
        .unwrap()
        .into_keys()
        .collect();
    assert_eq!(staging, ["FIRST", "NAME_0", "NAME_2", "NAME_4", "NAME_6"]);
    let production: Vec<String> = store
        .get("shop", "production")
        .await
        .unwrap()
        .into_keys()
        .collect();
    assert_eq!(production, ["NAME_1", "NAME_3", "NAME_5", "NAME_7"]);
}

#[tokio::test]
async fn two_first_values_set_at_once_both_succeed() {
    let store = std::sync::Arc::new(fresh_store().await);
    let (a, b) = tokio::join!(
        store.update("blog", "staging", changes(&[("A", Some("1"))])),
        store.update("blog", "staging", changes(&[("B", Some("2"))])),
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(
        store.get("blog", "staging").await.unwrap(),
        BTreeMap::from([("A".into(), "1".into()), ("B".into(), "2".into())])
    );
}

#[tokio::test]
async fn removing_the_last_value_while_another_is_set_keeps_the_new_one() {
    let store = std::sync::Arc::new(fresh_store().await);
    store
        .update("docs", "staging", changes(&[("OLD", Some("1"))]))
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        store.update("docs", "staging", changes(&[("OLD", None)])),
        store.update("docs", "production", changes(&[("NEW", Some("2"))])),
    );
    a.unwrap();
    b.unwrap();
    assert!(store.get("docs", "staging").await.unwrap().is_empty());
    assert_eq!(
        store.get("docs", "production").await.unwrap(),
        BTreeMap::from([("NEW".into(), "2".into())])
    );
}
