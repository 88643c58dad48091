//! The Durable Objects: one per shop, `keys::GATES` gates per shop, one per
//! member or pooled account, one per shop for outbound webhooks, and the small key-value table on SQLite that
//! each keeps its own records in.

pub mod gate;
pub mod hooks;
pub mod member;
pub mod shop;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use worker::{SqlStorage, SqlStorageValue};

use crate::error::{AppError, AppResult};
use crate::store;

/// Logs a storage failure once and answers a 500 that says nothing inside.
pub(crate) fn sql_err(error: worker::Error) -> AppError {
    store::log_internal("object sql", error);
    AppError::internal()
}

/// The rows a query answers, each read into a `T`.
pub(crate) fn rows<T: DeserializeOwned>(
    sql: &SqlStorage,
    query: &str,
    bindings: impl Into<Option<Vec<SqlStorageValue>>>,
) -> AppResult<Vec<T>> {
    sql.exec(query, bindings)
        .and_then(|cursor| cursor.to_array())
        .map_err(sql_err)
}

/// Whether the object has ever stored anything (its `kv` table exists),
/// asked without creating anything.
pub(crate) fn has_tables(sql: &SqlStorage) -> AppResult<bool> {
    has_table(sql, "kv")
}

/// Whether the object's database has the table `name`.
pub(crate) fn has_table(sql: &SqlStorage, name: &str) -> AppResult<bool> {
    #[derive(Deserialize)]
    struct Row {
        #[allow(dead_code)]
        name: String,
    }
    let tables: Vec<Row> = rows(
        sql,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
        vec![name.into()],
    )?;
    Ok(!tables.is_empty())
}

/// The record under `key` in the object's `kv` table.
pub(crate) fn get_text(sql: &SqlStorage, key: &str) -> AppResult<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        v: String,
    }
    let rows: Vec<Row> = rows(sql, "SELECT v FROM kv WHERE k = ?", vec![key.into()])?;
    Ok(rows.into_iter().next().map(|r| r.v))
}

/// Writes the record under `key` in the object's `kv` table.
pub(crate) fn put_text(sql: &SqlStorage, key: &str, value: &str) -> AppResult<()> {
    sql.exec(
        "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)",
        vec![key.into(), value.into()],
    )
    .map(|_| ())
    .map_err(sql_err)
}
