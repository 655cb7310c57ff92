//! Spin backends, built for wasm32-wasip2: `spin_sdk::sqlite` and `spin_sdk::pg`.
//!
//! wasm32-wasip2 components are single-threaded, so the SDK's handles and futures, which are not
//! marked `Send`, are wrapped to satisfy the `Send` bounds that axum and `async_trait` require.

use crate::{sqlite_placeholders, Connection, Db, Dialect, Row, StoreError, Value};
use async_trait::async_trait;
use spin_sdk::{pg, sqlite};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Marks a future `Send`. Sound only because a wasm32-wasip2 component has a single thread.
struct AssertSend<F>(F);

// SAFETY: wasm32-wasip2 has no threads; nothing can move this value across threads.
unsafe impl<F> Send for AssertSend<F> {}

impl<F: Future> Future for AssertSend<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of the only field.
        unsafe { self.map_unchecked_mut(|s| &mut s.0) }.poll(cx)
    }
}

/// Runs a non-`Send` future where a `Send` one is required (wasm32 only, see above).
pub async fn single_threaded<F: Future>(future: F) -> F::Output {
    AssertSend(future).await
}

struct SpinSqlite(sqlite::Connection);
// SAFETY: single-threaded wasm32 (see module documentation).
unsafe impl Send for SpinSqlite {}
unsafe impl Sync for SpinSqlite {}

/// A PostgreSQL connection from Spin's host pool. Spin returns a dropped connection to its pool
/// as it is: a transaction left open (a handler that failed between `begin` and `commit`) would
/// keep its locks until that pooled connection is handed out again, and block other writers
/// meanwhile. So a connection dropped inside a transaction is set aside, and rolled back by
/// [`roll_back_abandoned_transactions`] before the response goes out.
struct SpinPostgres {
    conn: Option<pg::Connection>,
    in_transaction: Cell<bool>,
}
// SAFETY: single-threaded wasm32 (see module documentation).
unsafe impl Send for SpinPostgres {}
unsafe impl Sync for SpinPostgres {}

thread_local! {
    static ABANDONED: RefCell<Vec<pg::Connection>> = const { RefCell::new(Vec::new()) };
}

impl Drop for SpinPostgres {
    fn drop(&mut self) {
        if self.in_transaction.get() {
            if let Some(conn) = self.conn.take() {
                ABANDONED.with(|abandoned| abandoned.borrow_mut().push(conn));
            }
        }
    }
}

/// Rolls back the transactions of the PostgreSQL connections dropped inside one, so that they go
/// back to Spin's pool without their locks. Called once the router has answered.
pub async fn roll_back_abandoned_transactions() {
    let abandoned = ABANDONED.with(|abandoned| std::mem::take(&mut *abandoned.borrow_mut()));
    for conn in abandoned {
        let _ = single_threaded(conn.execute("ROLLBACK", Vec::new())).await;
    }
}

/// Opens the component's SQLite database by its label (`default`), with the same pragmas as the
/// native backend.
pub async fn open_sqlite(label: &str) -> Result<Db, StoreError> {
    let conn = single_threaded(sqlite::Connection::open(label))
        .await
        .map_err(sqlite_error)?;
    let conn = SpinSqlite(conn);
    for pragma in ["PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON"] {
        conn.run(pragma, &[]).await?;
    }
    Ok(Db::new(Box::new(conn)))
}

/// Opens a PostgreSQL connection through Spin's host, which pools connections and does not clean
/// them up: a transaction a previous request left open is rolled back first. The address gets
/// the same connection timeouts as natively (see `crate::postgres_url`): Spin's host reads them
/// from it, and sets none of its own.
pub async fn open_postgres(address: &str) -> Result<Db, StoreError> {
    let address = crate::with_connection_timeouts(address);
    let conn = single_threaded(pg::Connection::open(&address))
        .await
        .map_err(pg_error)?;
    let conn = SpinPostgres {
        conn: Some(conn),
        in_transaction: Cell::new(false),
    };
    conn.exec("ROLLBACK", &[]).await?;
    Ok(Db::new(Box::new(conn)))
}

fn sqlite_error(error: sqlite::Error) -> StoreError {
    match error {
        sqlite::Error::Io(message) => StoreError::from_sqlite_message(&message),
        sqlite::Error::DatabaseFull => StoreError::Other("base SQLite pleine".into()),
        other => StoreError::Unavailable(format!("{other:?}")),
    }
}

fn to_sqlite(value: &Value) -> sqlite::Value {
    match value {
        Value::Null => sqlite::Value::Null,
        Value::Int(i) => sqlite::Value::Integer(*i),
        Value::Real(r) => sqlite::Value::Real(*r),
        Value::Text(t) => sqlite::Value::Text(t.clone()),
        Value::Bool(b) => sqlite::Value::Integer(i64::from(*b)),
    }
}

fn from_sqlite(value: sqlite::Value) -> Value {
    match value {
        sqlite::Value::Null => Value::Null,
        sqlite::Value::Integer(i) => Value::Int(i),
        sqlite::Value::Real(r) => Value::Real(r),
        sqlite::Value::Text(t) => Value::Text(t),
        sqlite::Value::Blob(b) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
    }
}

impl SpinSqlite {
    async fn run(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let sql = sqlite_placeholders(sql);
        let params: Vec<sqlite::Value> = params.iter().map(to_sqlite).collect();
        single_threaded(async {
            let result = self.0.execute(sql, params).await.map_err(sqlite_error)?;
            let columns: Arc<[String]> = result.columns().iter().cloned().collect();
            let rows = result.collect().await.map_err(sqlite_error)?;
            Ok(rows
                .into_iter()
                .map(|row| {
                    Row::new(
                        columns.clone(),
                        row.values.into_iter().map(from_sqlite).collect(),
                    )
                })
                .collect())
        })
        .await
    }
}

#[async_trait]
impl Connection for SpinSqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.run(sql, params).await
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.run(sql, params).await?;
        Ok(single_threaded(self.0.changes()).await)
    }

    async fn begin(&self) -> Result<(), StoreError> {
        // A fresh connection per request has nothing open; a failing ROLLBACK only says so.
        let _ = self.run("ROLLBACK", &[]).await;
        self.run("BEGIN IMMEDIATE", &[]).await.map(|_| ())
    }

    async fn commit(&self) -> Result<(), StoreError> {
        self.run("COMMIT", &[]).await.map(|_| ())
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        self.run("ROLLBACK", &[]).await.map(|_| ())
    }
}

fn pg_error(error: pg::Error) -> StoreError {
    match error {
        pg::Error::PgError(pg::PgError::QueryFailed(pg::QueryError::DbError(db))) => {
            StoreError::from_postgres_state(&db.code, &db.message)
        }
        pg::Error::PgError(pg::PgError::ConnectionFailed(message)) => {
            StoreError::Unavailable(message)
        }
        // Spin's host gives a failure without a server error as the Debug text of
        // tokio-postgres' error: `Error { kind: Closed, … }` for a connection the server closed
        // (stopped, restarted), `Error { kind: Io, … }` for a socket that failed.
        pg::Error::PgError(pg::PgError::QueryFailed(pg::QueryError::Text(text)))
            if text.starts_with("Error { kind: Closed") || text.starts_with("Error { kind: Io") =>
        {
            StoreError::Unavailable(text)
        }
        other => StoreError::Other(other.to_string()),
    }
}

fn to_pg(value: &Value) -> pg::ParameterValue {
    match value {
        Value::Null => pg::ParameterValue::DbNull,
        Value::Int(i) => pg::ParameterValue::Int64(*i),
        Value::Real(r) => pg::ParameterValue::Floating64(*r),
        Value::Text(t) => pg::ParameterValue::Str(t.clone()),
        Value::Bool(b) => pg::ParameterValue::Boolean(*b),
    }
}

fn from_pg(value: &pg::DbValue) -> Value {
    match value {
        pg::DbValue::DbNull => Value::Null,
        pg::DbValue::Boolean(b) => Value::Bool(*b),
        pg::DbValue::Int8(i) => Value::Int((*i).into()),
        pg::DbValue::Int16(i) => Value::Int((*i).into()),
        pg::DbValue::Int32(i) => Value::Int((*i).into()),
        pg::DbValue::Int64(i) => Value::Int(*i),
        pg::DbValue::Floating32(r) => Value::Real((*r).into()),
        pg::DbValue::Floating64(r) => Value::Real(*r),
        pg::DbValue::Str(s) | pg::DbValue::Uuid(s) | pg::DbValue::Decimal(s) => {
            Value::Text(s.clone())
        }
        other => Value::Text(format!("{other:?}")),
    }
}

impl SpinPostgres {
    fn conn(&self) -> &pg::Connection {
        self.conn.as_ref().expect("set aside only when dropped")
    }

    async fn exec(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let params: Vec<pg::ParameterValue> = params.iter().map(to_pg).collect();
        single_threaded(self.conn().execute(sql, params))
            .await
            .map_err(pg_error)
    }
}

#[async_trait]
impl Connection for SpinPostgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let params: Vec<pg::ParameterValue> = params.iter().map(to_pg).collect();
        single_threaded(async {
            let result = self.conn().query(sql, params).await.map_err(pg_error)?;
            let columns: Arc<[String]> = result.columns().iter().map(|c| c.name.clone()).collect();
            let rows = result.collect().await.map_err(pg_error)?;
            Ok(rows
                .iter()
                .map(|row| {
                    let values = (0..columns.len()).map(|i| from_pg(&row[i])).collect();
                    Row::new(columns.clone(), values)
                })
                .collect())
        })
        .await
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.exec(sql, params).await
    }

    async fn begin(&self) -> Result<(), StoreError> {
        self.exec("ROLLBACK", &[]).await?;
        self.in_transaction.set(true);
        self.exec("BEGIN", &[]).await.map(|_| ())
    }

    async fn commit(&self) -> Result<(), StoreError> {
        let result = self.exec("COMMIT", &[]).await.map(|_| ());
        // A failed COMMIT also ends the transaction (the server rolls it back).
        self.in_transaction.set(false);
        result
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        let result = self.exec("ROLLBACK", &[]).await.map(|_| ());
        self.in_transaction.set(result.is_err());
        result
    }
}
