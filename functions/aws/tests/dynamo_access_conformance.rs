//! The access store conformance suite, unchanged, on DynamoDB (moto): one fresh table per test.

use trellis_aws::DynamoStore;

async fn fresh() -> Box<DynamoStore> {
    let config = trellis_aws::testing::sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = trellis_aws::testing::unique("trellis-access");
    DynamoStore::create_table(&client, &table)
        .await
        .expect("table created on moto");
    Box::new(DynamoStore::new(client, table))
}

trellis_core::access_conformance_tests!(fresh());
