//! The notification store's checks: destinations per app, a delivery queued once, due ones
//! in due order, a destination's deliveries newest first.

use crate::error::StoreError;
use crate::notify::{Delivery, Destination, DestinationKind, EventKind, NotificationStore};
use crate::ports::Expect;

use super::records::at;

fn destination(app: &str, id: &str) -> Destination {
    Destination {
        id: id.into(),
        app: app.into(),
        name: format!("{id} hook"),
        kind: DestinationKind::Webhook,
        events: vec![EventKind::DeploymentFailed],
        host: "hooks.example".into(),
        created_at: at(1_000),
        created_by: "ada".into(),
    }
}

fn delivery(id: &str, destination: &str, created: i64, due: i64) -> Delivery {
    Delivery {
        id: id.into(),
        app: "shop".into(),
        destination: destination.into(),
        event: EventKind::DeploymentFailed,
        deployment_id: "d1".into(),
        body: "{}".into(),
        attempts: 0,
        next_attempt_at: at(due),
        delivered_at: None,
        last_error: None,
        failures: vec![],
        gave_up: false,
        created_at: at(created),
        version: 0,
    }
}

pub async fn destinations_belong_to_their_app(store: &dyn NotificationStore) {
    store
        .put_destination(&destination("shop", "dst1"))
        .await
        .unwrap();
    store
        .put_destination(&destination("shop", "dst2"))
        .await
        .unwrap();
    store
        .put_destination(&destination("blog", "dst3"))
        .await
        .unwrap();
    let ids: Vec<String> = store
        .destinations_of("shop")
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, ["dst1", "dst2"]);
    assert!(!store.delete_destination("blog", "dst1").await.unwrap());
    assert!(store.delete_destination("shop", "dst1").await.unwrap());
    assert_eq!(store.destinations_of("shop").await.unwrap().len(), 1);
}

pub async fn a_delivery_is_queued_once_and_found_when_due(store: &dyn NotificationStore) {
    let first = delivery("d1.deployment.failed.dst1", "dst1", 1_000, 3_000);
    store.put_delivery(&first, Expect::Absent).await.unwrap();
    assert!(matches!(
        store.put_delivery(&first, Expect::Absent).await,
        Err(StoreError::Conflict)
    ));
    store
        .put_delivery(
            &delivery("d2.deployment.failed.dst1", "dst1", 2_000, 2_000),
            Expect::Absent,
        )
        .await
        .unwrap();
    store
        .put_delivery(
            &delivery("d3.deployment.failed.dst1", "dst1", 2_500, 9_000),
            Expect::Absent,
        )
        .await
        .unwrap();
    let due: Vec<String> = store
        .due_deliveries(at(5_000), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(
        due,
        ["d2.deployment.failed.dst1", "d1.deployment.failed.dst1"]
    );
    let mut done = store.due_deliveries(at(5_000), 1).await.unwrap().remove(0);
    assert_eq!(done.version, 1);
    done.delivered_at = Some(at(5_000));
    store.put_delivery(&done, Expect::Version(1)).await.unwrap();
    assert!(matches!(
        store.put_delivery(&done, Expect::Version(1)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.due_deliveries(at(5_000), 10).await.unwrap().len(), 1);
    let recent: Vec<String> = store
        .deliveries_of("dst1", 2)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(
        recent,
        ["d3.deployment.failed.dst1", "d2.deployment.failed.dst1"]
    );
    assert!(store.deliveries_of("dst9", 5).await.unwrap().is_empty());
}

#[macro_export]
macro_rules! notification_conformance_tests {
    ($factory:expr) => {
        $crate::notification_conformance_tests!(@each $factory;
            destinations_belong_to_their_app,
            a_delivery_is_queued_once_and_found_when_due
        );
    };
    (@each $factory:expr; $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let store = $factory.await;
                $crate::conformance::notifications::$check(&*store).await;
            }
        )+
    };
}
