//! Versioned migrations, recorded in `schema_migrations`. They are applied by `carnet-server
//! migrate` (against a SQLite file or a PostgreSQL URL) and at start by the native server;
//! components never migrate, they only check that the schema is not behind ([`check_schema`])
//! and answer 503 otherwise.
//!
//! Each migration is written once for both engines, `sql/NNNN_name.sql`. What one engine needs
//! otherwise goes in `sql/sqlite/NNNN_name.sql` and `sql/postgres/NNNN_name.sql` (both, or
//! neither), applied after the shared file in the same transaction; keep those to what truly
//! differs (today: SQLite's `WITHOUT ROWID` search table). The shared files use only types and
//! literals both engines read alike (`TEXT`, `BIGINT`, `BOOLEAN`, `TRUE`/`FALSE`: SQLite stores
//! booleans as 0/1), and `tests/api/schema.rs` checks that both engines build the same schema,
//! recorded in `sql/schema.snapshot.txt`.
//!
//! Nothing was deployed before it, so version 1 is a baseline that squashed the first eight
//! migrations; version 2 loads the national reference lists; version 3 keeps on each notebook
//! whether it has a referent (and its name sort key), and indexes what the « sans référent »
//! list and the dashboard count. A change of the schema is a new version, never an edit of a
//! shipped one.

use crate::{params, Db, Dialect, StoreError};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    /// Valid on both engines.
    shared: &'static str,
    /// Applied after `shared` on SQLite only (empty when nothing differs).
    sqlite: &'static str,
    /// Applied after `shared` on PostgreSQL only (empty when nothing differs).
    postgres: &'static str,
}

impl Migration {
    /// The statements to run on this engine, in order.
    pub fn statements(&self, dialect: Dialect) -> Vec<String> {
        let specific = match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        };
        let mut statements = crate::split_statements(self.shared);
        statements.extend(crate::split_statements(specific));
        statements
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "schema",
        shared: include_str!("../../../sql/0001_schema.sql"),
        sqlite: include_str!("../../../sql/sqlite/0001_schema.sql"),
        postgres: include_str!("../../../sql/postgres/0001_schema.sql"),
    },
    Migration {
        version: 2,
        name: "referentiel",
        shared: include_str!("../../../sql/0002_referentiel.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "lists_and_dashboard",
        shared: include_str!("../../../sql/0003_lists_and_dashboard.sql"),
        sqlite: "",
        postgres: "",
    },
];

/// The schema version this build expects.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
    version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// The database's schema version; 0 for an empty database.
pub async fn current_version(db: &Db) -> Result<i64, StoreError> {
    let exists_sql = match db.dialect() {
        Dialect::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        }
        Dialect::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        }
    };
    let exists: i64 = db.query_one(exists_sql, params![]).await?.get("n")?;
    if exists == 0 {
        return Ok(0);
    }
    let row = db
        .query_one(
            "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations",
            params![],
        )
        .await?;
    row.get("v")
}

/// Whether the schema is behind what this build needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaStatus {
    pub current: i64,
    pub expected: i64,
}

impl SchemaStatus {
    pub fn is_behind(&self) -> bool {
        self.current < self.expected
    }
}

/// The check every request makes (outside any transaction): one query on a migrated database;
/// only when it fails (no `schema_migrations` yet) does it ask the catalogue.
///
/// A native server remembers, for the life of its process, a schema it once saw current:
/// versions only go up, and its own code does not change. Under Spin every request checks.
pub async fn check_schema(db: &Db) -> Result<SchemaStatus, StoreError> {
    let expected = latest_version();
    if db.schema_seen_current() {
        return Ok(SchemaStatus {
            current: expected,
            expected,
        });
    }
    let current = match db
        .query_one(
            "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations",
            params![],
        )
        .await
    {
        Ok(row) => row.get("v")?,
        Err(_) => current_version(db).await?,
    };
    if current >= expected {
        db.remember_schema_current();
    }
    Ok(SchemaStatus { current, expected })
}

/// Applies every migration not yet recorded, each in its own transaction together with its
/// `schema_migrations` row. Safe to run from two processes at once: SQLite's `BEGIN IMMEDIATE`
/// and PostgreSQL's advisory lock serialize them, and each re-checks the version inside.
/// Returns the versions it applied.
pub async fn apply_all(db: &Db, applied_at: &str) -> Result<Vec<i64>, StoreError> {
    db.execute(CREATE_TABLE, params![]).await?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let newly_applied = db
            .transaction(async || {
                if db.dialect() == Dialect::Postgres {
                    db.query("SELECT pg_advisory_xact_lock(72640110)", params![])
                        .await?;
                }
                let done = db
                    .query_opt(
                        "SELECT version FROM schema_migrations WHERE version = $1",
                        params![migration.version],
                    )
                    .await?
                    .is_some();
                if done {
                    return Ok(false);
                }
                for statement in migration.statements(db.dialect()) {
                    db.execute(&statement, params![]).await.map_err(|error| {
                        StoreError::Other(format!(
                            "migration {} ({}) : {error}",
                            migration.version, migration.name
                        ))
                    })?;
                }
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    params![migration.version, migration.name, applied_at],
                )
                .await?;
                Ok(true)
            })
            .await?;
        if newly_applied {
            applied.push(migration.version);
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_increasing_and_contiguous() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1, "{}", migration.name);
        }
    }

    #[test]
    fn the_engine_specific_parts_create_the_same_tables() {
        let created = |sql: &str| {
            crate::split_statements(sql)
                .iter()
                .filter_map(|s| {
                    s.strip_prefix("CREATE TABLE ")
                        .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
                })
                .collect::<Vec<_>>()
        };
        for migration in MIGRATIONS {
            assert_eq!(
                created(migration.sqlite),
                created(migration.postgres),
                "migration {}",
                migration.version
            );
        }
    }
}
