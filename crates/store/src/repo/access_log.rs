//! The notebooks' access log: one row per read of a notebook (who, which notebook, which view,
//! when), written with the read. The notebook's view and card (`carnets`), its timeline
//! (`timeline`) and the orientation queue write it.

use crate::{params, Db, Row, StoreError, Value};
use carnet_domain::{Id, Instant};

/// One notebook read, for the access log: who, which notebook, which view, when.
pub struct AccessLogEntry<'a> {
    pub at: Instant,
    pub account_id: Id,
    pub role: &'a str,
    pub notebook_id: Id,
    pub view: &'a str,
}

/// The access log's rows, in the order of [`AccessLogEntry::values`]; their commits are shared
/// between concurrent reads (see [`Db::insert_durably`]).
pub static ACCESS_LOG: crate::SharedInsert = crate::SharedInsert {
    table: "notebook_access_log",
    columns: &["id", "at", "account_id", "role", "notebook_id", "view"],
};

const ACCESS_LOG_SQL: &str = "INSERT INTO notebook_access_log (id, at, account_id, role, notebook_id, view) VALUES ($1, $2, $3, $4, $5, $6)";

impl AccessLogEntry<'_> {
    fn values(&self) -> Vec<Value> {
        params![
            Id::new_random(),
            self.at,
            self.account_id,
            self.role,
            self.notebook_id,
            self.view
        ]
        .to_vec()
    }
}

/// Records a notebook read, in the current transaction.
pub async fn log_access(db: &Db, entry: AccessLogEntry<'_>) -> Result<(), StoreError> {
    db.execute(ACCESS_LOG_SQL, &entry.values())
        .await
        .map(|_| ())
}

/// The reads of one notebook view, then the access-log row they owe: answered only once that
/// row is durable, and an error if it cannot be written (a read that fails writes no row). The
/// reads see one state of the database and take no write lock (SQLite's writer is not waited
/// for, nor held); the row is the only write, and natively its commit is shared with those of
/// concurrent reads (group commit), while under Spin each read commits its own.
pub(crate) async fn read_and_log<const N: usize>(
    db: &Db,
    batch: &[(&str, &[Value]); N],
    entry: &AccessLogEntry<'_>,
) -> Result<[Vec<Row>; N], StoreError> {
    let answers = db.query_many_consistent(batch).await?;
    db.insert_durably(&ACCESS_LOG, entry.values()).await?;
    Ok(answers)
}
