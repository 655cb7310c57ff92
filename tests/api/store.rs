//! The store's transactions on the engine under test (native SQLite or PostgreSQL): reads sent
//! together, a transaction's `BEGIN` sent with its first statement, and reads with a last write
//! and its `COMMIT` (native PostgreSQL pipelines them; the other backends run them one by one, and
//! both must mean the same); and the schema check a native process makes once.

use carnet_store::native::NativeStore;
use carnet_store::{migrations, params, Db, StoreError};
use carnet_tests::{native_store, require_native, spawn_app, TestApp};

const READ_N: &str = "SELECT n FROM probe WHERE id = $1";
const INSERT: &str = "INSERT INTO probe (id, n) VALUES ($1, $2)";

/// A fresh database with a small table, and the store that opens it.
/// The application is returned only to be kept alive (its database with it) during the test.
pub(crate) async fn probe_store(test: &str) -> Option<(NativeStore, TestApp)> {
    if !require_native(test) {
        return None;
    }
    let app = spawn_app().await;
    let store = native_store(app.database_url.as_ref().unwrap());
    let db = store.connect().await.unwrap();
    db.execute(
        "CREATE TABLE probe (id TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        params![],
    )
    .await
    .unwrap();
    Some((store, app))
}

async fn ids(db: &Db) -> Vec<String> {
    db.query("SELECT id FROM probe ORDER BY id", params![])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("id").unwrap())
        .collect()
}

async fn insert(db: &Db, id: &str, n: i64) -> Result<u64, StoreError> {
    db.execute(INSERT, params![id, n]).await
}

#[tokio::test]
async fn reads_sent_together_are_answered_in_order() {
    let Some((store, _app)) = probe_store("reads_sent_together_are_answered_in_order").await else {
        return;
    };
    let db = store.connect().await.unwrap();
    insert(&db, "a", 1).await.unwrap();
    insert(&db, "b", 2).await.unwrap();

    db.begin().await.unwrap();
    let answers = db
        .query_many(&[
            (READ_N, params!["b"]),
            (
                "SELECT id FROM probe WHERE n > $1 ORDER BY id",
                params![0i64],
            ),
            (READ_N, params!["nobody"]),
            (READ_N, params!["a"]),
        ])
        .await
        .unwrap();
    insert(&db, "c", 3).await.unwrap();
    db.rollback().await.unwrap();

    assert_eq!(answers[0][0].get::<i64>("n").unwrap(), 2);
    let listed: Vec<String> = answers[1].iter().map(|r| r.get("id").unwrap()).collect();
    assert_eq!(listed, ["a", "b"]);
    assert!(answers[2].is_empty());
    assert_eq!(answers[3][0].get::<i64>("n").unwrap(), 1);
    // The insert after the reads was inside the transaction, rolled back.
    assert_eq!(ids(&store.connect().await.unwrap()).await, ["a", "b"]);
}

#[tokio::test]
async fn a_failing_read_fails_its_batch_and_the_transaction_rolls_back_whole() {
    let Some((store, _app)) =
        probe_store("a_failing_read_fails_its_batch_and_the_transaction_rolls_back_whole").await
    else {
        return;
    };
    let db = store.connect().await.unwrap();
    db.begin().await.unwrap();
    insert(&db, "a", 1).await.unwrap();
    let failed = db
        .query_many(&[
            (READ_N, params!["a"]),
            ("SELECT n FROM no_such_table WHERE id = $1", params!["a"]),
            (READ_N, params!["a"]),
        ])
        .await;
    assert!(failed.is_err(), "a batch with a failing read fails");
    db.rollback().await.unwrap();
    drop(db);

    // Nothing was kept, and the connection (back in the pool) works for the next transaction.
    let db = store.connect().await.unwrap();
    assert!(ids(&db).await.is_empty());
    db.begin().await.unwrap();
    insert(&db, "b", 2).await.unwrap();
    db.commit().await.unwrap();
    assert_eq!(ids(&db).await, ["b"]);
}

#[tokio::test]
async fn a_transaction_that_sent_nothing_ends_cleanly() {
    let Some((store, _app)) = probe_store("a_transaction_that_sent_nothing_ends_cleanly").await
    else {
        return;
    };
    let db = store.connect().await.unwrap();
    db.begin().await.unwrap();
    db.commit().await.unwrap();
    db.begin().await.unwrap();
    db.rollback().await.unwrap();
    // Outside any transaction again: a write is kept without a commit.
    insert(&db, "a", 1).await.unwrap();
    drop(db);
    assert_eq!(ids(&store.connect().await.unwrap()).await, ["a"]);
}

#[tokio::test]
async fn a_connection_dropped_inside_a_transaction_leaves_nothing_to_the_next_user() {
    let Some((store, _app)) =
        probe_store("a_connection_dropped_inside_a_transaction_leaves_nothing_to_the_next_user")
            .await
    else {
        return;
    };
    for _ in 0..3 {
        let db = store.connect().await.unwrap();
        db.begin().await.unwrap();
        insert(&db, "left-open", 1).await.unwrap();
        drop(db);
    }
    // Were the connection back in the pool inside its transaction, this commit would also
    // commit the abandoned write.
    let db = store.connect().await.unwrap();
    db.begin().await.unwrap();
    insert(&db, "b", 2).await.unwrap();
    db.commit().await.unwrap();
    assert_eq!(ids(&db).await, ["b"]);
}

#[tokio::test]
async fn a_native_process_remembers_a_schema_it_saw_current() {
    let Some((store, app)) =
        probe_store("a_native_process_remembers_a_schema_it_saw_current").await
    else {
        return;
    };
    let db = store.connect().await.unwrap();
    assert!(!migrations::check_schema(&db).await.unwrap().is_behind());
    // Versions only go up; a process that saw its schema current does not ask again. To show
    // it, take the versions away behind its back.
    db.execute("DELETE FROM schema_migrations", params![])
        .await
        .unwrap();
    let again = store.connect().await.unwrap();
    assert!(!migrations::check_schema(&again).await.unwrap().is_behind());
    // Another process (another store) asks, and sees the truth.
    let url = app.database_url.clone().unwrap();
    let other = native_store(&url).connect().await.unwrap();
    let seen = migrations::check_schema(&other).await.unwrap();
    assert_eq!(seen.current, 0);
    assert!(seen.is_behind());
}
