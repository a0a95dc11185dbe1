//! Records as rows: JSON bodies beside the queried columns, and one batch of writes applied
//! inside a transaction with every version checked (the compare-and-set).

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use trellis_core::StoreError;
use trellis_core::model::{Deployment, runner_key};
use trellis_core::ports::{Expect, Write};

use super::db::{corrupt, unavailable};

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(corrupt)
}

pub(super) fn from_json<T: DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(corrupt)
}

/// A time as milliseconds since the epoch: what due times are compared and sorted by.
pub(super) fn millis(t: trellis_core::model::Timestamp) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(super) fn status_str(d: &Deployment) -> &'static str {
    d.status.as_str()
}

/// The stored version of a row, if it exists.
pub(super) fn current_version(
    tx: &Transaction<'_>,
    sql: &str,
    key: &[&dyn rusqlite::ToSql],
) -> Result<Option<u64>, StoreError> {
    tx.query_row(sql, key, |r| r.get::<_, i64>(0))
        .optional()
        .map(|v| v.map(|v| v as u64))
        .map_err(unavailable)
}

/// Checks a write's condition; returns the version to store.
pub(super) fn next_version(found: Option<u64>, expect: Expect) -> Result<u64, StoreError> {
    match (found, expect) {
        (None, Expect::Absent) => Ok(1),
        (Some(v), Expect::Version(e)) if v == e => Ok(v + 1),
        _ => Err(StoreError::Conflict),
    }
}

pub(super) fn apply(tx: &Transaction<'_>, write: Write) -> Result<(), StoreError> {
    match write {
        Write::PutApp(mut app, expect) => {
            let found =
                current_version(tx, "SELECT version FROM apps WHERE name = ?1", &[&app.name])?;
            app.version = next_version(found, expect)?;
            tx.execute(
                "INSERT INTO apps (name, version, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET version = excluded.version, body = excluded.body",
                params![app.name, app.version as i64, to_json(&app)?],
            )
            .map_err(unavailable)?;
        }
        Write::PutEnvironment(mut env, expect) => {
            let found = current_version(
                tx,
                "SELECT version FROM environments WHERE app = ?1 AND name = ?2",
                &[&env.app, &env.name],
            )?;
            env.version = next_version(found, expect)?;
            tx.execute(
                "INSERT INTO environments (app, name, position, version, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (app, name) DO UPDATE SET position = excluded.position,
                     version = excluded.version, body = excluded.body",
                params![
                    env.app,
                    env.name,
                    env.position,
                    env.version as i64,
                    to_json(&env)?
                ],
            )
            .map_err(unavailable)?;
        }
        Write::PutDeployment(mut dep, expect) => {
            let found = current_version(
                tx,
                "SELECT version FROM deployments WHERE id = ?1",
                &[&dep.id],
            )?;
            dep.version = next_version(found, expect)?;
            tx.execute(
                "INSERT INTO deployments (id, app, environment, status, runner, version, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status,
                     runner = excluded.runner, version = excluded.version, body = excluded.body",
                params![
                    dep.id,
                    dep.app,
                    dep.environment,
                    status_str(&dep),
                    dep.runner.as_deref().map(runner_key),
                    dep.version as i64,
                    to_json(&dep)?
                ],
            )
            .map_err(unavailable)?;
        }
        Write::DeleteApp { name, version } => {
            let found = current_version(tx, "SELECT version FROM apps WHERE name = ?1", &[&name])?;
            if found != Some(version) {
                return Err(StoreError::Conflict);
            }
            tx.execute("DELETE FROM apps WHERE name = ?1", params![name])
                .map_err(unavailable)?;
        }
        Write::DeleteEnvironment { app, name, version } => {
            let found = current_version(
                tx,
                "SELECT version FROM environments WHERE app = ?1 AND name = ?2",
                &[&app, &name],
            )?;
            if found != Some(version) {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "DELETE FROM environments WHERE app = ?1 AND name = ?2",
                params![app, name],
            )
            .map_err(unavailable)?;
        }
    }
    Ok(())
}

pub(super) fn query_bodies<T: DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(unavailable)?;
    let rows = stmt
        .query_map(args, |r| r.get::<_, String>(0))
        .map_err(unavailable)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(from_json(&row.map_err(unavailable)?)?);
    }
    Ok(out)
}

pub(super) fn query_body<T: DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Option<T>, StoreError> {
    Ok(query_bodies(conn, sql, args)?.into_iter().next())
}
