//! Many people at once (native server, each store): notebook reads from concurrent clients while
//! writes happen are all answered, none with a 503, and each leaves its access-log row; and,
//! at the store's level, what makes it so: reads that take no write lock, writers that take
//! their turn, and access-log rows whose commits are shared (group commit), each one durable
//! before its request is answered. No timing is asserted here (see the README's performance
//! paragraph for the figures).

use crate::fixtures::{department, logement_plan};
use crate::store::probe_store;
use carnet_store::native::NativeStore;
use carnet_store::{params, Db, SharedInsert, StoreError};
use carnet_tests::{native_store, require_native, spawn_app};
use serde_json::json;

/// Access-log rows of a notebook.
async fn access_rows(store: &NativeStore, notebook: &str) -> i64 {
    store
        .connect()
        .await
        .unwrap()
        .query_one(
            "SELECT COUNT(*) AS n FROM notebook_access_log WHERE notebook_id = $1",
            params![notebook],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap()
}

#[tokio::test]
async fn notebooks_opened_by_many_clients_during_writes_are_all_answered_and_all_logged() {
    const TEST: &str =
        "notebooks_opened_by_many_clients_during_writes_are_all_answered_and_all_logged";
    const CLIENTS: usize = 16;
    const READS_PER_CLIENT: usize = 12;
    const WRITES: usize = 24;
    if !require_native(TEST) {
        return;
    }
    let app = spawn_app().await;
    let d = department(&app).await;
    let store = native_store(app.database_url.as_ref().unwrap());
    let actions = logement_plan(&d.pro_a, &app, &d.eloise).await.actions;
    let eloise_before = access_rows(&store, &d.eloise).await;
    let martin_before = access_rows(&store, &d.martin).await;

    // Readers: the referent opens Éloïse's notebook and its history; the manager opens Jean
    // Martin's. Meanwhile the referent adds actions to Éloïse's plan, one after the other.
    let app = std::sync::Arc::new(app);
    let mut readers = Vec::new();
    for client in 0..CLIENTS {
        let (reader, path) = match client % 3 {
            0 => (d.pro_a.client.clone(), format!("/api/carnets/{}", d.eloise)),
            1 => (
                d.pro_a.client.clone(),
                format!("/api/carnets/{}/timeline", d.eloise),
            ),
            _ => (
                d.manager.client.clone(),
                format!("/api/carnets/{}", d.martin),
            ),
        };
        let url = app.url(&path);
        readers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..READS_PER_CLIENT {
                let response = reader.get(&url).send().await.unwrap();
                statuses.push(response.status().as_u16());
            }
            (path, statuses)
        }));
    }
    let writer = {
        let (client, url, origin) = (
            d.pro_a.client.clone(),
            app.url(&actions),
            app.base_url.clone(),
        );
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..WRITES {
                let response = client
                    .post(&url)
                    .header("origin", &origin)
                    .json(&json!({ "label": format!("Démarche {n}"), "start_date": "2027-01-10" }))
                    .send()
                    .await
                    .unwrap();
                statuses.push(response.status().as_u16());
            }
            statuses
        })
    };

    let mut eloise_reads = 0;
    let mut martin_reads = 0;
    for reader in readers {
        let (path, statuses) = reader.await.unwrap();
        assert!(
            statuses.iter().all(|status| *status == 200),
            "every read of {path} answered 200: {statuses:?}"
        );
        if path.contains(&d.martin) {
            martin_reads += statuses.len() as i64;
        } else {
            eloise_reads += statuses.len() as i64;
        }
    }
    let writes = writer.await.unwrap();
    assert!(
        writes.iter().all(|status| *status == 201),
        "every write answered 201: {writes:?}"
    );
    // Every read left its row (committed before it was answered), and no other.
    assert_eq!(
        access_rows(&store, &d.eloise).await - eloise_before,
        eloise_reads
    );
    assert_eq!(
        access_rows(&store, &d.martin).await - martin_before,
        martin_reads
    );
    let (status, notebook) = d
        .pro_a
        .get_json(&app, &format!("/api/carnets/{}", d.eloise))
        .await;
    assert_eq!(status, 200);
    let listed = notebook["plan"].to_string().matches("Démarche ").count();
    assert_eq!(listed, WRITES, "every action written: {notebook}");
}

static PROBE: SharedInsert = SharedInsert {
    table: "probe",
    columns: &["id", "n"],
};

async fn probe_count(db: &Db) -> i64 {
    db.query_one("SELECT COUNT(*) AS n FROM probe", params![])
        .await
        .unwrap()
        .get("n")
        .unwrap()
}

#[tokio::test]
async fn rows_inserted_together_are_each_committed_before_their_answer_and_a_faulty_one_fails_alone(
) {
    let Some((store, _app)) = probe_store(
        "rows_inserted_together_are_each_committed_before_their_answer_and_a_faulty_one_fails_alone",
    )
    .await
    else {
        return;
    };
    const ROWS: usize = 48;
    store
        .connect()
        .await
        .unwrap()
        .execute("INSERT INTO probe (id, n) VALUES ('taken', 0)", params![])
        .await
        .unwrap();
    let mut inserts = Vec::new();
    for n in 0..ROWS {
        let store = store.clone();
        inserts.push(tokio::spawn(async move {
            // One row in ten reuses a taken id: refused, and only it.
            let id = if n % 10 == 5 {
                "taken".to_string()
            } else {
                format!("row-{n}")
            };
            let db = store.connect().await.unwrap();
            let result = db
                .insert_durably(&PROBE, vec![id.clone().into(), (n as i64).into()])
                .await;
            // Once answered, the row is committed: another connection sees it.
            let seen = !store
                .connect()
                .await
                .unwrap()
                .query(
                    "SELECT n FROM probe WHERE id = $1 AND n = $2",
                    params![id, n as i64],
                )
                .await
                .unwrap()
                .is_empty();
            (n, result, seen)
        }));
    }
    let mut refused = 0;
    for insert in inserts {
        let (n, result, seen) = insert.await.unwrap();
        if n % 10 == 5 {
            assert!(
                matches!(result, Err(StoreError::UniqueViolation(_))),
                "row {n}: {result:?}"
            );
            assert!(!seen);
            refused += 1;
        } else {
            assert!(result.is_ok(), "row {n}: {result:?}");
            assert!(seen, "row {n} committed before its answer");
        }
    }
    let db = store.connect().await.unwrap();
    assert_eq!(probe_count(&db).await, (ROWS - refused + 1) as i64);
}

#[tokio::test]
async fn concurrent_transactions_all_commit_and_reads_do_not_wait_for_an_open_one() {
    let Some((store, _app)) =
        probe_store("concurrent_transactions_all_commit_and_reads_do_not_wait_for_an_open_one")
            .await
    else {
        return;
    };
    const WRITERS: usize = 24;
    let db = store.connect().await.unwrap();
    db.execute("INSERT INTO probe (id, n) VALUES ('counter', 0)", params![])
        .await
        .unwrap();

    // A writer holds its transaction open: reads on other connections are answered meanwhile,
    // from the last committed state.
    let holder = store.connect().await.unwrap();
    holder.begin().await.unwrap();
    holder
        .execute("UPDATE probe SET n = 1000 WHERE id = 'counter'", params![])
        .await
        .unwrap();
    for _ in 0..4 {
        let reader = store.connect().await.unwrap();
        let [counter, all] = reader
            .query_many_consistent(&[
                ("SELECT n FROM probe WHERE id = $1", params!["counter"]),
                ("SELECT COUNT(*) AS n FROM probe", params![]),
            ])
            .await
            .unwrap();
        assert_eq!(counter[0].get::<i64>("n").unwrap(), 0);
        assert_eq!(all[0].get::<i64>("n").unwrap(), 1);
    }
    holder.rollback().await.unwrap();
    drop(holder);

    // Writers at once: each transaction takes its turn, none is refused as busy, none is lost.
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let db = store.connect().await.unwrap();
            db.transaction(async || {
                db.execute("UPDATE probe SET n = n + 1 WHERE id = 'counter'", params![])
                    .await?;
                db.execute(
                    "INSERT INTO probe (id, n) VALUES ($1, $2)",
                    params![format!("w-{n}"), n as i64],
                )
                .await?;
                Ok::<_, StoreError>(())
            })
            .await
        }));
    }
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    let counter: i64 = db
        .query_one("SELECT n FROM probe WHERE id = 'counter'", params![])
        .await
        .unwrap()
        .get("n")
        .unwrap();
    assert_eq!(counter, WRITERS as i64);
    assert_eq!(probe_count(&db).await, WRITERS as i64 + 1);
}
