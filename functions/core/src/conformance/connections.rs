//! Live connections and what they subscribe to.

use crate::model::{Connection, Topic};
use crate::ports::DeploymentStore;

use super::records::*;

pub async fn connections_and_subscriptions(store: &dyn DeploymentStore) {
    let connection = |id: &str, login: Option<&str>| Connection {
        id: id.into(),
        login: login.map(Into::into),
        connected_at: at(1),
        expires_at: at(7_200_000),
    };
    store.put_connection(&connection("c1", None)).await.unwrap();
    store
        .put_connection(&connection("c2", Some("ada")))
        .await
        .unwrap();
    // Who opened a connection is read back with it (subscriptions check that user's role).
    assert_eq!(
        store.get_connection("c2").await.unwrap(),
        Some(connection("c2", Some("ada")))
    );
    assert_eq!(store.get_connection("c-unknown").await.unwrap(), None);
    let dep = Topic::Deployment("d1".into());
    let shop = Topic::App("shop".into());
    store.subscribe("c1", &dep).await.unwrap();
    store.subscribe("c1", &dep).await.unwrap();
    store.subscribe("c2", &dep).await.unwrap();
    store.subscribe("c2", &shop).await.unwrap();
    let mut subs = store.subscribers(&dep).await.unwrap();
    subs.sort();
    assert_eq!(subs, ["c1", "c2"], "each connection once");
    assert_eq!(store.subscribers(&shop).await.unwrap(), ["c2"]);
    assert!(
        store
            .subscribers(&Topic::App("d1".into()))
            .await
            .unwrap()
            .is_empty(),
        "an app and a deployment with the same name are different topics"
    );
    store.delete_connection("c2").await.unwrap();
    assert_eq!(store.get_connection("c2").await.unwrap(), None);
    assert_eq!(store.subscribers(&dep).await.unwrap(), ["c1"]);
    assert!(store.subscribers(&shop).await.unwrap().is_empty());
    store.delete_connection("c-unknown").await.unwrap();
}
