//! One schema, two engines: the migrations are written once (`sql/`), and this test checks that
//! SQLite and PostgreSQL really end up with the same schema. It migrates a fresh database, reads
//! the engine's catalogue back and normalises it to one description: tables; columns (kind among
//! text, integer, boolean, real; nullability; default); primary keys, unique and foreign-key
//! constraints; indexes (columns, uniqueness, predicate of a partial index). CHECK constraints
//! are not compared (SQLite keeps them only as text).
//!
//! The SQLite description is built on every run (SQLite is embedded) and compared with the
//! committed `sql/schema.snapshot.txt`, so that any change of the schema shows in review. The
//! PostgreSQL pass (`CARNET_TEST_STORE=postgres`) builds the PostgreSQL description too and
//! compares both with each other and with the snapshot. After an intended change of the schema,
//! rewrite the snapshot with `CARNET_UPDATE_SCHEMA_SNAPSHOT=1`, and review its diff.

use carnet_store::native::NativeStore;
use carnet_store::{migrations, params, Db};
use carnet_tests::{native_store, spawn_app_on_empty_database};
use std::collections::{BTreeMap, BTreeSet};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sql/schema.snapshot.txt");

/// One table as both engines can describe it, every part already normalised to text.
#[derive(Default)]
struct Table {
    /// In declaration order: `name kind [not null] [default value]`.
    columns: Vec<String>,
    /// `primary key (…)`, `unique (…)`, `foreign key (…) references t (…) [on delete …]`.
    constraints: BTreeSet<String>,
    /// `[unique ]index name (…) [where …]`: the indexes created by `CREATE INDEX`.
    indexes: BTreeSet<String>,
}

type Description = BTreeMap<String, Table>;

fn render(description: &Description) -> String {
    let mut text = String::new();
    for (name, table) in description {
        text.push_str(&format!("table {name}\n"));
        for line in table
            .columns
            .iter()
            .map(|column| format!("column {column}"))
            .chain(table.constraints.iter().cloned())
            .chain(table.indexes.iter().cloned())
        {
            text.push_str(&format!("    {line}\n"));
        }
    }
    text
}

/// The kind of a declared column type: only the types the migrations may use (`TEXT`,
/// `BIGINT`, `BOOLEAN`, `DOUBLE PRECISION`) have one; any other type is named with its engine,
/// so that it differs from the other engine's description and the test fails.
fn kind(engine: &str, declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "text" => "text".into(),
        "bigint" => "integer".into(),
        "boolean" => "boolean".into(),
        "double precision" => "real".into(),
        other => format!("{engine}:{other}"),
    }
}

/// A default or an index predicate as both engines show it: PostgreSQL adds casts to literals
/// and parentheses around comparisons, SQLite keeps the text as written.
fn normalised_expression(expression: &str) -> String {
    expression
        .replace("::text", "")
        .replace("::bigint", "")
        .replace(['(', ')', '"'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn column_line(name: &str, kind: String, not_null: bool, default: Option<String>) -> String {
    let mut line = format!("{name} {kind}");
    if not_null {
        line.push_str(" not null");
    }
    if let Some(default) = default {
        line.push_str(&format!(" default {}", normalised_expression(&default)));
    }
    line
}

fn foreign_key_line(
    columns: &str,
    table: &str,
    referenced: &str,
    on_update: &str,
    on_delete: &str,
) -> String {
    let mut line = format!("foreign key ({columns}) references {table} ({referenced})");
    for (event, action) in [("update", on_update), ("delete", on_delete)] {
        if action != "no action" {
            line.push_str(&format!(" on {event} {action}"));
        }
    }
    line
}

fn index_line(name: &str, columns: &str, unique: bool, predicate: Option<&str>) -> String {
    let mut line = format!(
        "{}index {name} ({columns})",
        if unique { "unique " } else { "" }
    );
    if let Some(predicate) = predicate {
        line.push_str(&format!(" where {}", normalised_expression(predicate)));
    }
    line
}

async fn texts(db: &Db, sql: &str, name: &str) -> Vec<String> {
    db.query(sql, params![name])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("name").unwrap())
        .collect()
}

async fn describe_sqlite(db: &Db) -> Description {
    let mut description = Description::new();
    let tables = db
        .query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            params![],
        )
        .await
        .unwrap();
    for row in tables {
        let name: String = row.get("name").unwrap();
        let mut table = Table::default();
        let mut primary_key = Vec::new();
        for column in db
            .query(
                "SELECT name, type, \"notnull\" AS not_null, dflt_value, pk \
                 FROM pragma_table_info($1) ORDER BY cid",
                params![name.as_str()],
            )
            .await
            .unwrap()
        {
            let column_name: String = column.get("name").unwrap();
            let position: i64 = column.get("pk").unwrap();
            if position > 0 {
                primary_key.push((position, column_name.clone()));
            }
            table.columns.push(column_line(
                &column_name,
                kind("sqlite", &column.get::<String>("type").unwrap()),
                column.get("not_null").unwrap(),
                column.get("dflt_value").unwrap(),
            ));
        }
        primary_key.sort();
        let primary_key: Vec<String> = primary_key.into_iter().map(|(_, name)| name).collect();
        table
            .constraints
            .insert(format!("primary key ({})", primary_key.join(", ")));

        for index in db
            .query(
                "SELECT name, \"unique\" AS is_unique, origin FROM pragma_index_list($1)",
                params![name.as_str()],
            )
            .await
            .unwrap()
        {
            let index_name: String = index.get("name").unwrap();
            let columns = texts(
                db,
                "SELECT COALESCE(name, '<expression>') AS name FROM pragma_index_info($1) ORDER BY seqno",
                &index_name,
            )
            .await
            .join(", ");
            match index.get::<String>("origin").unwrap().as_str() {
                // The primary key's own index (described above).
                "pk" => {}
                "u" => {
                    table.constraints.insert(format!("unique ({columns})"));
                }
                _ => {
                    let definition: String = db
                        .query_one(
                            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
                            params![index_name.as_str()],
                        )
                        .await
                        .unwrap()
                        .get("sql")
                        .unwrap();
                    let predicate = definition
                        .find(" WHERE ")
                        .map(|at| definition[at + " WHERE ".len()..].to_string());
                    table.indexes.insert(index_line(
                        &index_name,
                        &columns,
                        index.get("is_unique").unwrap(),
                        predicate.as_deref(),
                    ));
                }
            }
        }

        let mut foreign_keys: BTreeMap<i64, Vec<carnet_store::Row>> = BTreeMap::new();
        for key in db
            .query(
                "SELECT id, \"table\" AS referenced_table, \"from\" AS from_column, \
                 \"to\" AS to_column, on_update, on_delete \
                 FROM pragma_foreign_key_list($1) ORDER BY id, seq",
                params![name.as_str()],
            )
            .await
            .unwrap()
        {
            foreign_keys
                .entry(key.get("id").unwrap())
                .or_default()
                .push(key);
        }
        for columns in foreign_keys.values() {
            let joined = |column: &str| {
                columns
                    .iter()
                    .map(|row| row.get::<String>(column).unwrap())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let first = &columns[0];
            table.constraints.insert(foreign_key_line(
                &joined("from_column"),
                &first.get::<String>("referenced_table").unwrap(),
                &joined("to_column"),
                &first.get::<String>("on_update").unwrap().to_lowercase(),
                &first.get::<String>("on_delete").unwrap().to_lowercase(),
            ));
        }
        description.insert(name, table);
    }
    description
}

/// PostgreSQL's codes of a foreign key's action (`pg_constraint.confupdtype`).
fn postgres_action(code: &str) -> &'static str {
    match code {
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        _ => "no action",
    }
}

async fn describe_postgres(db: &Db) -> Description {
    let mut description = Description::new();
    for column in db
        .query(
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS name, \
                    CAST(data_type AS TEXT) AS data_type, CAST(is_nullable AS TEXT) AS is_nullable, \
                    CAST(column_default AS TEXT) AS column_default \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() \
             ORDER BY table_name, ordinal_position",
            params![],
        )
        .await
        .unwrap()
    {
        let table = description
            .entry(column.get("table_name").unwrap())
            .or_default();
        table.columns.push(column_line(
            &column.get::<String>("name").unwrap(),
            kind("postgres", &column.get::<String>("data_type").unwrap()),
            column.get::<String>("is_nullable").unwrap() == "NO",
            column.get("column_default").unwrap(),
        ));
    }

    let key_columns = |relation: &str, keys: &str| {
        format!(
            "(SELECT string_agg(CAST(a.attname AS TEXT), ', ' ORDER BY k.ordinal) \
              FROM unnest(c.{keys}) WITH ORDINALITY AS k(attnum, ordinal) \
              JOIN pg_attribute a ON a.attrelid = c.{relation} AND a.attnum = k.attnum)"
        )
    };
    for constraint in db
        .query(
            &format!(
                "SELECT CAST(t.relname AS TEXT) AS table_name, CAST(c.contype AS TEXT) AS kind, \
                        {} AS columns, CAST(r.relname AS TEXT) AS referenced_table, \
                        {} AS referenced_columns, \
                        CAST(c.confupdtype AS TEXT) AS on_update, \
                        CAST(c.confdeltype AS TEXT) AS on_delete \
                 FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 LEFT JOIN pg_class r ON r.oid = c.confrelid \
                 WHERE n.nspname = current_schema() AND c.contype IN ('p', 'u', 'f')",
                key_columns("conrelid", "conkey"),
                key_columns("confrelid", "confkey"),
            ),
            params![],
        )
        .await
        .unwrap()
    {
        let columns: String = constraint.get("columns").unwrap();
        let line = match constraint.get::<String>("kind").unwrap().as_str() {
            "p" => format!("primary key ({columns})"),
            "u" => format!("unique ({columns})"),
            _ => foreign_key_line(
                &columns,
                &constraint.get::<String>("referenced_table").unwrap(),
                &constraint.get::<String>("referenced_columns").unwrap(),
                postgres_action(&constraint.get::<String>("on_update").unwrap()),
                postgres_action(&constraint.get::<String>("on_delete").unwrap()),
            ),
        };
        description
            .entry(constraint.get("table_name").unwrap())
            .or_default()
            .constraints
            .insert(line);
    }

    for index in db
        .query(
            "SELECT CAST(t.relname AS TEXT) AS table_name, CAST(i.relname AS TEXT) AS name, \
                    x.indisunique AS is_unique, \
                    pg_get_expr(x.indpred, x.indrelid) AS predicate, \
                    (SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true), ', ' ORDER BY k) \
                     FROM generate_series(1, CAST(x.indnkeyatts AS INTEGER)) AS k) AS columns \
             FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                               WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid \
                                 AND c.contype IN ('p', 'u'))",
            params![],
        )
        .await
        .unwrap()
    {
        let line = index_line(
            &index.get::<String>("name").unwrap(),
            &index.get::<String>("columns").unwrap().replace('"', ""),
            index.get("is_unique").unwrap(),
            index.get::<Option<String>>("predicate").unwrap().as_deref(),
        );
        description
            .entry(index.get("table_name").unwrap())
            .or_default()
            .indexes
            .insert(line);
    }
    description
}

async fn migrated(store: &NativeStore) -> Db {
    let db = store.connect().await.unwrap();
    migrations::apply_all(&db, "2026-01-01T00:00:00.000000Z")
        .await
        .unwrap();
    db
}

/// The lines of `left` missing from `right`, and the other way round, to read a difference.
fn difference(left_name: &str, left: &str, right_name: &str, right: &str) -> String {
    // Each line with its table, so that the report says where.
    let lines = |text: &str| {
        let mut table = "";
        let mut lines = BTreeSet::new();
        for line in text.lines() {
            match line.strip_prefix("table ") {
                Some(name) => {
                    table = name;
                    lines.insert(line.to_string());
                }
                None => {
                    lines.insert(format!("{table}: {}", line.trim()));
                }
            }
        }
        lines
    };
    let (left_lines, right_lines) = (lines(left), lines(right));
    let mut report = String::new();
    for line in left_lines.difference(&right_lines) {
        report.push_str(&format!("\n  only in {left_name}: {line}"));
    }
    for line in right_lines.difference(&left_lines) {
        report.push_str(&format!("\n  only in {right_name}: {line}"));
    }
    if report.is_empty() {
        report.push_str("\n  same lines, in another order");
    }
    report
}

fn assert_same(left_name: &str, left: &str, right_name: &str, right: &str) {
    assert!(
        left == right,
        "the schema of {left_name} differs from {right_name}:{}",
        difference(left_name, left, right_name, right)
    );
}

#[tokio::test]
async fn both_engines_build_the_same_schema_as_the_committed_snapshot() {
    let path = std::env::temp_dir().join(format!("carnet-schema-{}.sqlite", uuid::Uuid::new_v4()));
    let sqlite = {
        let db = migrated(&NativeStore::sqlite(&path)).await;
        render(&describe_sqlite(&db).await)
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }

    if std::env::var("CARNET_UPDATE_SCHEMA_SNAPSHOT").is_ok_and(|v| v == "1") {
        std::fs::write(SNAPSHOT, &sqlite).unwrap();
    }
    let snapshot = std::fs::read_to_string(SNAPSHOT).unwrap();
    assert_same("SQLite", &sqlite, "sql/schema.snapshot.txt", &snapshot);

    if std::env::var("CARNET_TEST_STORE").as_deref() != Ok("postgres") {
        return;
    }
    let Some((_app, url)) =
        spawn_app_on_empty_database("both_engines_build_the_same_schema_as_the_committed_snapshot")
            .await
    else {
        return;
    };
    let postgres = render(&describe_postgres(&migrated(&native_store(&url)).await).await);
    assert_same("PostgreSQL", &postgres, "SQLite", &sqlite);
}
