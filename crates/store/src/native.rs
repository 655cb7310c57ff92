//! Native backends: SQLite through rusqlite (bundled) and PostgreSQL through tokio-postgres, each
//! with a small pool of connections (the native server's equivalent of Spin's host pooling).
//!
//! No request waits on another without need:
//! - SQLite: reads run in deferred transactions (WAL readers never wait for the writer, nor it
//!   for them); writers take their turn in the process, one at a time, in the order they came
//!   ([`WriteTurns`]), so that none sleeps in SQLite's busy handler (kept, with its timeout,
//!   for writers of other processes);
//! - both engines: the rows of [`crate::SharedInsert`] tables (the access log) of concurrent
//!   requests share one statement and one commit ([`SharedCommits`]), each request answered once
//!   its row is durable.

use crate::{sqlite_placeholders, Connection, Db, Dialect, Row, SharedInsert, StoreError, Value};
use async_trait::async_trait;
use futures_util::TryStreamExt;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

const POOL_SIZE: usize = 16;
const SQLITE_BUSY_TIMEOUT_MS: u64 = 5_000;

/// A native store: a SQLite file or a PostgreSQL URL, with its pool.
#[derive(Clone)]
pub struct NativeStore {
    inner: Arc<Inner>,
    /// Apart from `inner`, which connections hold: the group-commit writer keeps a connection,
    /// and connections reach this only weakly, so that a dropped store frees them all.
    shared_commits: Arc<SharedCommits>,
}

enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

struct Inner {
    target: Target,
    sqlite_pool: Mutex<Vec<rusqlite::Connection>>,
    postgres_pool: Mutex<Vec<PgClient>>,
    /// The schema was seen current once: later requests skip the check.
    schema_seen_current: Arc<std::sync::atomic::AtomicBool>,
    /// SQLite: the process's writers, one at a time.
    write_turns: WriteTurns,
}

/// SQLite's writers of this process, one at a time: a writer waits here (woken as soon as the
/// one before it ends, in the order they came) rather than in SQLite's busy handler, which
/// sleeps in growing steps, up to 100 ms, instead of being woken when the lock frees. A
/// transaction takes its turn at `begin` and gives it back when it ends; a write outside a
/// transaction takes it for its statement.
struct WriteTurns(Arc<tokio::sync::Semaphore>);

impl Default for WriteTurns {
    fn default() -> Self {
        WriteTurns(Arc::new(tokio::sync::Semaphore::new(1)))
    }
}

impl WriteTurns {
    /// Waits for this process's turn to write; as long as SQLite's busy timeout at most (a
    /// writer that never ends its transaction does not block the others for ever).
    async fn take(&self) -> Result<tokio::sync::OwnedSemaphorePermit, StoreError> {
        let wait = Duration::from_millis(SQLITE_BUSY_TIMEOUT_MS);
        match tokio::time::timeout(wait, self.0.clone().acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            Ok(Err(closed)) => Err(StoreError::Other(closed.to_string())),
            Err(_) => Err(StoreError::Busy(format!(
                "tour d'écriture non obtenu en {} ms",
                SQLITE_BUSY_TIMEOUT_MS
            ))),
        }
    }
}

/// Group commit of the rows of [`SharedInsert`] tables (the access log). A request queues its
/// row, then either finds it committed by another, or becomes the one that commits every row
/// queued by then, in one statement: one commit and one sync for all of them (`synchronous`
/// stays as it is: FULL on SQLite, `synchronous_commit` on on PostgreSQL). No task of its own:
/// whichever waiting request gets the lock commits, in a task spawned so that it finishes even
/// if that request is dropped.
#[derive(Default)]
struct SharedCommits {
    queued: Mutex<Vec<QueuedRow>>,
    /// Held while a group is written; keeps the connection groups are written with.
    writer: Arc<tokio::sync::Mutex<Option<Db>>>,
}

struct QueuedRow {
    insert: &'static SharedInsert,
    values: Vec<Value>,
    committed: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

/// At most this many rows in one statement (their parameters stay well within both engines'
/// limits, and the statement shapes cached per connection stay few).
const SHARED_COMMIT_MAX_ROWS: usize = 64;

impl SharedCommits {
    /// Queues the row and answers once it is committed (or could not be).
    async fn insert(
        &self,
        store: &NativeStore,
        insert: &'static SharedInsert,
        values: Vec<Value>,
    ) -> Result<(), StoreError> {
        let (committed, mut answer) = tokio::sync::oneshot::channel();
        self.queued.lock().expect("queue").push(QueuedRow {
            insert,
            values,
            committed,
        });
        loop {
            tokio::select! {
                biased;
                answer = &mut answer => {
                    return answer.unwrap_or_else(|_| {
                        Err(StoreError::Other("écriture groupée interrompue".into()))
                    });
                }
                writer = self.writer.clone().lock_owned() => {
                    let group = self.take_group();
                    if !group.is_empty() {
                        tokio::spawn(write_group(store.clone(), writer, group));
                    }
                }
            }
        }
    }

    /// The rows to commit together: the oldest queued row, and those of the same table queued
    /// since, up to [`SHARED_COMMIT_MAX_ROWS`]; the others stay queued for the next group.
    fn take_group(&self) -> Vec<QueuedRow> {
        let mut queued = self.queued.lock().expect("queue");
        let Some(first) = queued.first() else {
            return Vec::new();
        };
        let insert = first.insert;
        let mut group = Vec::new();
        let mut index = 0;
        while index < queued.len() && group.len() < SHARED_COMMIT_MAX_ROWS {
            if std::ptr::eq(queued[index].insert, insert) {
                group.push(queued.remove(index));
            } else {
                index += 1;
            }
        }
        group
    }
}

/// Writes a group of rows in one statement (one commit), and tells each row's request. When
/// the statement is refused by an integrity rule, each row is written on its own, so that only
/// a faulty row fails its request. `writer` is held until every request has its answer.
async fn write_group(
    store: NativeStore,
    mut writer: tokio::sync::OwnedMutexGuard<Option<Db>>,
    group: Vec<QueuedRow>,
) {
    let insert = group[0].insert;
    let values: Vec<Value> = group
        .iter()
        .flat_map(|row| row.values.iter().cloned())
        .collect();
    let result = write_rows(&store, &mut writer, &insert.sql(group.len()), &values).await;
    match result {
        Ok(()) => {
            for row in group {
                let _ = row.committed.send(Ok(()));
            }
        }
        Err(error) if group.len() == 1 => {
            if let Some(row) = group.into_iter().next() {
                let _ = row.committed.send(Err(error));
            }
        }
        Err(error @ (StoreError::Busy(_) | StoreError::Unavailable(_))) => {
            for row in group {
                let _ = row.committed.send(Err(same_error(&error)));
            }
        }
        Err(_) => {
            for row in group {
                let alone = write_rows(&store, &mut writer, &insert.sql(1), &row.values).await;
                let _ = row.committed.send(alone);
            }
        }
    }
}

/// One statement, outside any transaction (so committed when it returns), on the writer's
/// connection (opened when missing; dropped when lost). A kept connection found lost (the
/// server restarted since it was opened) is replaced once by a fresh one, so that the first
/// group after a restart does not fail requests sent once the server was back.
async fn write_rows(
    store: &NativeStore,
    writer: &mut Option<Db>,
    sql: &str,
    values: &[Value],
) -> Result<(), StoreError> {
    let kept = writer.is_some();
    let result = write_rows_once(store, writer, sql, values).await;
    match result {
        Err(StoreError::Unavailable(_)) if kept => {
            write_rows_once(store, writer, sql, values).await
        }
        other => other,
    }
}

async fn write_rows_once(
    store: &NativeStore,
    writer: &mut Option<Db>,
    sql: &str,
    values: &[Value],
) -> Result<(), StoreError> {
    if writer.is_none() {
        *writer = Some(store.connect().await?);
    }
    let db = writer.as_ref().expect("writer connection");
    let result = db.execute(sql, values).await.map(|_| ());
    if matches!(result, Err(StoreError::Unavailable(_))) {
        *writer = None;
    }
    result
}

/// The store of a connection, unless it was dropped.
fn store_of(inner: &Arc<Inner>, shared_commits: &Weak<SharedCommits>) -> Option<NativeStore> {
    Some(NativeStore {
        inner: inner.clone(),
        shared_commits: shared_commits.upgrade()?,
    })
}

/// A copy of an error, for each request of a group that failed as one.
fn same_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Busy(message) => StoreError::Busy(message.clone()),
        StoreError::Unavailable(message) => StoreError::Unavailable(message.clone()),
        StoreError::UniqueViolation(message) => StoreError::UniqueViolation(message.clone()),
        StoreError::ConstraintViolation(message) => {
            StoreError::ConstraintViolation(message.clone())
        }
        StoreError::Decode(message) => StoreError::Decode(message.clone()),
        StoreError::Other(message) => StoreError::Other(message.clone()),
    }
}

/// A PostgreSQL client and the statements it has prepared: each query's text is parsed and
/// planned once per connection, then only bound and executed (one round trip instead of two).
struct PgClient {
    client: tokio_postgres::Client,
    statements: Mutex<HashMap<String, tokio_postgres::Statement>>,
}

/// Beyond this many prepared statements on one connection, the cache starts afresh (queries
/// built with a variable number of placeholders could otherwise grow it without end).
const STATEMENT_CACHE_SIZE: usize = 512;

impl NativeStore {
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Self::with_target(Target::Sqlite(path.into()))
    }

    pub fn postgres(url: impl Into<String>) -> Self {
        Self::with_target(Target::Postgres(url.into()))
    }

    fn with_target(target: Target) -> Self {
        NativeStore {
            inner: Arc::new(Inner {
                target,
                sqlite_pool: Mutex::new(Vec::new()),
                postgres_pool: Mutex::new(Vec::new()),
                schema_seen_current: Arc::default(),
                write_turns: WriteTurns::default(),
            }),
            shared_commits: Arc::default(),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.inner.target {
            Target::Sqlite(_) => Dialect::Sqlite,
            Target::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Takes a connection from the pool, or opens one.
    pub async fn connect(&self) -> Result<Db, StoreError> {
        match &self.inner.target {
            Target::Sqlite(path) => {
                let pooled = self.inner.sqlite_pool.lock().expect("pool").pop();
                let conn = match pooled {
                    Some(conn) => conn,
                    None => blocking(|| open_sqlite(path))?,
                };
                Ok(Db::new(Box::new(SqliteConnection {
                    conn: Mutex::new(Some(conn)),
                    write_turn: Mutex::new(None),
                    pool: self.inner.clone(),
                    shared_commits: Arc::downgrade(&self.shared_commits),
                }))
                .with_schema_memory(self.inner.schema_seen_current.clone()))
            }
            Target::Postgres(url) => {
                let pooled = {
                    let mut pool = self.inner.postgres_pool.lock().expect("pool");
                    loop {
                        match pool.pop() {
                            Some(pooled) if pooled.client.is_closed() => continue,
                            other => break other,
                        }
                    }
                };
                let client = match pooled {
                    Some(client) => client,
                    None => PgClient {
                        client: connect_postgres(url).await?,
                        statements: Mutex::new(HashMap::new()),
                    },
                };
                Ok(Db::new(Box::new(PostgresConnection {
                    client: Some(client),
                    in_transaction: std::sync::atomic::AtomicBool::new(false),
                    begin_pending: std::sync::atomic::AtomicBool::new(false),
                    lost: std::sync::atomic::AtomicBool::new(false),
                    pool: self.inner.clone(),
                    shared_commits: Arc::downgrade(&self.shared_commits),
                }))
                .with_schema_memory(self.inner.schema_seen_current.clone()))
            }
        }
    }
}

/// Runs blocking SQLite work without stalling the other tasks of a multi-threaded runtime.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

fn open_sqlite(path: &PathBuf) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open(path).map_err(sqlite_error)?;
    conn.busy_timeout(std::time::Duration::from_millis(SQLITE_BUSY_TIMEOUT_MS))
        .map_err(sqlite_error)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sqlite_error)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sqlite_error)?;
    // Reads go through the OS page cache (shared by the pool), plus 16 MiB of page cache each.
    conn.pragma_update(None, "mmap_size", 268_435_456i64)
        .map_err(sqlite_error)?;
    conn.pragma_update(None, "cache_size", -16_384i64)
        .map_err(sqlite_error)?;
    // rusqlite keeps 16 prepared statements by default, and opening a notebook alone uses 12:
    // with a few kinds of requests in turn, each would prepare its statements again.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_SIZE);
    Ok(conn)
}

fn sqlite_error(error: rusqlite::Error) -> StoreError {
    use rusqlite::ffi::ErrorCode;
    match &error {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Busy(error.to_string())
            }
            ErrorCode::CannotOpen => StoreError::Unavailable(error.to_string()),
            ErrorCode::ConstraintViolation => StoreError::from_sqlite_message(&error.to_string()),
            _ => StoreError::Other(error.to_string()),
        },
        _ => StoreError::Other(error.to_string()),
    }
}

struct SqliteConnection {
    conn: Mutex<Option<rusqlite::Connection>>,
    /// This connection's turn to write (see [`WriteTurns`]), held from `begin` to the end of
    /// its transaction. Declared after `conn`: a connection dropped inside a transaction rolls
    /// back (in `Drop`) before the turn passes on.
    write_turn: Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
    pool: Arc<Inner>,
    shared_commits: Weak<SharedCommits>,
}

impl Drop for SqliteConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.lock().ok().and_then(|mut slot| slot.take()) {
            if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
                return; // a connection in an unknown state is not reused
            }
            let mut pool = self.pool.sqlite_pool.lock().expect("pool");
            if pool.len() < POOL_SIZE {
                pool.push(conn);
            }
        }
    }
}

fn to_sqlite(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Null => V::Null,
        Value::Int(i) => V::Integer(*i),
        Value::Real(r) => V::Real(*r),
        Value::Text(t) => V::Text(t.clone()),
        Value::Bool(b) => V::Integer(i64::from(*b)),
    }
}

fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match value {
        V::Null => Value::Null,
        V::Integer(i) => Value::Int(i),
        V::Real(r) => Value::Real(r),
        V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
    }
}

impl SqliteConnection {
    fn with<T>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        blocking(|| {
            let slot = self.conn.lock().expect("connection");
            work(slot.as_ref().expect("open connection"))
        })
    }

    fn holds_write_turn(&self) -> bool {
        self.write_turn.lock().expect("write turn").is_some()
    }

    /// Gives the turn to write back once the connection is outside any transaction.
    fn end_write_turn_if_done(&self) {
        let done = self.with(|conn| Ok(conn.is_autocommit())).unwrap_or(false);
        if done {
            self.write_turn.lock().expect("write turn").take();
        }
    }
}

/// The rows of one statement, prepared once per connection.
fn sqlite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(sqlite_error)?;
    let columns: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let width = columns.len();
    let mut rows = statement
        .query(rusqlite::params_from_iter(params.iter().map(to_sqlite)))
        .map_err(sqlite_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        let values = (0..width)
            .map(|i| row.get_ref(i).map(from_sqlite))
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite_error)?;
        out.push(Row::new(columns.clone(), values));
    }
    Ok(out)
}

#[async_trait]
impl Connection for SqliteConnection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let sql = sqlite_placeholders(sql);
        self.with(|conn| sqlite_rows(conn, &sql, params))
    }

    /// In one deferred transaction, all on this thread at once: a snapshot, no write lock.
    async fn query_many_consistent(
        &self,
        batch: &[(&str, &[Value])],
    ) -> Result<Vec<Vec<Row>>, StoreError> {
        let batch: Vec<(String, &[Value])> = batch
            .iter()
            .map(|(sql, params)| (sqlite_placeholders(sql), *params))
            .collect();
        self.with(|conn| {
            if !conn.is_autocommit() {
                return Err(StoreError::Other(
                    "lectures cohérentes demandées dans une transaction".into(),
                ));
            }
            conn.execute_batch("BEGIN DEFERRED").map_err(sqlite_error)?;
            let answers: Result<Vec<_>, _> = batch
                .iter()
                .map(|(sql, params)| sqlite_rows(conn, sql, params))
                .collect();
            let ended = conn
                .execute_batch(if answers.is_ok() {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                })
                .map_err(sqlite_error);
            let answers = answers?;
            ended?;
            Ok(answers)
        })
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let sql = sqlite_placeholders(sql);
        // A write outside a transaction takes its turn for its one statement.
        let _statement_turn = if self.holds_write_turn() {
            None
        } else {
            Some(self.pool.write_turns.take().await?)
        };
        self.with(|conn| {
            let mut statement = conn.prepare_cached(&sql).map_err(sqlite_error)?;
            let changed = statement
                .execute(rusqlite::params_from_iter(params.iter().map(to_sqlite)))
                .map_err(sqlite_error)?;
            Ok(changed as u64)
        })
    }

    async fn begin(&self) -> Result<(), StoreError> {
        if !self.holds_write_turn() {
            let turn = self.pool.write_turns.take().await?;
            *self.write_turn.lock().expect("write turn") = Some(turn);
        }
        let begun = self.with(|conn| {
            if !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK").map_err(sqlite_error)?;
            }
            // The turn is this process's; the busy timeout still covers other processes.
            conn.execute_batch("BEGIN IMMEDIATE").map_err(sqlite_error)
        });
        if begun.is_err() {
            self.end_write_turn_if_done();
        }
        begun
    }

    async fn commit(&self) -> Result<(), StoreError> {
        let committed = self.with(|conn| conn.execute_batch("COMMIT").map_err(sqlite_error));
        // A failed COMMIT leaves the transaction open (for the caller's ROLLBACK), and the turn
        // with it.
        self.end_write_turn_if_done();
        committed
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        let rolled_back = self.with(|conn| {
            if conn.is_autocommit() {
                return Ok(());
            }
            conn.execute_batch("ROLLBACK").map_err(sqlite_error)
        });
        self.end_write_turn_if_done();
        rolled_back
    }

    async fn insert_durably(
        &self,
        insert: &'static SharedInsert,
        values: Vec<Value>,
    ) -> Result<(), StoreError> {
        match store_of(&self.pool, &self.shared_commits) {
            Some(store) => store.shared_commits.insert(&store, insert, values).await,
            // The store was dropped while this request ran: the row is committed alone.
            None => self.execute(&insert.sql(1), &values).await.map(|_| ()),
        }
    }
}

/// Opens a PostgreSQL connection. TLS when the URL asks for it (`sslmode=require`), checking
/// the server's certificate against the public authorities (webpki roots) and those of the
/// URL's `sslrootcert` file; otherwise (`disable`, `prefer` or nothing) without TLS, as before.
async fn connect_postgres(url: &str) -> Result<tokio_postgres::Client, StoreError> {
    let (url, root_certificate) = crate::postgres_url::take_root_certificate(url);
    // Timeouts: see `crate::postgres_url`.
    let config: tokio_postgres::Config = crate::with_connection_timeouts(&url)
        .parse()
        .map_err(|error| StoreError::Other(format!("URL PostgreSQL invalide : {error}")))?;
    if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
        let tls = postgres_tls(root_certificate.as_deref())?;
        open_postgres(&config, tls).await
    } else {
        open_postgres(&config, tokio_postgres::NoTls).await
    }
}

/// The TLS client of PostgreSQL connections: the public authorities, and a private one's PEM
/// file when given.
fn postgres_tls(
    root_certificate: Option<&str>,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = root_certificate {
        let unreadable = |error: &dyn std::fmt::Display| {
            StoreError::Other(format!("sslrootcert illisible ({path}) : {error}"))
        };
        for certificate in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
            roots
                .add(certificate.map_err(|e| unreadable(&e))?)
                .map_err(|e| unreadable(&e))?;
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| StoreError::Other(format!("TLS : {error}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

async fn open_postgres<T>(
    config: &tokio_postgres::Config,
    tls: T,
) -> Result<tokio_postgres::Client, StoreError>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
    T::Stream: Send + 'static,
{
    // `connect_timeout` bounds each TCP attempt; this bounds the whole opening, a server that
    // accepts the connection but never answers the startup (or the TLS handshake) included.
    let timeout = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(Duration::from_secs(
            crate::postgres_url::CONNECT_TIMEOUT_SECONDS,
        ));
    let (client, connection) = tokio::time::timeout(timeout, config.connect(tls))
        .await
        .map_err(|_| {
            StoreError::Unavailable(format!(
                "pas de réponse du serveur en {} s",
                timeout.as_secs()
            ))
        })?
        .map_err(|error| StoreError::Unavailable(error.to_string()))?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            eprintln!("connexion PostgreSQL terminée : {error}");
        }
    });
    Ok(client)
}

fn postgres_error(error: tokio_postgres::Error) -> StoreError {
    if let Some(db) = error.as_db_error() {
        return StoreError::from_postgres_state(db.code().code(), db.message());
    }
    // The connection is gone: closed, or its socket failed (reset by a server that stopped,
    // or timed out by the keepalive settings of `crate::postgres_url`).
    let socket_failed = std::error::Error::source(&error)
        .is_some_and(|cause| cause.downcast_ref::<std::io::Error>().is_some());
    if error.is_closed() || socket_failed {
        return StoreError::Unavailable(match std::error::Error::source(&error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        });
    }
    StoreError::Other(error.to_string())
}

struct PostgresConnection {
    client: Option<PgClient>,
    in_transaction: std::sync::atomic::AtomicBool,
    /// `begin` was called and no statement has been sent since: the next one carries the
    /// `BEGIN` with it.
    begin_pending: std::sync::atomic::AtomicBool,
    /// A statement found the connection lost (server stopped, restarted, unreachable).
    lost: std::sync::atomic::AtomicBool,
    pool: Arc<Inner>,
    shared_commits: Weak<SharedCommits>,
}

impl Drop for PostgresConnection {
    fn drop(&mut self) {
        // A connection dropped inside a transaction is closed, which makes the server roll back;
        // only clean connections go back to the pool, never a lost one.
        if self
            .in_transaction
            .load(std::sync::atomic::Ordering::SeqCst)
            || self.lost.load(std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        if let Some(client) = self.client.take() {
            let mut pool = self.pool.postgres_pool.lock().expect("pool");
            if pool.len() < POOL_SIZE && !client.client.is_closed() {
                pool.push(client);
            }
        }
    }
}

/// NULL of whatever type the server expects.
#[derive(Debug)]
struct SqlNull;

impl ToSql for SqlNull {
    fn to_sql(
        &self,
        _: &Type,
        _: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn to_postgres(value: &Value) -> Box<dyn ToSql + Sync + Send> {
    match value {
        Value::Null => Box::new(SqlNull),
        Value::Int(i) => Box::new(*i),
        Value::Real(r) => Box::new(*r),
        Value::Text(t) => Box::new(t.clone()),
        Value::Bool(b) => Box::new(*b),
    }
}

fn from_postgres(row: &tokio_postgres::Row, index: usize) -> Result<Value, StoreError> {
    let column_type = row.columns()[index].type_().clone();
    let decoded = match column_type {
        Type::VOID => Ok(None),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)
            .map(|v| v.map(Value::Bool)),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)
            .map(|v| v.map(|i| Value::Int(i.into()))),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)
            .map(|v| v.map(|i| Value::Int(i.into()))),
        Type::INT8 => row
            .try_get::<_, Option<i64>>(index)
            .map(|v| v.map(Value::Int)),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(index)
            .map(|v| v.map(|r| Value::Real(r.into()))),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(index)
            .map(|v| v.map(Value::Real)),
        _ => row
            .try_get::<_, Option<String>>(index)
            .map(|v| v.map(Value::Text)),
    };
    decoded
        .map(|value| value.unwrap_or(Value::Null))
        .map_err(|error| StoreError::Decode(error.to_string()))
}

impl PostgresConnection {
    fn client(&self) -> &tokio_postgres::Client {
        &self.client.as_ref().expect("open connection").client
    }

    /// Classifies a failure. A lost connection is not reused, and neither is any idle one in the
    /// pool: they went to the same server, and each would cost a request its own failure (or,
    /// with the server unreachable, its own wait) before being found dead.
    fn failed(&self, error: tokio_postgres::Error) -> StoreError {
        let error = postgres_error(error);
        if matches!(error, StoreError::Unavailable(_)) {
            self.lost.store(true, std::sync::atomic::Ordering::SeqCst);
            self.pool.postgres_pool.lock().expect("pool").clear();
        }
        error
    }

    /// The connection's prepared statement for this text, prepared now if it is new.
    async fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement, StoreError> {
        let pooled = self.client.as_ref().expect("open connection");
        if let Some(statement) = pooled.statements.lock().expect("statements").get(sql) {
            return Ok(statement.clone());
        }
        let statement = pooled
            .client
            .prepare(sql)
            .await
            .map_err(|error| self.failed(error))?;
        let mut statements = pooled.statements.lock().expect("statements");
        if statements.len() >= STATEMENT_CACHE_SIZE {
            statements.clear();
        }
        statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// The rows of one statement, prepared once per connection.
    async fn rows(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql).await?;
        self.rows_of(&statement, params).await
    }

    /// The rows of a prepared statement.
    async fn rows_of(
        &self,
        statement: &tokio_postgres::Statement,
        params: &[Value],
    ) -> Result<Vec<Row>, StoreError> {
        let rows: Vec<tokio_postgres::Row> = self
            .client()
            .query_raw(statement, params.iter().map(to_postgres))
            .await
            .map_err(|error| self.failed(error))?
            .try_collect()
            .await
            .map_err(|error| self.failed(error))?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let columns: Arc<[String]> = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        rows.iter()
            .map(|row| {
                let values = (0..columns.len())
                    .map(|i| from_postgres(row, i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Row::new(columns.clone(), values))
            })
            .collect()
    }

    /// A statement without parameters, in the simple query protocol (`BEGIN`, `COMMIT`…).
    async fn simple(&self, sql: &str) -> Result<(), StoreError> {
        self.client()
            .batch_execute(sql)
            .await
            .map_err(|error| self.failed(error))
    }

    /// Runs a prepared write; the number of rows it changed.
    async fn write(
        &self,
        statement: &tokio_postgres::Statement,
        params: &[Value],
    ) -> Result<u64, StoreError> {
        self.client()
            .execute_raw(statement, params.iter().map(to_postgres))
            .await
            .map_err(|error| self.failed(error))
    }

    fn take_pending_begin(&self) -> bool {
        self.begin_pending
            .swap(false, std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `work`, preceded in the same round trip by the transaction's `BEGIN` when one is
    /// pending. The two futures are polled in order, so `BEGIN` is written to the server before
    /// the statements of `work`. Unlike under Spin, no `ROLLBACK` goes first: this pool takes
    /// back only connections outside any transaction (see `Drop`), and a `ROLLBACK` outside one
    /// costs a warning in the server's log at every request.
    async fn after_pending_begin<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        if !self.take_pending_begin() {
            return work.await;
        }
        let (begun, result) = futures_util::future::join(self.simple("BEGIN"), work).await;
        begun?;
        result
    }

    fn set_in_transaction(&self, value: bool) {
        self.in_transaction
            .store(value, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait]
impl Connection for PostgresConnection {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.after_pending_begin(self.rows(sql, params)).await
    }

    /// Sent together: tokio-postgres writes every request of futures polled at the same time
    /// before waiting for the answers (pipelining), and answers them in order.
    async fn query_many(&self, batch: &[(&str, &[Value])]) -> Result<Vec<Vec<Row>>, StoreError> {
        let all = futures_util::future::try_join_all(
            batch.iter().map(|(sql, params)| self.rows(sql, params)),
        );
        self.after_pending_begin(all).await
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.after_pending_begin(async {
            let statement = self.statement(sql).await?;
            self.write(&statement, params).await
        })
        .await
    }

    async fn begin(&self) -> Result<(), StoreError> {
        // Sent with the next statement (see `after_pending_begin`).
        self.set_in_transaction(true);
        self.begin_pending
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    async fn commit(&self) -> Result<(), StoreError> {
        if self.take_pending_begin() {
            // Nothing was sent inside the transaction: nothing to commit.
            self.set_in_transaction(false);
            return Ok(());
        }
        let result = self.simple("COMMIT").await;
        if result.is_ok() {
            self.set_in_transaction(false);
        }
        result
    }

    async fn rollback(&self) -> Result<(), StoreError> {
        if self.take_pending_begin() {
            self.set_in_transaction(false);
            return Ok(());
        }
        self.simple("ROLLBACK").await?;
        self.set_in_transaction(false);
        Ok(())
    }

    async fn insert_durably(
        &self,
        insert: &'static SharedInsert,
        values: Vec<Value>,
    ) -> Result<(), StoreError> {
        match store_of(&self.pool, &self.shared_commits) {
            Some(store) => store.shared_commits.insert(&store, insert, values).await,
            // The store was dropped while this request ran: the row is committed alone.
            None => self.execute(&insert.sql(1), &values).await.map(|_| ()),
        }
    }
}
