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
