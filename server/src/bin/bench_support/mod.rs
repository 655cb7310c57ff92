//! What the two benchmarks share (`carnet-bench`, one request at a time, and `carnet-load`,
//! many clients at once): a fresh database with the demo département, the server's settings,
//! signing in through the API, the searched words and percentiles. Each binary compiles this
//! module on its own and uses part of it.
#![allow(dead_code)]

use anyhow::{bail, Context, Result};
use carnet_server::NativePlatform;
use carnet_store::native::NativeStore;
use carnet_store::Db;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The measured searches: names with and without accents or typos, a phone, identifiers.
pub const SEARCHES: [&str; 10] = [
    "dupond",
    "eloise martin",
    "lefevre",
    "nguyen",
    "mohamed dialo",
    "sophie",
    "0612",
    "camille bernart",
    "FT00000042",
    "1000123",
];

/// The time of the benchmark's département: the demo data's "now".
const MIGRATED_AT: &str = "2026-11-01T00:00:00.000000Z";

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// A benchmark's own database: its store, its URL (a SQLite file or a PostgreSQL URL) and its
/// kind (`sqlite`, `postgres`).
pub struct BenchDatabase {
    pub store: NativeStore,
    pub url: String,
    pub kind: &'static str,
}

/// A fresh database named `name`: a SQLite file in the temporary directory, or a database of
/// that name on the PostgreSQL server of `postgres_admin` (dropped and created again). With
/// `reuse`, an existing one is kept as it is.
pub async fn fresh_database(
    postgres_admin: Option<&str>,
    name: &str,
    reuse: bool,
) -> Result<BenchDatabase> {
    let Some(admin) = postgres_admin else {
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.sqlite"));
        if !reuse {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        let url = path.display().to_string();
        return Ok(BenchDatabase {
            store: NativeStore::sqlite(&url),
            url,
            kind: "sqlite",
        });
    };
    let admin_db = NativeStore::postgres(admin).connect().await?;
    let exists = !admin_db
        .query(
            "SELECT 1 FROM pg_database WHERE datname = $1",
            &[name.into()],
        )
        .await?
        .is_empty();
    if !(exists && reuse) {
        admin_db
            .execute(&format!("DROP DATABASE IF EXISTS {name}"), &[])
            .await?;
        admin_db
            .execute(&format!("CREATE DATABASE {name}"), &[])
            .await?;
    }
    let root = admin.rsplit_once('/').map_or(admin, |(root, _)| root);
    let url = format!("{root}/{name}");
    Ok(BenchDatabase {
        store: NativeStore::postgres(&url),
        url,
        kind: "postgres",
    })
}

/// Migrates the database and loads the demo département of `beneficiaries` notebooks, unless
/// it already holds exactly that many (a reused database); then refreshes the planner's
/// statistics.
pub async fn demo_department(db: &Db, kind: &str, beneficiaries: usize) -> Result<()> {
    carnet_store::migrations::apply_all(db, MIGRATED_AT).await?;
    let started = Instant::now();
    let existing: i64 = db
        .query_one("SELECT COUNT(*) AS n FROM beneficiaries", &[])
        .await?
        .get("n")?;
    if existing as usize == beneficiaries {
        println!("{kind}: reusing the {existing} beneficiaries already generated");
    } else {
        carnet_server::demo::load(db, beneficiaries, 93).await?;
        println!(
            "{kind}: generated {beneficiaries} beneficiaries in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    if kind == "postgres" {
        db.execute("ANALYZE", &[]).await?;
    } else {
        db.query("PRAGMA optimize", &[]).await?;
    }
    Ok(())
}

/// The native server's settings for a benchmark: production mode (no test endpoints) on the
/// given database, answering at `http://127.0.0.1:{port}`.
pub fn server_settings(kind: &str, database_url: &str, port: u16) -> HashMap<String, String> {
    [
        ("department_code", "93".to_string()),
        ("department_name", "Bench".to_string()),
        ("public_url", format!("http://127.0.0.1:{port}")),
        ("database_kind", kind.to_string()),
        ("database_url", database_url.to_string()),
        (
            "session_key",
            "bench-session-key-0123456789-abcdefghijklmnop".to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Starts the native server inside this process, in production mode, on the database; its
/// base URL.
pub async fn start_server(kind: &str, database_url: &str) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let settings = server_settings(kind, database_url, port);
    let platform = Arc::new(NativePlatform::from_settings(settings)?);
    tokio::spawn(carnet_server::serve(
        listener,
        platform,
        std::future::pending(),
    ));
    Ok(format!("http://127.0.0.1:{port}"))
}

/// Signs in through the API; the link is read from the instance's outbox table in `db`, so
/// that the server runs in production mode (no test endpoints, no test clock).
pub async fn sign_in(client: &reqwest::Client, base: &str, db: &Db, email: &str) -> Result<String> {
    client
        .post(format!("{base}/api/auth/magic-link"))
        .json(&json!({ "email": email }))
        .send()
        .await?
        .error_for_status()?;
    let emails = carnet_store::repo::test_data::outbox(db, Some(email)).await?;
    let text = &emails.last().context("no sign-in email")?.body_text;
    let token = text
        .split("#jeton=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .context("no link")?;
    let response = client
        .post(format!("{base}/api/auth/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await?;
    let status = response.status();
    let confirmed: Value = response.json().await?;
    match confirmed["token"].as_str() {
        Some(session) => Ok(session.to_string()),
        None => bail!("sign-in of {email}: {status} {confirmed}"),
    }
}
