//! Users, grants, tokens, sessions and the audit log in the embedded database.

use std::path::Path;

use async_trait::async_trait;
use rusqlite::params;
use trellis_core::StoreError;
use trellis_core::access::{
    AuditEntry, AuditQuery, Grant, GrantSource, PersonalToken, Session, User,
};
use trellis_core::ports::AccessStore;

use super::db::{Db, unavailable};
use super::rows::{from_json, query_bodies, to_json};

pub struct SqliteAccessStore {
    db: Db,
}

impl SqliteAccessStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(SqliteAccessStore {
            db: Db::open(path)?,
        })
    }

    async fn execute(&self, sql: &'static str, args: Vec<String>) -> Result<usize, StoreError> {
        self.db
            .run(move |c| {
                c.execute(sql, rusqlite::params_from_iter(args.iter()))
                    .map_err(unavailable)
            })
            .await
    }

    async fn bodies<T>(&self, sql: &'static str, args: Vec<String>) -> Result<Vec<T>, StoreError>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        self.db
            .run(move |c| {
                let args: Vec<&dyn rusqlite::ToSql> =
                    args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
                query_bodies(c, sql, &args)
            })
            .await
    }

    async fn body<T>(&self, sql: &'static str, args: Vec<String>) -> Result<Option<T>, StoreError>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        Ok(self.bodies(sql, args).await?.into_iter().next())
    }
}

#[async_trait]
impl AccessStore for SqliteAccessStore {
    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO users (login, body) VALUES (?1, ?2)
             ON CONFLICT (login) DO UPDATE SET body = excluded.body",
            vec![user.login.clone(), to_json(user)?],
        )
        .await
        .map(drop)
    }

    async fn get_user(&self, login: &str) -> Result<Option<User>, StoreError> {
        self.body(
            "SELECT body FROM users WHERE login = ?1",
            vec![login.into()],
        )
        .await
    }

    async fn put_grant(&self, grant: &Grant) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO grants (app, login, source, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (app, login, source) DO UPDATE SET body = excluded.body",
            vec![
                grant.app.clone(),
                grant.login.clone(),
                grant.source.as_str().into(),
                to_json(grant)?,
            ],
        )
        .await
        .map(drop)
    }

    async fn delete_grant(
        &self,
        app: &str,
        login: &str,
        source: GrantSource,
    ) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM grants WHERE app = ?1 AND login = ?2 AND source = ?3",
            vec![app.into(), login.into(), source.as_str().into()],
        )
        .await
        .map(drop)
    }

    async fn grants_for(&self, app: &str, login: &str) -> Result<Vec<Grant>, StoreError> {
        self.bodies(
            "SELECT body FROM grants WHERE app = ?1 AND login = ?2 ORDER BY source",
            vec![app.into(), login.into()],
        )
        .await
    }

    async fn grants_of_app(&self, app: &str) -> Result<Vec<Grant>, StoreError> {
        self.bodies(
            "SELECT body FROM grants WHERE app = ?1 ORDER BY login, source",
            vec![app.into()],
        )
        .await
    }

    async fn put_token(&self, token: &PersonalToken) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO tokens (hash, login, id, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (hash) DO UPDATE SET body = excluded.body",
            vec![
                token.hash.clone(),
                token.login.clone(),
                token.id.clone(),
                to_json(token)?,
            ],
        )
        .await
        .map(drop)
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<PersonalToken>, StoreError> {
        self.body("SELECT body FROM tokens WHERE hash = ?1", vec![hash.into()])
            .await
    }

    async fn record_token_use(&self, token: &PersonalToken) -> Result<bool, StoreError> {
        Ok(self
            .execute(
                "UPDATE tokens SET body = ?2 WHERE hash = ?1",
                vec![token.hash.clone(), to_json(token)?],
            )
            .await?
            > 0)
    }

    async fn tokens_of(&self, login: &str) -> Result<Vec<PersonalToken>, StoreError> {
        self.bodies(
            "SELECT body FROM tokens WHERE login = ?1 ORDER BY id DESC",
            vec![login.into()],
        )
        .await
    }

    async fn delete_token(&self, login: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .execute(
                "DELETE FROM tokens WHERE login = ?1 AND id = ?2",
                vec![login.into(), id.into()],
            )
            .await?
            > 0)
    }

    async fn put_session(&self, session: &Session) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO sessions (hash, login, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (hash) DO UPDATE SET body = excluded.body",
            vec![
                session.hash.clone(),
                session.login.clone(),
                to_json(session)?,
            ],
        )
        .await
        .map(drop)
    }

    async fn session_by_hash(&self, hash: &str) -> Result<Option<Session>, StoreError> {
        self.body(
            "SELECT body FROM sessions WHERE hash = ?1",
            vec![hash.into()],
        )
        .await
    }

    async fn delete_session(&self, hash: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM sessions WHERE hash = ?1", vec![hash.into()])
            .await
            .map(drop)
    }

    async fn take_session(&self, hash: &str) -> Result<Option<Session>, StoreError> {
        // One statement: SQLite's writer lock makes the delete and the answer one step.
        self.body(
            "DELETE FROM sessions WHERE hash = ?1 RETURNING body",
            vec![hash.into()],
        )
        .await
    }

    async fn delete_sessions_of(&self, login: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM sessions WHERE login = ?1", vec![login.into()])
            .await
            .map(drop)
    }

    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let (id, app, actor, body) = (
            entry.id.clone(),
            entry.app.clone(),
            entry.actor.clone(),
            to_json(entry)?,
        );
        let (expires, now) = (entry.expires_at.unix_timestamp(), entry.at.unix_timestamp());
        self.db
            .run(move |c| {
                c.execute(
                    "INSERT INTO audit (id, app, actor, expires, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, app, actor, expires, body],
                )
                .map_err(unavailable)?;
                // What the retention let go of goes now (DynamoDB's TTL, locally).
                c.execute("DELETE FROM audit WHERE expires <= ?1", params![now])
                    .map(drop)
                    .map_err(unavailable)
            })
            .await
    }

    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let query = query.clone();
        self.db
            .run(move |c| {
                // Ids are ULIDs: descending id is newest first. App and actor narrow the scan;
                // the rest of the query is applied to each entry.
                let mut stmt = c
                    .prepare_cached(
                        "SELECT body FROM audit
                         WHERE (?1 IS NULL OR app = ?1) AND (?2 IS NULL OR actor = ?2)
                           AND (?3 IS NULL OR id < ?3)
                         ORDER BY id DESC",
                    )
                    .map_err(unavailable)?;
                let rows = stmt
                    .query_map(params![query.app, query.actor, query.before], |r| {
                        r.get::<_, String>(0)
                    })
                    .map_err(unavailable)?;
                let mut out = Vec::new();
                for row in rows {
                    let entry: AuditEntry = from_json(&row.map_err(unavailable)?)?;
                    if query.matches(&entry) {
                        out.push(entry);
                        if out.len() >= query.limit {
                            break;
                        }
                    }
                }
                Ok(out)
            })
            .await
    }
}
