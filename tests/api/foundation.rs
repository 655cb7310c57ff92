//! Foundation: health, référentiel, settings, schema checks, test mode, transactions, routing.

use carnet_domain::text::sort_key;
use carnet_tests::{
    native_store, require_native, spawn_app, spawn_app_on_empty_database, spawn_app_with,
};
use reqwest::Method;
use serde_json::{json, Value};

const COMPONENT_HEALTH: &[(&str, &str)] = &[
    ("/api/health", "carnets"),
    ("/api/carnets/health", "carnets"),
    ("/api/auth/health", "auth"),
    ("/api/write/health", "actions"),
    ("/api/notifications/health", "notifications"),
];

#[tokio::test]
async fn every_component_reports_its_health_with_the_schema_version() {
    let app = spawn_app().await;
    for (path, component) in COMPONENT_HEALTH {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["status"], "ok", "{path}");
        assert_eq!(body["component"], *component, "{path}");
        assert_eq!(body["schema_version"], body["expected_schema_version"]);
        assert!(body["schema_version"].as_i64().unwrap() >= 2);
        assert!(!body["version"].as_str().unwrap().is_empty());
        // What the front-end shows before anyone signs in.
        assert!(!body["department_name"].as_str().unwrap().is_empty());
        assert!(body["timezone"].as_str().unwrap().contains('/'));
        if app.store != "remote" {
            assert_eq!(body["store"], app.store);
        }
    }
}

#[tokio::test]
async fn the_referentiel_lists_themes_with_their_items_and_coded_values() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/referentiel").await;
    assert_eq!(status, 200);
    let themes = body["themes"].as_array().unwrap();
    assert_eq!(themes.len(), 16);
    let focus: Vec<&str> = themes
        .iter()
        .filter(|t| t["is_focus"] == true)
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(focus.len(), 10);
    assert!(focus.contains(&"logement") && focus.contains(&"numerique"));
    let count = |key: &str| -> usize {
        themes
            .iter()
            .map(|t| t[key].as_array().unwrap().len())
            .sum()
    };
    assert_eq!(
        (count("situations"), count("objectifs"), count("actions")),
        (88, 58, 134)
    );
    let emploi = themes.iter().find(|t| t["code"] == "emploi").unwrap();
    assert_eq!(emploi["situations"].as_array().unwrap().len(), 15);
    assert!(emploi["situations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["label"] == "Prêt  à suivre une formation"));
    let metier = themes
        .iter()
        .find(|t| t["code"] == "choisir_un_metier")
        .unwrap();
    assert_eq!(metier["focus_code"], "emploi");
    // Our permanent codes.
    assert!(themes[0]["situations"][0]["code"]
        .as_str()
        .unwrap()
        .starts_with("SIT-"));
    let statuses: Vec<(&str, &str)> = body["coded_values"]["action_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["code"].as_str().unwrap(), v["label"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses.len(), 6);
    assert!(statuses.contains(&("done", "Réalisée")));
    assert_eq!(
        body["coded_values"]["rsa_suspension_reason"]
            .as_array()
            .unwrap()
            .len(),
        24
    );
    assert_eq!(
        body["coded_values"]["work_situation"]
            .as_array()
            .unwrap()
            .len(),
        29
    );
}

#[tokio::test]
async fn rome_job_titles_are_searched_without_accents_or_case() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/referentiel/rome?q=BOULANGERE").await;
    assert_eq!(status, 200);
    let labels: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Boulanger / Boulangère"), "{labels:?}");
    let (_, body) = app
        .get_json("/api/referentiel/rome?q=electricien%20batiment")
        .await;
    assert!(body["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| sort_key(r["label"].as_str().unwrap()).contains("electricien")));
    assert!(!body["results"].as_array().unwrap().is_empty());
    let (status, body) = app.get_json("/api/referentiel/rome?q=a").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "q");
}

#[tokio::test]
async fn a_schema_behind_the_build_gets_503_until_migrated() {
    let Some((app, url)) =
        spawn_app_on_empty_database("a_schema_behind_the_build_gets_503_until_migrated").await
    else {
        return;
    };
    let response = app.get("/api/referentiel").await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "schema_behind");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("migrations"));
    let (status, health) = app.get_json("/api/health").await;
    assert_eq!(status, 503);
    assert_eq!(health["status"], "schema_behind");
    assert_eq!(health["schema_version"], 0);

    let db = native_store(&url).connect().await.unwrap();
    carnet_store::migrations::apply_all(&db, "2026-01-01T00:00:00.000000Z")
        .await
        .unwrap();
    let (status, _) = app.get_json("/api/referentiel").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_missing_or_invalid_setting_is_a_500_naming_it() {
    if !require_native("a_missing_or_invalid_setting_is_a_500_naming_it") {
        return;
    }
    for (setting, value) in [
        ("department_name", ""),
        ("department_code", "999999"),
        ("timezone", "Europe/Atlantis"),
        ("database_kind", "oracle"),
        ("public_url", "carnet.example"),
        ("department_logo_url", "https://ailleurs.example/logo.png"),
    ] {
        let app = spawn_app_with(&[(setting, value)]).await;
        let (status, body) = app.get_json("/api/health").await;
        assert_eq!(status, 500, "{setting}");
        assert_eq!(body["error"]["code"], "configuration");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(setting), "{setting}: {message}");
    }
}

#[tokio::test]
async fn test_mode_is_refused_unless_the_public_url_is_loopback() {
    if !require_native("test_mode_is_refused_unless_the_public_url_is_loopback") {
        return;
    }
    let app = spawn_app_with(&[("public_url", "https://carnet.departement.example")]).await;
    let (status, body) = app.get_json("/api/test/outbox").await;
    assert_eq!(status, 500);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("test_mode"));

    let app = spawn_app_with(&[
        ("public_url", "https://carnet.departement.example"),
        ("test_mode", "false"),
    ])
    .await;
    let (status, _) = app.get_json("/api/test/outbox").await;
    assert_eq!(status, 404, "test endpoints do not exist outside test mode");
    let (status, _) = app.get_json("/api/health").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_test_clock_is_what_every_component_reads() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_test_clock_is_what_every_component_reads") {
        return;
    }
    app.set_clock("2027-03-04T05:06:07+01:00").await;
    for (path, _) in COMPONENT_HEALTH {
        let (_, body) = app.get_json(path).await;
        assert_eq!(body["now"], "2027-03-04T04:06:07.000000Z", "{path}");
    }
    let response = app
        .send_json(Method::PUT, "/api/test/clock", &json!({ "now": "demain" }))
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .client
        .delete(app.url("/api/test/clock"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (_, body) = app.get_json("/api/health").await;
    assert!(body["now"].as_str().unwrap() > "2026-01-01");
    assert_ne!(body["now"], "2027-03-04T04:06:07.000000Z");
}

#[tokio::test]
async fn the_test_data_reset_empties_everything_but_the_referentiel() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_test_data_reset_empties_everything_but_the_referentiel") {
        return;
    }
    app.create_account("reset-check@example.test", "manager", None)
        .await;
    let user = app.sign_in("reset-check@example.test").await;
    let (status, _) = user.get_json(&app, "/api/auth/me").await;
    assert_eq!(status, 200);
    assert!(
        !app.outbox().await.is_empty(),
        "the sign-in email is queued"
    );
    app.set_clock("2027-03-04T05:06:07+01:00").await;

    let response = app
        .client
        .delete(app.url("/api/test/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let (status, _) = user.get_json(&app, "/api/auth/me").await;
    assert_eq!(status, 401, "sessions and accounts are gone");
    assert!(app.outbox().await.is_empty(), "the outbox is empty");
    let (_, health) = app.get_json("/api/health").await;
    assert_ne!(
        health["now"], "2027-03-04T04:06:07.000000Z",
        "the clock is reset"
    );
    let (status, referentiel) = app.get_json("/api/referentiel").await;
    assert_eq!(status, 200, "the référentiel and the schema stay");
    assert_eq!(referentiel["themes"].as_array().map(Vec::len), Some(16));
}

#[tokio::test]
async fn a_handler_that_fails_after_its_first_write_leaves_nothing() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_handler_that_fails_after_its_first_write_leaves_nothing") {
        return;
    }
    app.set_clock("2027-01-01T00:00:00Z").await;
    // The clock handler deletes the old row, then inserts the new one: fail the second write.
    let response = app
        .client
        .put(app.url("/api/test/clock"))
        .header(carnet_http::context::FAULT_HEADER, "1")
        .json(&json!({ "now": "2030-01-01T00:00:00Z" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal");
    assert!(
        !body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("injectée"),
        "internal details are not shown"
    );
    let (_, health) = app.get_json("/api/health").await;
    assert_eq!(
        health["now"], "2027-01-01T00:00:00.000000Z",
        "the first write was rolled back"
    );
}

#[tokio::test]
async fn concurrent_writers_each_succeed_or_get_a_clean_refusal() {
    let app = spawn_app().await;
    if !app.require_test_mode("concurrent_writers_each_succeed_or_get_a_clean_refusal") {
        return;
    }
    let writes = (0..16).map(|i| {
        let client = app.client.clone();
        let url = app.url("/api/test/clock");
        async move {
            let now = format!("2027-05-{:02}T10:00:00Z", i + 1);
            let response = client
                .put(url)
                .json(&json!({ "now": now }))
                .send()
                .await
                .unwrap();
            (
                now,
                response.status().as_u16(),
                response.headers().get("retry-after").is_some(),
            )
        }
    });
    let results = futures_join_all(writes).await;
    let mut succeeded = Vec::new();
    for (now, status, retry_after) in &results {
        match status {
            200 => succeeded.push(now.clone()),
            409 => {}
            503 => assert!(retry_after, "503 carries Retry-After"),
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(!succeeded.is_empty());
    let (_, health) = app.get_json("/api/health").await;
    let final_now = health["now"].as_str().unwrap().replace(".000000Z", "Z");
    assert!(
        succeeded.contains(&final_now),
        "the clock holds one whole write: {final_now}"
    );
}

async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.collect();
    let mut out = Vec::new();
    let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
    // Drive all of them at once.
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (index, future) in pinned.iter_mut().enumerate() {
            if results[index].is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => results[index] = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    for result in results {
        out.push(result.expect("done"));
    }
    out
}

#[tokio::test]
async fn unknown_paths_get_json_404s_and_the_front_end_is_served() {
    let app = spawn_app().await;
    for path in [
        "/api/auth/nope",
        "/api/carnets/nope/nope",
        "/api/write/nope",
        "/api/notifications/nope",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "unknown_route");
    }
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("<html lang=\"fr\">"));
    // Page paths without a file of their own get the application shell (history routing).
    let page = app
        .get("/carnets/0b5c2d2e-0000-4000-8000-000000000000")
        .await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/js/app.js"));
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/.git/config",
        "/absent.js",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn malformed_bodies_get_clear_errors() {
    let app = spawn_app().await;
    if !app.require_test_mode("malformed_bodies_get_clear_errors") {
        return;
    }
    let response = app
        .client
        .put(app.url("/api/test/clock"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");
    let response = app
        .send_json(Method::PUT, "/api/test/clock", &json!({ "now": 12 }))
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .client
        .put(app.url("/api/test/clock"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}
