//! WebSocket connections in DynamoDB: a subscription never outlives its connection, so nothing
//! is left without the connection's TTL after API Gateway's `$disconnect`.

use aws_sdk_dynamodb::types::AttributeValue;
use trellis_aws::DynamoStore;
use trellis_core::StoreError;
use trellis_core::conformance::at;
use trellis_core::model::{Connection, Topic};
use trellis_core::ports::DeploymentStore;

async fn fresh() -> (DynamoStore, aws_sdk_dynamodb::Client, String) {
    let config = trellis_aws::testing::sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = trellis_aws::testing::unique("trellis-connections");
    DynamoStore::create_table(&client, &table).await.unwrap();
    (DynamoStore::new(client.clone(), &table), client, table)
}

/// Every item of the table, as (pk, sk).
async fn all_keys(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<(String, String)> {
    let out = client.scan().table_name(table).send().await.unwrap();
    let text = |v: Option<&AttributeValue>| v.and_then(|v| v.as_s().ok()).cloned();
    let mut keys: Vec<_> = out
        .items()
        .iter()
        .map(|i| {
            (
                text(i.get("pk")).unwrap_or_default(),
                text(i.get("sk")).unwrap_or_default(),
            )
        })
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn subscribing_after_disconnect_fails_and_stores_nothing() {
    let (store, client, table) = fresh().await;
    store
        .put_connection(&Connection {
            id: "c1".into(),
            login: None,
            connected_at: at(0),
            expires_at: at(7_200_000),
        })
        .await
        .unwrap();
    let topic = Topic::Deployment("d1".into());
    store.subscribe("c1", &topic).await.unwrap();
    store.delete_connection("c1").await.unwrap();
    assert!(all_keys(&client, &table).await.is_empty());

    let late = store.subscribe("c1", &topic).await;
    assert!(
        matches!(late, Err(StoreError::Conflict)),
        "a gone connection cannot subscribe: {late:?}"
    );
    assert!(
        all_keys(&client, &table).await.is_empty(),
        "no connection or subscription item is left (it would have no TTL)"
    );
    assert!(store.subscribers(&topic).await.unwrap().is_empty());

    let never = store.subscribe("never-connected", &topic).await;
    assert!(matches!(never, Err(StoreError::Conflict)), "{never:?}");
    assert!(all_keys(&client, &table).await.is_empty());
}
