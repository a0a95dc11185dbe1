//! Users, grants, tokens, sessions and the audit log in DynamoDB (docs/data-model.md): each
//! record whole as JSON in `body`. A token and a session are found by their secret's hash and
//! listed under their owner, so each is two items written and deleted together.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use trellis_core::StoreError;
use trellis_core::access::{
    AuditEntry, AuditQuery, Grant, GrantSource, PersonalToken, Session, User,
};
use trellis_core::ports::AccessStore;

use super::*;

/// A transaction that loses a race with another write to its items tries again.
const ATTEMPTS: u32 = 8;
/// Sessions ended per transaction: two items each, within DynamoDB's 100.
const SESSIONS_PER_TRANSACTION: usize = 25;
/// Audit entries read per page when the query filters (app, actor, time): matches may be
/// sparse, so pages are larger than the entries still wanted.
const AUDIT_PAGE: usize = 100;

/// The item of a record: its key and JSON body, and more attributes.
fn record(
    k: (String, String),
    json: String,
    more: impl IntoIterator<Item = (&'static str, AttributeValue)>,
) -> Item {
    let mut item = key(k);
    item.insert("body".into(), s(json));
    item.extend(more.into_iter().map(|(name, v)| (name.to_string(), v)));
    item
}

fn text(item: &Item, name: &str) -> Result<String, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v.clone()),
        _ => Err(StoreError::Corrupt(format!("item has no {name}"))),
    }
}

/// Whether the query filters by more than `before` (and expiry, which leaves out few).
fn filters(q: &AuditQuery) -> bool {
    q.app.is_some() || q.actor.is_some() || q.since.is_some() || q.until.is_some()
}

impl DynamoStore {
    async fn put_item(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    fn put_write(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A put that replaces the item only if it exists.
    fn put_existing_write(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A delete, on the condition that the item exists when `existing`.
    fn delete_write(
        &self,
        k: (String, String),
        existing: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(k)));
        if existing {
            delete = delete.condition_expression("attribute_exists(pk)");
        }
        Ok(TransactWriteItem::builder()
            .delete(delete.build().map_err(unavailable)?)
            .build())
    }

    /// Writes without conditions, retried while concurrent transactions hold their items.
    async fn transact_retrying(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        let mut attempt = 1;
        loop {
            match self.transact(items.clone()).await {
                Err(StoreError::Conflict) if attempt < ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The items under `USER#<login>` whose sort key starts with `prefix`.
    async fn owned(
        &self,
        login: &str,
        prefix: &str,
        newest_first: bool,
    ) -> Result<Vec<Item>, StoreError> {
        self.query(
            None,
            "pk = :pk AND begins_with(sk, :prefix)",
            HashMap::from([
                (":pk".into(), s(user_pk(login))),
                (":prefix".into(), s(prefix)),
            ]),
            !newest_first,
            None,
        )
        .await
    }

    async fn grants(&self, app: &str, login: Option<&str>) -> Result<Vec<Grant>, StoreError> {
        // Sort keys order them by login, then source, as `GRANT#` sorts below any login.
        self.bodies(
            None,
            "pk = :pk AND begins_with(sk, :prefix)",
            HashMap::from([
                (":pk".into(), s(app_pk(app))),
                (":prefix".into(), s(grant_prefix(login))),
            ]),
            true,
            None,
        )
        .await
    }

    async fn get_body<T: serde::de::DeserializeOwned>(
        &self,
        k: (String, String),
    ) -> Result<Option<T>, StoreError> {
        self.get(k).await?.as_ref().map(body).transpose()
    }
}

#[async_trait]
impl AccessStore for DynamoStore {
    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.put_item(record(user_key(&user.login), to_json(user)?, []))
            .await
    }

    async fn get_user(&self, login: &str) -> Result<Option<User>, StoreError> {
        self.get_body(user_key(login)).await
    }

    async fn put_grant(&self, grant: &Grant) -> Result<(), StoreError> {
        let k = grant_key(&grant.app, &grant.login, grant.source);
        self.put_item(record(k, to_json(grant)?, [])).await
    }

    async fn delete_grant(
        &self,
        app: &str,
        login: &str,
        source: GrantSource,
    ) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(grant_key(app, login, source))))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn grants_for(&self, app: &str, login: &str) -> Result<Vec<Grant>, StoreError> {
        self.grants(app, Some(login)).await
    }

    async fn grants_of_app(&self, app: &str) -> Result<Vec<Grant>, StoreError> {
        self.grants(app, None).await
    }

    async fn put_token(&self, token: &PersonalToken) -> Result<(), StoreError> {
        let json = to_json(token)?;
        let ttl = ttl_at(token.expires_at);
        let by_hash = record(token_key(&token.hash), json.clone(), [("ttl", ttl.clone())]);
        let owned = record(
            owned_token_key(&token.login, &token.id),
            json,
            [("hash", s(&token.hash)), ("ttl", ttl)],
        );
        self.transact_retrying(vec![self.put_write(by_hash)?, self.put_write(owned)?])
            .await
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<PersonalToken>, StoreError> {
        self.get_body(token_key(hash)).await
    }

    async fn record_token_use(&self, token: &PersonalToken) -> Result<bool, StoreError> {
        let json = to_json(token)?;
        let ttl = ttl_at(token.expires_at);
        let by_hash = record(token_key(&token.hash), json.clone(), [("ttl", ttl.clone())]);
        let owned = record(
            owned_token_key(&token.login, &token.id),
            json,
            [("hash", s(&token.hash)), ("ttl", ttl)],
        );
        let writes = vec![
            self.put_existing_write(by_hash)?,
            self.put_existing_write(owned)?,
        ];
        for attempt in 1..=ATTEMPTS {
            match self.transact(writes.clone()).await {
                Ok(()) => return Ok(true),
                // Revoked (then it is gone) or written by another request at the same time.
                Err(StoreError::Conflict) => {
                    if self.token_by_hash(&token.hash).await?.is_none() {
                        return Ok(false);
                    }
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn tokens_of(&self, login: &str) -> Result<Vec<PersonalToken>, StoreError> {
        self.owned(login, TOKEN_PREFIX, true)
            .await?
            .iter()
            .map(body)
            .collect()
    }

    async fn delete_token(&self, login: &str, id: &str) -> Result<bool, StoreError> {
        // Only the owner's item names the token: another user's id is not found.
        for attempt in 1..=ATTEMPTS {
            let Some(owned) = self.get(owned_token_key(login, id)).await? else {
                return Ok(false);
            };
            let hash = text(&owned, "hash")?;
            let writes = vec![
                self.delete_write(owned_token_key(login, id), true)?,
                self.delete_write(token_key(&hash), false)?,
            ];
            match self.transact(writes).await {
                Ok(()) => return Ok(true),
                // Deleted meanwhile (then the next read says so) or held by another write.
                Err(StoreError::Conflict) => {
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn put_session(&self, session: &Session) -> Result<(), StoreError> {
        let ttl = ttl_at(session.expires_at);
        let by_hash = record(
            session_key(&session.hash),
            to_json(session)?,
            [("ttl", ttl.clone())],
        );
        let mut owned = key(owned_session_key(&session.login, &session.hash));
        owned.insert("hash".into(), s(&session.hash));
        owned.insert("ttl".into(), ttl);
        self.transact_retrying(vec![self.put_write(by_hash)?, self.put_write(owned)?])
            .await
    }

    async fn session_by_hash(&self, hash: &str) -> Result<Option<Session>, StoreError> {
        self.get_body(session_key(hash)).await
    }

    async fn delete_session(&self, hash: &str) -> Result<(), StoreError> {
        let Some(session) = self.session_by_hash(hash).await? else {
            return Ok(());
        };
        self.transact_retrying(vec![
            self.delete_write(session_key(hash), false)?,
            self.delete_write(owned_session_key(&session.login, hash), false)?,
        ])
        .await
    }

    async fn take_session(&self, hash: &str) -> Result<Option<Session>, StoreError> {
        let Some(session) = self.session_by_hash(hash).await? else {
            return Ok(None);
        };
        // The session must still be there when it is deleted: of racing takers, the one
        // whose transaction wins gets it.
        match self
            .transact(vec![
                self.delete_write(session_key(hash), true)?,
                self.delete_write(owned_session_key(&session.login, hash), false)?,
            ])
            .await
        {
            Ok(()) => Ok(Some(session)),
            Err(StoreError::Conflict) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn delete_sessions_of(&self, login: &str) -> Result<(), StoreError> {
        let hashes = self
            .owned(login, SESSION_PREFIX, false)
            .await?
            .iter()
            .map(|item| text(item, "hash"))
            .collect::<Result<Vec<_>, _>>()?;
        for part in hashes.chunks(SESSIONS_PER_TRANSACTION) {
            let mut writes = Vec::with_capacity(2 * part.len());
            for hash in part {
                writes.push(self.delete_write(session_key(hash), false)?);
                writes.push(self.delete_write(owned_session_key(login, hash), false)?);
            }
            self.transact_retrying(writes).await?;
        }
        Ok(())
    }

    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let item = record(
            audit_key(&entry.id),
            to_json(entry)?,
            [("ttl", ttl_at(entry.expires_at))],
        );
        self.put_item(item).await
    }

    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let mut out = Vec::new();
        if query.limit == 0 {
            return Ok(out);
        }
        let mut values = HashMap::from([(":pk".to_string(), s(AUDIT_PK))]);
        let condition = match &query.before {
            Some(before) => {
                values.insert(":before".into(), s(before));
                "pk = :pk AND sk < :before"
            }
            None => "pk = :pk",
        };
        // Newest first, page by page, until enough entries match or the log ends.
        let mut start = None;
        loop {
            let wanted = query.limit - out.len();
            let page = if filters(query) {
                wanted.max(AUDIT_PAGE)
            } else {
                wanted
            };
            let (items, next) = self
                .query_page(None, condition, &values, false, Some(page), start.take())
                .await?;
            for item in &items {
                let entry: AuditEntry = body(item)?;
                if query.matches(&entry) {
                    out.push(entry);
                    if out.len() >= query.limit {
                        return Ok(out);
                    }
                }
            }
            match next {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }
}
