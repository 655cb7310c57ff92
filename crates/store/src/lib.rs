//! The store: one small async interface (`Connection`) with four backends:
//! Spin SQLite and Spin PostgreSQL (in `spin`, built for wasm32), native SQLite and native
//! PostgreSQL (in `native`, feature `native`). Repositories in the components hold the SQL; this
//! crate only moves values in and out and maps engine errors to [`StoreError`].
//!
//! Storage decisions shared by both dialects (see also `carnet_domain::instant` and `::text`):
//! - ids are UUID text (`TEXT`), instants fixed-width UTC text, dates `YYYY-MM-DD`;
//! - integers are `BIGINT` in PostgreSQL (one parameter type: i64), booleans `BOOLEAN` in
//!   PostgreSQL and `INTEGER` 0/1 in SQLite;
//! - emails are kept as typed next to a lower-case `*_key` column that carries the UNIQUE index;
//! - French sorting and accent-insensitive search use a `sort_key` column computed in Rust;
//! - SQL is written with `$1, $2…` placeholders; SQLite receives them as `?1, ?2…`.

pub mod decode;
mod error;
pub mod migrations;
mod postgres_url;
pub mod repo;
mod value;

#[cfg(feature = "native")]
pub mod native;
#[cfg(target_arch = "wasm32")]
pub mod spin;

pub use decode::decode_all;
pub use error::StoreError;
pub use postgres_url::with_connection_timeouts;
pub use value::{FromValue, Row, Value};

use async_trait::async_trait;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// One database connection, held for one request.
///
/// Transactions: `begin` opens a transaction that takes the write lock at once (`BEGIN
/// IMMEDIATE` on SQLite; the native SQLite backend first waits for its process's turn to
/// write, see `native::WriteTurns`). Under Spin it first rolls back anything a previous user
/// of a pooled connection left open (Spin's PostgreSQL pool does not clean up); the native pools take back
/// only connections outside any transaction. Native PostgreSQL sends that `BEGIN` together with
/// the transaction's first statement (one round trip for both). A connection dropped without
/// `commit` is rolled back by its backend.
#[async_trait]
pub trait Connection: Send + Sync {
    fn dialect(&self) -> Dialect;
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Reads that do not depend on each other, answered in order. This default runs them one
    /// after the other; native PostgreSQL sends them together (one round trip).
    async fn query_many(&self, batch: &[(&str, &[Value])]) -> Result<Vec<Vec<Row>>, StoreError> {
        let mut answers = Vec::with_capacity(batch.len());
        for (sql, params) in batch {
            answers.push(self.query(sql, params).await?);
        }
        Ok(answers)
    }
    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    async fn begin(&self) -> Result<(), StoreError>;
    async fn commit(&self) -> Result<(), StoreError>;
    async fn rollback(&self) -> Result<(), StoreError>;
    /// Reads that must see one state of the database, without taking any write lock, outside
    /// any transaction of this connection. This default: on SQLite, a deferred transaction (a
    /// snapshot at its first read; a WAL reader never waits for the writer, nor the writer for
    /// it) committed at once, which syncs nothing; on PostgreSQL, the reads on their own, each
    /// seeing what was committed when it starts (read committed, as inside a transaction there).
    async fn query_many_consistent(
        &self,
        batch: &[(&str, &[Value])],
    ) -> Result<Vec<Vec<Row>>, StoreError> {
        if self.dialect() == Dialect::Postgres {
            return self.query_many(batch).await;
        }
        self.execute("BEGIN DEFERRED", &[]).await?;
        let answers = self.query_many(batch).await;
        let ended = match answers {
            Ok(_) => self.execute("COMMIT", &[]).await,
            Err(_) => self.execute("ROLLBACK", &[]).await,
        };
        let answers = answers?;
        ended?;
        Ok(answers)
    }
    /// Inserts one row, durably, outside any transaction of this connection: answered once the
    /// row is committed, an error if it cannot be. This default commits the row on its own (one
    /// statement: under Spin, each request is a fresh instance with nothing to share); the
    /// native store commits the rows of concurrent requests together (group commit).
    async fn insert_durably(
        &self,
        insert: &'static SharedInsert,
        values: Vec<Value>,
    ) -> Result<(), StoreError> {
        self.execute(&insert.sql(1), &values).await.map(|_| ())
    }
}

/// An `INSERT` of single rows into an append-only table (the access log), whose commits the
/// native store shares between concurrent requests: rows of several requests go in one
/// statement, one commit, one sync.
pub struct SharedInsert {
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

impl SharedInsert {
    /// The statement inserting `rows` rows, parameters numbered row after row.
    pub fn sql(&self, rows: usize) -> String {
        let width = self.columns.len();
        let tuples: Vec<String> = (0..rows)
            .map(|row| {
                let placeholders: Vec<String> = (1..=width)
                    .map(|column| format!("${}", row * width + column))
                    .collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.table,
            self.columns.join(", "),
            tuples.join(", ")
        )
    }
}

/// A connection with the conveniences every repository uses.
pub struct Db {
    conn: Box<dyn Connection>,
    /// Test mode only: fail every write after this many successful ones, so that tests can
    /// prove a handler that fails half-way leaves nothing behind.
    fail_after_writes: Option<u32>,
    writes: AtomicU32,
    /// Natively, shared by every connection of the process: the schema was seen current (see
    /// [`migrations::check_schema`]). Under Spin each request starts afresh: `None`.
    schema_seen_current: Option<Arc<AtomicBool>>,
}

impl Db {
    pub fn new(conn: Box<dyn Connection>) -> Self {
        Db {
            conn,
            fail_after_writes: None,
            writes: AtomicU32::new(0),
            schema_seen_current: None,
        }
    }

    /// Shares the process's memory of a current schema with this connection (native only).
    pub fn with_schema_memory(mut self, seen_current: Arc<AtomicBool>) -> Self {
        self.schema_seen_current = Some(seen_current);
        self
    }

    pub(crate) fn schema_seen_current(&self) -> bool {
        self.schema_seen_current
            .as_ref()
            .is_some_and(|seen| seen.load(Ordering::SeqCst))
    }

    pub(crate) fn remember_schema_current(&self) {
        if let Some(seen) = &self.schema_seen_current {
            seen.store(true, Ordering::SeqCst);
        }
    }

    pub fn inject_failure_after_writes(&mut self, count: u32) {
        self.fail_after_writes = Some(count);
    }

    pub fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    pub async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let started = trace_start();
        let result = self.conn.query(sql, params).await;
        trace_end(started, sql);
        result
    }

    /// Reads that do not depend on each other (see [`Connection::query_many`]), answered in
    /// order, one answer per read: the way to open a page that needs several lists without
    /// paying a round trip each.
    pub async fn query_many<const N: usize>(
        &self,
        batch: &[(&str, &[Value]); N],
    ) -> Result<[Vec<Row>; N], StoreError> {
        let started = trace_start();
        let result = self.conn.query_many(batch).await;
        if started.is_some() {
            trace_end(started, &batch_text(batch));
        }
        fixed_size(result?)
    }

    pub async fn query_one(&self, sql: &str, params: &[Value]) -> Result<Row, StoreError> {
        one_row(&self.query(sql, params).await?).cloned()
    }

    pub async fn query_opt(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    /// The rows of a query, each decoded as `T` by column name (see [`Row::decode`]).
    pub async fn query_as<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<T>, StoreError> {
        decode_all(&self.query(sql, params).await?)
    }

    /// The one row of a query that must return one, decoded as `T`.
    pub async fn query_one_as<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<T, StoreError> {
        self.query_one(sql, params).await?.decode()
    }

    /// The first row of a query, if any, decoded as `T`.
    pub async fn query_opt_as<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<T>, StoreError> {
        self.query_opt(sql, params)
            .await?
            .map(|row| row.decode())
            .transpose()
    }

    pub async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.count_write()?;
        let started = trace_start();
        let changed = self.conn.execute(sql, params).await;
        trace_end(started, sql);
        let changed = changed?;
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(changed)
    }

    /// Reads that must agree with each other, without any write lock (see
    /// [`Connection::query_many_consistent`]), answered in order, one answer per read; outside
    /// any transaction.
    pub async fn query_many_consistent<const N: usize>(
        &self,
        batch: &[(&str, &[Value]); N],
    ) -> Result<[Vec<Row>; N], StoreError> {
        let started = trace_start();
        let result = self.conn.query_many_consistent(batch).await;
        if started.is_some() {
            trace_end(started, &format!("(snapshot) {}", batch_text(batch)));
        }
        fixed_size(result?)
    }

    /// Inserts one row durably, outside any transaction, its commit shared with those of
    /// concurrent requests where the backend can (see [`Connection::insert_durably`]): answered
    /// once the row is committed.
    pub async fn insert_durably(
        &self,
        insert: &'static SharedInsert,
        values: Vec<Value>,
    ) -> Result<(), StoreError> {
        self.count_write()?;
        let started = trace_start();
        let result = self.conn.insert_durably(insert, values).await;
        trace_end(started, &format!("(shared commit) {}", insert.sql(1)));
        result?;
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Test mode only: the injected failure once the allowed number of writes is reached.
    fn count_write(&self) -> Result<(), StoreError> {
        match self.fail_after_writes {
            Some(limit) if self.writes.load(Ordering::SeqCst) >= limit => {
                Err(StoreError::Other("panne injectée par le mode test".into()))
            }
            _ => Ok(()),
        }
    }

    /// Runs `work` in one transaction: `COMMIT` when it returns `Ok`, `ROLLBACK` when it returns
    /// `Err` (whatever the error: a refusal decided half-way, a failed statement, an injected
    /// fault), so that no write is ever half-applied and no transaction is left open. The one
    /// way handlers write; `work` uses this same `Db` (through what it captures).
    ///
    /// On every backend: native SQLite and PostgreSQL, Spin SQLite and PostgreSQL. Were the
    /// `ROLLBACK` itself to fail (the connection lost), the backend still discards the
    /// transaction: a connection is never handed out again inside one.
    pub async fn transaction<T, E>(&self, work: impl AsyncFnOnce() -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.begin().await?;
        match work().await {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(error) => {
                if let Err(rollback) = self.rollback().await {
                    eprintln!(
                        "rollback failed (the connection discards the transaction): {rollback}"
                    );
                }
                Err(error)
            }
        }
    }

    pub async fn begin(&self) -> Result<(), StoreError> {
        let started = trace_start();
        let result = self.conn.begin().await;
        trace_end(started, "BEGIN");
        result
    }

    pub async fn commit(&self) -> Result<(), StoreError> {
        let started = trace_start();
        let result = self.conn.commit().await;
        trace_end(started, "COMMIT");
        result
    }

    pub async fn rollback(&self) -> Result<(), StoreError> {
        self.conn.rollback().await
    }
}

/// How a batch of reads sent together shows in the trace.
fn batch_text(batch: &[(&str, &[Value])]) -> String {
    let statements: Vec<&str> = batch.iter().map(|(sql, _)| *sql).collect();
    format!("[{} together] {}", batch.len(), statements.join(" | "))
}

/// A batch's answers, one per read of the batch.
fn fixed_size<const N: usize>(answers: Vec<Vec<Row>>) -> Result<[Vec<Row>; N], StoreError> {
    answers.try_into().map_err(|answers: Vec<Vec<Row>>| {
        StoreError::Other(format!("{} réponses pour {N} requêtes", answers.len()))
    })
}

/// The first row of an answer that must have one (an error otherwise).
pub fn one_row(rows: &[Row]) -> Result<&Row, StoreError> {
    rows.first()
        .ok_or_else(|| StoreError::Other("la requête n'a renvoyé aucune ligne".into()))
}

/// Rewrites `$1, $2…` placeholders as SQLite's `?1, ?2…`, leaving quoted text untouched.
pub fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_quote = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_quote = !in_quote;
                out.push(c);
            }
            '$' if !in_quote && chars.peek().is_some_and(|d| d.is_ascii_digit()) => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// Splits a migration file into statements on `;` outside quotes and comments (engines behind
/// Spin run one statement per call).
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut in_quote = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if !in_quote && c == '-' && chars.peek() == Some(&'-') {
            for skipped in chars.by_ref() {
                if skipped == '\n' {
                    break;
                }
            }
            current.push('\n');
            continue;
        }
        match c {
            '\'' => {
                in_quote = !in_quote;
                current.push(c);
            }
            ';' if !in_quote => {
                if !current.trim().is_empty() {
                    statements.push(current.trim().to_string());
                }
                current.clear();
            }
            c => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        statements.push(current.trim().to_string());
    }
    statements
}

/// `CARNET_SQL_TRACE=1` prints every statement and its duration on stderr (diagnostics only).
fn trace_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("CARNET_SQL_TRACE").is_ok_and(|v| v == "1"))
}

fn trace_start() -> Option<std::time::Instant> {
    trace_enabled().then(std::time::Instant::now)
}

fn trace_end(started: Option<std::time::Instant>, sql: &str) {
    if let Some(started) = started {
        let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        eprintln!(
            "sql {:>8.3} ms  {}",
            started.elapsed().as_secs_f64() * 1000.0,
            one_line.chars().take(160).collect::<String>()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes_only() {
        assert_eq!(
            sqlite_placeholders("SELECT $1, '$2', $10 FROM t WHERE a = $2"),
            "SELECT ?1, '$2', ?10 FROM t WHERE a = ?2"
        );
    }

    #[test]
    fn statements_split_on_semicolons_outside_quotes_and_comments() {
        let sql = "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT);\nINSERT INTO a VALUES ('x;y''z;');\n\n";
        assert_eq!(
            split_statements(sql),
            vec![
                "CREATE TABLE a (x TEXT)".to_string(),
                "INSERT INTO a VALUES ('x;y''z;')".to_string()
            ]
        );
    }
}
