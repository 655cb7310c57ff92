//! Notifications and scheduled jobs: delivery (no duplicate, retries, give-up, two providers),
//! reminders, digests, retention, and the opt-out link.

use crate::fixtures::{account, create_beneficiary, database_rows, department, unique};
use carnet_tests::{
    client, native_store, require_native, spawn_app, spawn_app_with, TestApp, JOBS_SECRET,
};
use serde_json::{json, Value};

async fn job(app: &TestApp, name: &str) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/api/notifications/jobs/{name}")))
        .bearer_auth(JOBS_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{name}");
    response.json().await.unwrap()
}

/// Queues `count` emails directly in the outbox (native only).
async fn queue(app: &TestApp, count: usize) -> Vec<String> {
    let db = native_store(app.database_url.as_ref().unwrap())
        .connect()
        .await
        .unwrap();
    let health = app.get_json("/api/health").await.1;
    let now = carnet_domain::Instant::parse(health["now"].as_str().unwrap()).unwrap();
    let mut ids = Vec::new();
    for i in 0..count {
        let content = carnet_domain::emails::overdue_digest(i as i64 + 1, "http://127.0.0.1");
        ids.push(
            carnet_store::repo::outbox::enqueue_content(
                &db,
                now,
                &format!("destinataire-{i}@exemple.fr"),
                &content,
            )
            .await
            .unwrap()
            .to_string(),
        );
    }
    ids
}

#[tokio::test]
async fn jobs_need_their_secret() {
    let app = spawn_app().await;
    for name in [
        "deliver",
        "reminders",
        "weekly-digest",
        "unassigned-digest",
        "retention",
    ] {
        let url = app.url(&format!("/api/notifications/jobs/{name}"));
        assert_eq!(
            app.client.post(&url).send().await.unwrap().status(),
            401,
            "{name}"
        );
        assert_eq!(
            app.client
                .post(&url)
                .bearer_auth("wrong")
                .send()
                .await
                .unwrap()
                .status(),
            401,
            "{name}"
        );
    }
}

#[tokio::test]
async fn two_overlapping_deliveries_never_send_an_email_twice() {
    if !require_native("two_overlapping_deliveries_never_send_an_email_twice") {
        return;
    }
    let app = spawn_app().await;
    let ids = queue(&app, 40).await;
    let (a, b) = tokio::join!(job(&app, "deliver"), job(&app, "deliver"));
    assert_eq!(
        a["sent"].as_i64().unwrap() + b["sent"].as_i64().unwrap(),
        40
    );
    let received: Vec<String> = app
        .receiver
        .as_ref()
        .unwrap()
        .emails
        .lock()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let mut unique_ids = received.clone();
    unique_ids.sort();
    unique_ids.dedup();
    assert_eq!(received.len(), 40, "each email once");
    assert_eq!(unique_ids.len(), 40);
    assert!(ids.iter().all(|id| received.contains(id)));
    assert_eq!(job(&app, "deliver").await["sent"], 0);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_then_given_up_and_shown_to_managers() {
    if !require_native("a_failed_delivery_is_retried_then_given_up_and_shown_to_managers") {
        return;
    }
    let app = spawn_app().await;
    let receiver = app.receiver.clone().unwrap();
    app.set_clock("2027-01-04T08:00:00Z").await;
    queue(&app, 1).await;
    receiver
        .fail_next
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let first = job(&app, "deliver").await;
    assert_eq!(
        (first["sent"].as_i64(), first["retried"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        job(&app, "deliver").await["sent"],
        0,
        "not before its backoff"
    );
    app.set_clock("2027-01-04T08:01:01Z").await;
    assert_eq!(job(&app, "deliver").await["sent"], 1, "retry then success");
    // Give-up after every attempt.
    queue(&app, 1).await;
    receiver
        .fail_next
        .store(1_000, std::sync::atomic::Ordering::SeqCst);
    let mut failed = 0;
    for hour in 0..12 {
        app.set_clock(&format!("2027-01-05T{:02}:00:00Z", hour * 2))
            .await;
        failed += job(&app, "deliver").await["failed"].as_i64().unwrap();
    }
    assert_eq!(failed, 1, "marked failed after {} attempts", 8);
    receiver
        .fail_next
        .store(0, std::sync::atomic::Ordering::SeqCst);
    let (manager, _) = account(&app, "manager", None).await;
    let (status, list) = manager.get_json(&app, "/api/notifications/failed").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["attempts"], 8);
    assert_eq!(list["items"][0]["last_error"], "HTTP 500");
    let (pro, _) = account(&app, "professional", Some("CCAS")).await;
    assert_eq!(pro.get_json(&app, "/api/notifications/failed").await.0, 403);
}

#[tokio::test]
async fn brevo_is_a_provider_chosen_by_setting() {
    if !require_native("brevo_is_a_provider_chosen_by_setting") {
        return;
    }
    // The fake Brevo endpoint is served by another test app's receiver.
    let probe = spawn_app().await;
    let brevo = probe.receiver.clone().unwrap();
    let url = brevo.url.replace("/emails", "/smtp/email");
    let app = spawn_app_with(&[
        ("email_provider", "brevo"),
        ("brevo_api_url", &url),
        ("brevo_api_key", "brevo-test-key"),
        ("email_sender", "carnet@departement.example"),
    ])
    .await;
    let ids = queue(&app, 2).await;
    let report = job(&app, "deliver").await;
    assert_eq!(report["sent"], 2, "{report}");
    let received = brevo.emails.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert!(received
        .iter()
        .all(|e| e["provider"] == "brevo" && ids.contains(&e["id"].as_str().unwrap().to_string())));
    assert!(received[0]["text"].as_str().unwrap().contains("échéance"));
    let outbox = app.outbox().await;
    assert!(ids.iter().all(|id| outbox
        .iter()
        .any(|e| e["id"] == id.as_str() && e["status"] == "sent")));
    let wrong_key = spawn_app_with(&[
        ("email_provider", "brevo"),
        ("brevo_api_url", &url),
        ("brevo_api_key", "nope"),
    ])
    .await;
    queue(&wrong_key, 1).await;
    assert_eq!(
        job(&wrong_key, "deliver").await["retried"],
        1,
        "the provider's refusal is a failed attempt"
    );
    let missing = spawn_app_with(&[("email_provider", "brevo")]).await;
    let response = missing
        .client
        .post(missing.url("/api/notifications/jobs/deliver"))
        .bearer_auth(JOBS_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(response.text().await.unwrap().contains("brevo_api_key"));
}

#[tokio::test]
async fn reminders_go_the_day_before_once_each_and_can_be_stopped_without_signing_in() {
    let app = spawn_app().await;
    if !app.require_test_mode(
        "reminders_go_the_day_before_once_each_and_can_be_stopped_without_signing_in",
    ) {
        return;
    }
    app.set_clock("2027-12-02T08:00:00Z").await;
    let d = department(&app).await;
    let rdv = format!("/api/write/carnets/{}/rendez-vous", d.eloise);
    let response = d
        .pro_a
        .post_json(
            &app,
            &rdv,
            &json!({ "starts_at": "2027-12-03T10:00:00+01:00" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let later = d
        .pro_a
        .post_json(
            &app,
            &rdv,
            &json!({ "starts_at": "2027-12-05T10:00:00+01:00" }),
        )
        .await;
    assert_eq!(later.status(), 201);
    let first = job(&app, "reminders").await;
    assert_eq!(
        first["queued"], 2,
        "the professional and the beneficiary: {first}"
    );
    let again = job(&app, "reminders").await;
    assert_eq!(
        (again["queued"].as_i64(), again["already_sent"].as_i64()),
        (Some(0), Some(2))
    );
    let to_pro = app.emails_to(&d.pro_a.email).await;
    let reminders: Vec<&Value> = to_pro
        .iter()
        .filter(|e| e["subject"].as_str().unwrap().contains("Rappel"))
        .collect();
    assert_eq!(reminders.len(), 1);
    let text = reminders[0]["text"].as_str().unwrap();
    assert!(
        text.contains(
            "Vous avez un rendez-vous le 3 décembre à 10 h, connectez-vous pour le voir."
        ),
        "{text}"
    );
    assert!(
        !text.contains("Éloïse") && !text.contains("Dupont") && !text.contains("désabonnement"),
        "nothing personal, no opt-out for staff"
    );
    let to_beneficiary = app.emails_to(&d.beneficiary.email).await;
    let reminder = to_beneficiary
        .iter()
        .find(|e| e["subject"].as_str().unwrap().contains("Rappel"))
        .expect("beneficiary reminder");
    let text = reminder["text"].as_str().unwrap();
    let token = text
        .split("#jeton=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    // The opt-out link works signed out, and only with a real token.
    let anonymous = client();
    let bad = anonymous
        .post(app.url("/api/notifications/opt-out"))
        .json(&json!({ "token": "faux" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let stolen_session = anonymous
        .post(app.url("/api/notifications/opt-out"))
        .json(&json!({ "token": d.beneficiary.token }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stolen_session.status(),
        400,
        "a session token is not an opt-out token"
    );
    let done = anonymous
        .post(app.url("/api/notifications/opt-out"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    let page = anonymous
        .get(app.url("/notifications/desabonnement"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the page the link opens");
    // Two days later: the professional is reminded, the beneficiary no more.
    app.set_clock("2027-12-04T08:00:00Z").await;
    let report = job(&app, "reminders").await;
    assert_eq!(report["queued"], 1, "{report}");
}

#[tokio::test]
async fn the_22h_digest_follows_the_instance_time_zone() {
    // Needs an instance of its own in another time zone.
    if !require_native("the_22h_digest_follows_the_instance_time_zone") {
        return;
    }
    let app = spawn_app_with(&[("timezone", "America/Cayenne")]).await;
    if !app.require_test_mode("the_22h_digest_follows_the_instance_time_zone") {
        return;
    }
    // Thursday 3 December 2026, 21:30 in Cayenne (UTC−3) is 00:30 UTC on Friday.
    app.set_clock("2026-12-04T00:30:00Z").await;
    let (admin, _) = account(&app, "structure_admin", Some("CCAS de Cayenne")).await;
    let (manager, _) = account(&app, "manager", None).await;
    let response = create_beneficiary(
        &manager,
        &app,
        json!({ "first_name": "Lina", "last_name": "Joseph" }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let early = job(&app, "unassigned-digest").await;
    assert!(early["skipped"].is_string(), "21:30 local: {early}");
    app.set_clock("2026-12-04T01:10:00Z").await;
    let report = job(&app, "unassigned-digest").await;
    assert_eq!(
        (
            report["queued"].as_i64(),
            report["without_referent"].as_i64()
        ),
        (Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(job(&app, "unassigned-digest").await["already_sent"], 1);
    let digest = app.emails_to(&admin.email).await;
    assert!(digest
        .iter()
        .any(|e| e["subject"] == "Nouveaux bénéficiaires sans référent"
            && !e["text"].as_str().unwrap().contains("Joseph")));
    // Friday 22:10 in Cayenne: no digest on Friday and Saturday.
    app.set_clock("2026-12-05T01:10:00Z").await;
    assert!(job(&app, "unassigned-digest").await["skipped"].is_string());
    // At 22:10 in Paris it would already be 18:10 in Cayenne: nothing.
    app.set_clock("2026-12-06T21:10:00Z").await;
    assert!(job(&app, "unassigned-digest").await["skipped"].is_string());
}

#[tokio::test]
async fn referents_get_one_weekly_digest_of_overdue_actions() {
    let app = spawn_app().await;
    if !app.require_test_mode("referents_get_one_weekly_digest_of_overdue_actions") {
        return;
    }
    app.set_clock("2027-03-01T08:00:00Z").await;
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}", d.eloise);
    let focus: Value = d
        .pro_a
        .post_json(
            &app,
            &format!("{base}/focuses"),
            &json!({ "theme": "emploi" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let objectif: Value = d
        .pro_a
        .post_json(
            &app,
            &format!("{base}/focuses/{}/objectifs", focus["id"].as_str().unwrap()),
            &json!({ "label": "Trouver un stage" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let actions = format!(
        "{base}/objectifs/{}/actions",
        objectif["id"].as_str().unwrap()
    );
    for due in ["2027-02-01", "2027-02-15", "2027-04-01"] {
        assert_eq!(
            d.pro_a
                .post_json(
                    &app,
                    &actions,
                    &json!({ "label": "Candidature", "start_date": "2027-01-15", "due_date": due })
                )
                .await
                .status(),
            201
        );
    }
    let report = job(&app, "weekly-digest").await;
    assert_eq!(report["queued"], 1, "{report}");
    assert_eq!(
        job(&app, "weekly-digest").await["already_sent"],
        1,
        "once a week"
    );
    let digest = app.emails_to(&d.pro_a.email).await;
    assert!(digest.iter().any(|e| e["text"]
        .as_str()
        .unwrap()
        .contains("2 actions ont dépassé leur échéance")));
    app.set_clock("2027-03-08T08:00:00Z").await;
    assert_eq!(
        job(&app, "weekly-digest").await["queued"],
        1,
        "the next week"
    );
}

#[tokio::test]
async fn retention_archives_then_destroys_exactly_what_it_must() {
    if !require_native("retention_archives_then_destroys_exactly_what_it_must") {
        return;
    }
    let app = spawn_app().await;
    app.set_clock("2027-01-04T09:00:00Z").await;
    let (manager, _) = account(&app, "manager", None).await;
    let (pro, _) = account(&app, "professional", Some("Espace insertion")).await;
    let gone_email = unique("oublie");
    let nir = crate::fixtures::nir("1900275123456");
    let gone: Value = create_beneficiary(&manager, &app, json!({
        "first_name": "Zéphyrin", "last_name": "Quarantaine", "birth_date": "1990-02-02", "nir": nir,
        "email": gone_email, "phone": "06 98 76 54 32", "create_account": true, "caf_number": "7654321"
    })).await.json().await.unwrap();
    let kept: Value = create_beneficiary(
        &manager,
        &app,
        json!({ "first_name": "Philomène", "last_name": "Durable" }),
    )
    .await
    .json()
    .await
    .unwrap();
    let gone_id = gone["notebook_id"].as_str().unwrap().to_string();
    let kept_id = kept["notebook_id"].as_str().unwrap().to_string();
    for id in [&gone_id, &kept_id] {
        assert_eq!(
            pro.post_json(
                &app,
                &format!("/api/write/carnets/{id}/members/self"),
                &json!({ "member_type": "member" })
            )
            .await
            .status(),
            201
        );
    }
    pro.post_json(
        &app,
        &format!("/api/write/carnets/{gone_id}/focuses"),
        &json!({ "theme": "logement" }),
    )
    .await;
    let beneficiary = app.sign_in_without_cgu(&gone_email).await;
    beneficiary
        .get_json(&app, &format!("/api/carnets/{gone_id}"))
        .await;
    app.deliver().await;
    // 23 months later: a contact on the kept notebook; nothing archived yet.
    app.set_clock("2028-12-04T09:00:00Z").await;
    let pro = app.sign_in(&pro.email).await;
    assert_eq!(
        pro.post_json(
            &app,
            &format!("/api/write/carnets/{kept_id}/contacts"),
            &json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(job(&app, "retention").await["archived"], 0);
    // Two years and a day after the last contact: archived, hidden, read-only.
    app.set_clock("2029-01-05T09:00:00Z").await;
    let report = job(&app, "retention").await;
    assert_eq!(report["archived"], 1, "{report}");
    assert_eq!(job(&app, "retention").await["archived"], 0, "idempotent");
    let manager = app.sign_in(&manager.email).await;
    let (status, archived) = manager
        .get_json(&app, &format!("/api/carnets/{gone_id}"))
        .await;
    assert_eq!(status, 200);
    assert!(archived["archived_at"].is_string());
    let (_, list) = manager.get_json(&app, "/api/carnets/departement").await;
    assert_eq!(list["total"], 1, "archived notebooks are in no list");
    let (_, found) = manager
        .get_json(&app, "/api/carnets/search?q=quarantaine")
        .await;
    assert_eq!(found["total"], 0, "nor in a search: {found}");
    let pro = app.sign_in(&pro.email).await;
    assert_eq!(
        pro.get_json(&app, &format!("/api/carnets/{gone_id}"))
            .await
            .0,
        403
    );
    let (_, portfolio) = pro.get_json(&app, "/api/carnets/portfolio").await;
    let ids: Vec<&str> = portfolio["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["notebook_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [kept_id.as_str()], "nor in its members' portfolios");
    assert_eq!(portfolio["total"], 1);
    // Two more years: destroyed, with the person's data wherever it was copied.
    app.set_clock("2031-01-06T09:00:00Z").await;
    let report = job(&app, "retention").await;
    assert_eq!(report["destroyed"], 1, "{report}");
    assert!(
        report["purged_audit_log"].as_u64().unwrap() > 0
            && report["purged_access_log"].as_u64().unwrap() > 0
    );
    assert_eq!(
        report["archived"], 1,
        "the kept notebook's own two years have passed too"
    );
    let manager = app.sign_in(&manager.email).await;
    assert_eq!(
        manager
            .get_json(&app, &format!("/api/carnets/{gone_id}"))
            .await
            .0,
        404
    );
    let needles = [
        gone_id.as_str(),
        gone["beneficiary_id"].as_str().unwrap(),
        gone["account_id"].as_str().unwrap(),
        "Zéphyrin",
        "Quarantaine",
        &nir,
        &gone_email,
        &gone_email.to_lowercase(),
        "06 98 76 54 32",
        "0698765432",
        "7654321",
    ];
    for (table, row) in database_rows(app.database_url.as_ref().unwrap()).await {
        for needle in needles {
            assert!(!row.contains(needle), "{needle} still in {table}: {row}");
        }
    }
    // The other notebook was archived, not destroyed; a manager restores it with a reason.
    let restored = manager
        .post_json(
            &app,
            &format!("/api/write/carnets/{kept_id}/restore"),
            &json!({ "reason": "Reprise d'accompagnement" }),
        )
        .await;
    assert_eq!(restored.status(), 200);
    assert_eq!(
        manager.get_json(&app, "/api/carnets/departement").await.1["total"],
        1
    );
    let (_, found) = manager
        .get_json(&app, "/api/carnets/search?q=philomene%20durable")
        .await;
    assert_eq!(
        found["total"], 1,
        "a restored notebook is found again: {found}"
    );
    assert_eq!(
        manager
            .post_json(
                &app,
                &format!("/api/write/carnets/{kept_id}/restore"),
                &json!({ "reason": "x" })
            )
            .await
            .status(),
        409
    );
    // Logs older than twelve months are gone.
    let db = native_store(app.database_url.as_ref().unwrap())
        .connect()
        .await
        .unwrap();
    for table in ["audit_log", "notebook_access_log"] {
        let old: i64 = db
            .query_one(
                &format!("SELECT COUNT(*) AS n FROM {table} WHERE at < '2030-01-06'"),
                &[],
            )
            .await
            .unwrap()
            .get("n")
            .unwrap();
        assert_eq!(old, 0, "{table}");
    }
}
