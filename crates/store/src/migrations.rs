//! Versioned migrations, one SQL file per dialect and version under `sql/`, recorded in
//! `schema_migrations`. They are applied by `carnet-server migrate` (against a SQLite file or a
//! PostgreSQL URL) and at start by the native server; components never migrate, they only check
//! that the schema is not behind ([`check_schema`]) and answer 503 otherwise.

use crate::{params, Db, Dialect, StoreError};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

impl Migration {
    pub fn sql(&self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        }
    }
}

const REFERENTIEL: &str = include_str!("../../../sql/common/0002_referentiel.sql");

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "base",
        sqlite: include_str!("../../../sql/sqlite/0001_base.sql"),
        postgres: include_str!("../../../sql/postgres/0001_base.sql"),
    },
    Migration {
        version: 2,
        name: "referentiel",
        sqlite: REFERENTIEL,
        postgres: REFERENTIEL,
    },
    Migration {
        version: 3,
        name: "accounts",
        sqlite: include_str!("../../../sql/sqlite/0003_accounts.sql"),
        postgres: include_str!("../../../sql/postgres/0003_accounts.sql"),
    },
    Migration {
        version: 4,
        name: "carnets",
        sqlite: include_str!("../../../sql/sqlite/0004_carnets.sql"),
        postgres: include_str!("../../../sql/postgres/0004_carnets.sql"),
    },
    Migration {
        version: 5,
        name: "writes",
        sqlite: include_str!("../../../sql/sqlite/0005_writes.sql"),
        postgres: include_str!("../../../sql/postgres/0005_writes.sql"),
    },
    Migration {
        version: 6,
        name: "jobs",
        sqlite: include_str!("../../../sql/sqlite/0006_jobs.sql"),
        postgres: include_str!("../../../sql/postgres/0006_jobs.sql"),
    },
    Migration {
        version: 7,
        name: "search",
        sqlite: include_str!("../../../sql/sqlite/0007_search.sql"),
        postgres: include_str!("../../../sql/postgres/0007_search.sql"),
    },
    Migration {
        version: 8,
        name: "member_lists",
        sqlite: include_str!("../../../sql/sqlite/0008_member_lists.sql"),
        postgres: include_str!("../../../sql/postgres/0008_member_lists.sql"),
    },
];

/// The schema version this build expects.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

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
        db.begin().await?;
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
            db.rollback().await?;
            continue;
        }
        for statement in crate::split_statements(migration.sql(db.dialect())) {
            if let Err(error) = db.execute(&statement, params![]).await {
                db.rollback().await?;
                return Err(StoreError::Other(format!(
                    "migration {} ({}) : {error}",
                    migration.version, migration.name
                )));
            }
        }
        db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            params![migration.version, migration.name, applied_at],
        )
        .await?;
        db.commit().await?;
        applied.push(migration.version);
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
    fn both_dialects_define_the_same_tables() {
        for migration in MIGRATIONS {
            let tables = |sql: &str| {
                crate::split_statements(sql)
                    .iter()
                    .filter_map(|s| {
                        s.strip_prefix("CREATE TABLE ")
                            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                tables(migration.sqlite),
                tables(migration.postgres),
                "migration {}",
                migration.version
            );
        }
    }
}
