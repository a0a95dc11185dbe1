//! The store conformance suite, unchanged, on DynamoDB (moto): one fresh table per test.

use trellis_aws::DynamoStore;

async fn fresh() -> Box<DynamoStore> {
    let config = trellis_aws::testing::sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = trellis_aws::testing::unique("trellis-conformance");
    DynamoStore::create_table(&client, &table)
        .await
        .expect("table created on moto");
    Box::new(DynamoStore::new(client, table))
}

trellis_core::store_conformance_tests!(fresh());

async fn fresh_shared() -> (std::sync::Arc<dyn trellis_core::ports::DeploymentStore>, ()) {
    let store: Box<dyn trellis_core::ports::DeploymentStore> = fresh().await;
    (std::sync::Arc::from(store), ())
}

mod approvals {
    use super::*;
    trellis_core::approval_conformance_tests!(fresh_shared());
}

mod feedback {
    use super::*;
    trellis_core::feedback_conformance_tests!(fresh());
}

mod notifications {
    use super::*;
    trellis_core::notification_conformance_tests!(fresh());
}
