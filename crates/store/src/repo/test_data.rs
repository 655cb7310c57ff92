//! Test mode only: the instance's clock (`test_clock`), emptying the data between tests, and
//! reading the outbox back.

use crate::{params, Db, Dialect, StoreError};
use carnet_domain::{Id, Instant};
use serde::Serialize;

/// Sets the test clock: every component then reads `now` as the current time. The insert is an
/// upsert: two requests setting it at once both succeed (on PostgreSQL the second one's delete
/// found nothing once the first committed, and its plain insert then collided).
pub async fn set_clock(db: &Db, now: Instant) -> Result<(), StoreError> {
    clear_clock(db).await?;
    db.execute(
        "INSERT INTO test_clock (id, now) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET now = excluded.now",
        params![now],
    )
    .await
    .map(|_| ())
}

/// Removes the test clock: back to the system clock.
pub async fn clear_clock(db: &Db) -> Result<(), StoreError> {
    db.execute("DELETE FROM test_clock", params![])
        .await
        .map(|_| ())
}

/// The tables that hold data: every table except the référentiel (`ref_*`) and
/// `schema_migrations`.
pub async fn data_tables(db: &Db) -> Result<Vec<String>, StoreError> {
    let catalogue = match db.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        }
        Dialect::Postgres => {
            "SELECT CAST(tablename AS TEXT) AS name FROM pg_tables WHERE schemaname = current_schema()"
        }
    };
    let mut tables = Vec::new();
    for row in db.query(catalogue, params![]).await? {
        let name: String = row.get("name")?;
        if !name.starts_with("ref_") && name != "schema_migrations" {
            tables.push(name);
        }
    }
    Ok(tables)
}

/// Empties these tables (from [`data_tables`]), inside the caller's transaction: `TRUNCATE` on
/// PostgreSQL; on SQLite a `DELETE` each, foreign keys checked at commit.
pub async fn empty_tables(db: &Db, tables: &[String]) -> Result<(), StoreError> {
    match db.dialect() {
        Dialect::Postgres => {
            db.execute(&format!("TRUNCATE {}", tables.join(", ")), params![])
                .await?;
        }
        Dialect::Sqlite => {
            // Rows reference each other; checked at COMMIT, when every table is empty.
            db.execute("PRAGMA defer_foreign_keys = ON", params![])
                .await?;
            for table in tables {
                db.execute(&format!("DELETE FROM {table}"), params![])
                    .await?;
            }
        }
    }
    Ok(())
}

/// Un courriel de la file d'envoi, tel que le mode test le montre.
#[derive(Serialize, serde::Deserialize, utoipa::ToSchema, Clone, Debug)]
#[schema(as = CourrielDeLaFile)]
pub struct OutboxEmail {
    pub id: Id,
    #[schema(example = "sign_in_link")]
    pub template: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// `pending`, `sent` ou `failed`.
    #[schema(example = "pending")]
    pub status: String,
    pub attempts: i64,
    pub created_at: Instant,
}

/// Every email queued or sent (to `recipient` only, case-insensitive, when given), oldest first.
pub async fn outbox(db: &Db, recipient: Option<&str>) -> Result<Vec<OutboxEmail>, StoreError> {
    db.query_as(
        "SELECT id, template, recipient, subject, body_text, body_html, status, attempts, created_at \
         FROM outbox WHERE (CAST($1 AS TEXT) IS NULL OR LOWER(recipient) = LOWER(CAST($1 AS TEXT))) ORDER BY created_at, id",
        params![recipient],
    )
    .await
}
