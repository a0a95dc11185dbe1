//! Users, grants, tokens, sessions and the audit log: the same checks for every
//! [`AccessStore`] adapter.

use crate::access::{
    AuditEntry, AuditOutcome, AuditQuery, Grant, GrantSource, PersonalToken, Role, Session, User,
};
use crate::ports::AccessStore;

use super::records::at;

fn user(login: &str, ms: i64) -> User {
    User {
        login: login.into(),
        github_id: 7,
        name: Some("Ada Lovelace".into()),
        avatar_url: None,
        last_sign_in: at(ms),
    }
}

fn grant(app: &str, login: &str, role: Role, source: GrantSource) -> Grant {
    Grant {
        app: app.into(),
        login: login.into(),
        role,
        source,
        granted_by: "github".into(),
        updated_at: at(1_000),
    }
}

fn token(id: &str, login: &str, hash: &str) -> PersonalToken {
    PersonalToken {
        id: id.into(),
        login: login.into(),
        name: format!("token {id}"),
        hash: hash.into(),
        created_at: at(1_000),
        expires_at: at(90_000),
        last_used_at: None,
    }
}

fn session(hash: &str, login: &str) -> Session {
    Session {
        hash: hash.into(),
        login: login.into(),
        created_at: at(1_000),
        expires_at: at(90_000),
    }
}

fn entry(id: &str, ms: i64, actor: &str, app: Option<&str>) -> AuditEntry {
    AuditEntry {
        id: id.into(),
        at: at(ms),
        actor: actor.into(),
        action: "promote".into(),
        app: app.map(Into::into),
        target: "shop/production".into(),
        request_id: format!("req-{id}"),
        outcome: AuditOutcome::Succeeded,
        status: 202,
        detail: Some("secrets: DB_PASSWORD".into()),
        expires_at: at(ms + 1_000_000),
    }
}

pub async fn users_are_stored_and_replaced(store: &dyn AccessStore) {
    assert_eq!(store.get_user("ada").await.unwrap(), None);
    store.put_user(&user("ada", 1_000)).await.unwrap();
    store.put_user(&user("ada", 2_000)).await.unwrap();
    assert_eq!(
        store.get_user("ada").await.unwrap(),
        Some(user("ada", 2_000))
    );
}

pub async fn grants_are_one_per_source_and_deleted_alone(store: &dyn AccessStore) {
    store
        .put_grant(&grant("shop", "ada", Role::Viewer, GrantSource::Github))
        .await
        .unwrap();
    store
        .put_grant(&grant("shop", "ada", Role::Deployer, GrantSource::Github))
        .await
        .unwrap();
    store
        .put_grant(&grant("shop", "ada", Role::Admin, GrantSource::Override))
        .await
        .unwrap();
    store
        .put_grant(&grant("shop", "grace", Role::Viewer, GrantSource::Github))
        .await
        .unwrap();
    store
        .put_grant(&grant("blog", "ada", Role::Admin, GrantSource::Github))
        .await
        .unwrap();
    let mut mine = store.grants_for("shop", "ada").await.unwrap();
    mine.sort_by_key(|g| g.source.as_str());
    assert_eq!(
        mine.iter().map(|g| (g.source, g.role)).collect::<Vec<_>>(),
        [
            (GrantSource::Github, Role::Deployer),
            (GrantSource::Override, Role::Admin)
        ]
    );
    let app = store.grants_of_app("shop").await.unwrap();
    assert_eq!(app.len(), 3, "{app:?}");
    store
        .delete_grant("shop", "ada", GrantSource::Override)
        .await
        .unwrap();
    let mine = store.grants_for("shop", "ada").await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].source, GrantSource::Github);
    assert_eq!(store.grants_for("blog", "ada").await.unwrap().len(), 1);
}

pub async fn tokens_are_found_by_hash_and_revoked_only_by_their_owner(store: &dyn AccessStore) {
    store.put_token(&token("01A", "ada", "h1")).await.unwrap();
    store.put_token(&token("01B", "ada", "h2")).await.unwrap();
    store.put_token(&token("01C", "grace", "h3")).await.unwrap();
    assert_eq!(
        store.token_by_hash("h2").await.unwrap().map(|t| t.id),
        Some("01B".into())
    );
    assert_eq!(store.token_by_hash("nope").await.unwrap(), None);
    let ids: Vec<String> = store
        .tokens_of("ada")
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["01B", "01A"], "newest first");
    // Another user's token id is not ada's to revoke.
    assert!(!store.delete_token("ada", "01C").await.unwrap());
    assert!(store.token_by_hash("h3").await.unwrap().is_some());
    assert!(store.delete_token("ada", "01A").await.unwrap());
    assert_eq!(store.token_by_hash("h1").await.unwrap(), None);
    // Recording the use of a token revoked meanwhile does not bring it back.
    let mut revoked = token("01A", "ada", "h1");
    revoked.last_used_at = Some(at(5_000));
    assert!(!store.record_token_use(&revoked).await.unwrap());
    assert_eq!(store.token_by_hash("h1").await.unwrap(), None);
    assert_eq!(store.tokens_of("ada").await.unwrap().len(), 1);
    // Recording use replaces the record.
    let mut used = token("01B", "ada", "h2");
    used.last_used_at = Some(at(5_000));
    assert!(store.record_token_use(&used).await.unwrap());
    assert_eq!(store.token_by_hash("h2").await.unwrap(), Some(used.clone()));
    assert_eq!(store.tokens_of("ada").await.unwrap(), [used]);
}

pub async fn sessions_end_one_by_one_or_all_at_once(store: &dyn AccessStore) {
    for (h, login) in [("s1", "ada"), ("s2", "ada"), ("s3", "grace")] {
        store.put_session(&session(h, login)).await.unwrap();
    }
    assert_eq!(
        store.session_by_hash("s1").await.unwrap(),
        Some(session("s1", "ada"))
    );
    store.delete_session("s1").await.unwrap();
    assert_eq!(store.session_by_hash("s1").await.unwrap(), None);
    store.delete_sessions_of("ada").await.unwrap();
    assert_eq!(store.session_by_hash("s2").await.unwrap(), None);
    assert!(store.session_by_hash("s3").await.unwrap().is_some());
}

pub async fn a_session_is_taken_once_whoever_races_for_it(store: &dyn AccessStore) {
    store.put_session(&session("t1", "ada")).await.unwrap();
    let takers = tokio::join!(
        store.take_session("t1"),
        store.take_session("t1"),
        store.take_session("t1"),
        store.take_session("t1"),
    );
    let taken: Vec<Session> = [takers.0, takers.1, takers.2, takers.3]
        .into_iter()
        .filter_map(|t| t.unwrap())
        .collect();
    assert_eq!(taken, [session("t1", "ada")]);
    assert_eq!(store.session_by_hash("t1").await.unwrap(), None);
    assert_eq!(store.take_session("t1").await.unwrap(), None);
    assert_eq!(store.take_session("never").await.unwrap(), None);
    // Taken means gone from the user's sessions too: signing out everywhere still works.
    store.put_session(&session("t2", "ada")).await.unwrap();
    store.delete_sessions_of("ada").await.unwrap();
    assert_eq!(store.take_session("t2").await.unwrap(), None);
}

pub async fn the_audit_log_reads_newest_first_filtered_and_paged(store: &dyn AccessStore) {
    let entries = [
        entry("01A", 1_000, "ada", Some("shop")),
        entry("01B", 2_000, "grace", Some("shop")),
        entry("01C", 3_000, "ada", Some("blog")),
        entry("01D", 4_000, "ada", None),
        entry("01E", 5_000, "ada", Some("shop")),
    ];
    for e in &entries {
        store.append_audit(e).await.unwrap();
    }
    let ids = |list: Vec<AuditEntry>| list.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let all = AuditQuery {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        ids(store.list_audit(&all).await.unwrap()),
        ["01E", "01D", "01C", "01B", "01A"]
    );
    assert_eq!(store.list_audit(&all).await.unwrap()[0], entries[4]);
    let shop_by_ada = AuditQuery {
        app: Some("shop".into()),
        actor: Some("ada".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(store.list_audit(&shop_by_ada).await.unwrap()),
        ["01E", "01A"]
    );
    let page = AuditQuery {
        limit: 2,
        ..all.clone()
    };
    let first = ids(store.list_audit(&page).await.unwrap());
    assert_eq!(first, ["01E", "01D"]);
    let second = AuditQuery {
        before: Some(first[1].clone()),
        ..page.clone()
    };
    assert_eq!(
        ids(store.list_audit(&second).await.unwrap()),
        ["01C", "01B"]
    );
    let window = AuditQuery {
        since: Some(at(2_000)),
        until: Some(at(4_000)),
        ..all.clone()
    };
    assert_eq!(
        ids(store.list_audit(&window).await.unwrap()),
        ["01C", "01B"]
    );
    // An expired entry is not listed, whenever the store gets round to deleting it.
    let later = AuditQuery {
        now: Some(at(1_002_500)),
        ..all
    };
    assert_eq!(
        ids(store.list_audit(&later).await.unwrap()),
        ["01E", "01D", "01C"]
    );
}

#[macro_export]
macro_rules! access_conformance_tests {
    ($factory:expr) => {
        $crate::access_conformance_tests!(@each $factory;
            users_are_stored_and_replaced,
            grants_are_one_per_source_and_deleted_alone,
            tokens_are_found_by_hash_and_revoked_only_by_their_owner,
            sessions_end_one_by_one_or_all_at_once,
            a_session_is_taken_once_whoever_races_for_it,
            the_audit_log_reads_newest_first_filtered_and_paged
        );
    };
    (@each $factory:expr; $($check:ident),+) => {
        $(
            #[tokio::test]
            async fn $check() {
                let store = $factory.await;
                $crate::conformance::access::$check(&*store).await;
            }
        )+
    };
}
