//! Bulk loading for generated data (demo, benchmarks): many rows per INSERT, in both dialects.

use crate::{Db, StoreError, Value};

/// Buffers rows for one table and writes them in multi-row INSERTs.
pub struct BulkInsert {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
    pub written: u64,
}

const ROWS_PER_STATEMENT: usize = 400;

impl BulkInsert {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        BulkInsert {
            table,
            columns,
            rows: Vec::new(),
            written: 0,
        }
    }

    /// Buffers a row; nothing is written before [`BulkInsert::flush`], so that the caller
    /// flushes parents before children (foreign keys).
    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Writes the buffered rows, `ROWS_PER_STATEMENT` per INSERT.
    pub async fn flush(&mut self, db: &Db) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.rows);
        for batch in rows.chunks(ROWS_PER_STATEMENT) {
            self.write(db, batch).await?;
        }
        Ok(())
    }

    async fn write(&mut self, db: &Db, rows: &[Vec<Value>]) -> Result<(), StoreError> {
        let width = self.columns.len();
        let tuples: Vec<String> = (0..rows.len())
            .map(|r| {
                let placeholders: Vec<String> =
                    (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.table,
            self.columns.join(", "),
            tuples.join(", ")
        );
        let params: Vec<Value> = rows.iter().flatten().cloned().collect();
        self.written += db
            .execute(&sql, &params)
            .await
            .map_err(|error| match error {
                StoreError::ConstraintViolation(detail) => {
                    StoreError::ConstraintViolation(format!("{}: {detail}", self.table))
                }
                other => other,
            })?;
        Ok(())
    }
}
