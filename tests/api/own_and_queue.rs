//! What the front-end's beneficiary and orientation pages need: a beneficiary's own notebook
//! without its id, choosing reminder emails while signed in, the orientation managers' queue of
//! re-orientation requests, and a structure's professionals — each role allowed or refused.

use crate::fixtures::{department, post};
use carnet_tests::{native_store, spawn_app, TestApp, User};
use serde_json::{json, Value};

async fn put_json(user: &User, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let response = user
        .client
        .put(app.url(path))
        .header("origin", &app.base_url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn access_views(app: &TestApp, notebook: &str) -> Option<Vec<(String, String)>> {
    let url = app.database_url.as_ref()?;
    let db = native_store(url).connect().await.unwrap();
    let rows = db
        .query(
            "SELECT role, view FROM notebook_access_log WHERE notebook_id = $1 ORDER BY at, id",
            &[notebook.to_string().into()],
        )
        .await
        .unwrap();
    Some(
        rows.iter()
            .map(|r| (r.get("role").unwrap(), r.get("view").unwrap()))
            .collect(),
    )
}

#[tokio::test]
async fn a_beneficiary_opens_their_own_notebook_without_knowing_its_id() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_beneficiary_opens_their_own_notebook_without_knowing_its_id") {
        return;
    }
    let d = department(&app).await;
    let (status, mine) = d.beneficiary.get_json(&app, "/api/carnets/mine").await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["id"], d.eloise.as_str());
    assert_eq!(mine["view"], "full");
    assert_eq!(mine["beneficiary"]["first_name"], "Éloïse");
    assert!(
        mine["beneficiary"].get("nir").is_none(),
        "no NIR for the person"
    );
    assert_eq!(mine["members"][0]["member_type"], "referent");
    // The same body as the notebook read by its id.
    let (_, by_id) = d
        .beneficiary
        .get_json(&app, &format!("/api/carnets/{}", d.eloise))
        .await;
    assert_eq!(mine, by_id);
    for (who, label) in [
        (&d.manager, "manager"),
        (&d.orientation, "orientation manager"),
        (&d.pro_a, "professional"),
        (&d.admin_a, "structure admin"),
        (&d.platform_admin, "platform admin"),
    ] {
        let (status, body) = who.get_json(&app, "/api/carnets/mine").await;
        assert_eq!(status, 403, "{label}: {body}");
        assert_eq!(body["error"]["code"], "forbidden", "{label}");
    }
    assert_eq!(
        carnet_tests::client()
            .get(app.url("/api/carnets/mine"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Both reads (by /mine and by id) left a row; the refusals none.
    if let Some(views) = access_views(&app, &d.eloise).await {
        let own: Vec<_> = views.iter().filter(|(r, _)| r == "beneficiary").collect();
        assert_eq!(
            own,
            [
                &("beneficiary".to_string(), "full".to_string()),
                &("beneficiary".to_string(), "full".to_string())
            ]
        );
    }
}

#[tokio::test]
async fn a_signed_in_beneficiary_stops_and_restarts_reminders() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_signed_in_beneficiary_stops_and_restarts_reminders") {
        return;
    }
    app.set_clock("2027-12-02T08:00:00Z").await;
    let d = department(&app).await;
    let path = "/api/notifications/preferences";
    let (status, initial) = d.beneficiary.get_json(&app, path).await;
    assert_eq!(status, 200);
    assert_eq!(
        initial,
        json!({ "reminders": true, "reminders_opted_out_at": null })
    );
    // Bad bodies are refused field by field.
    assert_eq!(put_json(&d.beneficiary, &app, path, json!({})).await.0, 422);
    assert_eq!(
        put_json(
            &d.beneficiary,
            &app,
            path,
            json!({ "reminders": false, "email": "x@y.fr" })
        )
        .await
        .0,
        422
    );
    let (status, off) = put_json(&d.beneficiary, &app, path, json!({ "reminders": false })).await;
    assert_eq!(status, 200);
    assert_eq!(off["reminders"], false);
    assert_eq!(off["reminders_opted_out_at"], "2027-12-02T08:00:00.000000Z");
    // Idempotent: saying it twice changes nothing.
    let (status, again) = put_json(&d.beneficiary, &app, path, json!({ "reminders": false })).await;
    assert_eq!((status, &again), (200, &off));
    assert_eq!(d.beneficiary.get_json(&app, path).await.1, off);
    // A rendez-vous tomorrow: only the professional is reminded.
    let response = d
        .pro_a
        .post_json(
            &app,
            &format!("/api/write/carnets/{}/rendez-vous", d.eloise),
            &json!({ "starts_at": "2027-12-03T10:00:00+01:00" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let job = |app: &TestApp| {
        app.client
            .post(app.url("/api/notifications/jobs/reminders"))
            .bearer_auth(carnet_tests::JOBS_SECRET)
            .send()
    };
    let report: Value = job(&app).await.unwrap().json().await.unwrap();
    assert_eq!(report["queued"], 1, "the professional only: {report}");
    // Back on: the beneficiary's reminder goes on the next run.
    let (status, on) = put_json(&d.beneficiary, &app, path, json!({ "reminders": true })).await;
    assert_eq!(status, 200);
    assert_eq!(
        on,
        json!({ "reminders": true, "reminders_opted_out_at": null })
    );
    let report: Value = job(&app).await.unwrap().json().await.unwrap();
    assert_eq!(report["queued"], 1, "now the beneficiary: {report}");
    let reminded = app
        .emails_to(&d.beneficiary.email)
        .await
        .iter()
        .filter(|e| e["subject"].as_str().unwrap_or("").contains("Rappel"))
        .count();
    assert_eq!(reminded, 1);
    // Staff choose nothing here (their reminders are part of their work).
    for (who, label) in [
        (&d.manager, "manager"),
        (&d.orientation, "orientation manager"),
        (&d.pro_a, "professional"),
        (&d.admin_a, "structure admin"),
        (&d.platform_admin, "platform admin"),
    ] {
        assert_eq!(who.get_json(&app, path).await.0, 403, "{label} reads");
        assert_eq!(
            put_json(who, &app, path, json!({ "reminders": false }))
                .await
                .0,
            403,
            "{label} writes"
        );
    }
    // Without the instance's origin, a cookie-authenticated change is refused.
    let response = d
        .beneficiary
        .client
        .put(app.url(path))
        .header("origin", "https://ailleurs.example")
        .json(&json!({ "reminders": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Each change, and only a change, left an audit row.
    if let Some(url) = &app.database_url {
        let db = native_store(url).connect().await.unwrap();
        let me = d.beneficiary.get_json(&app, "/api/auth/me").await.1;
        let account = me["account"]["id"].as_str().unwrap().to_string();
        // The test clock stands still: both rows share one instant, so their order is unknown.
        let mut actions: Vec<String> = carnet_store::repo::audit::actions_for_target(&db, &account)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.starts_with("reminders_"))
            .collect();
        actions.sort();
        assert_eq!(actions, ["reminders_opt_in", "reminders_opt_out"]);
    }
}

#[tokio::test]
async fn the_orientation_queue_lists_pending_requests_first_for_orientation_managers_and_managers()
{
    let app = spawn_app().await;
    if !app.require_test_mode(
        "the_orientation_queue_lists_pending_requests_first_for_orientation_managers_and_managers",
    ) {
        return;
    }
    let d = department(&app).await;
    // Jean Martin gets pro B as referent; both referents ask for a re-orientation.
    let (status, _) = post(
        &d.orientation,
        &app,
        &format!("/api/write/carnets/{}/orientation", d.martin),
        json!({ "dispositif_id": d.dispositif, "referent_account_id": d.pro_b_id }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, eloise_request) = post(
        &d.pro_a,
        &app,
        &format!("/api/write/carnets/{}/orientation-requests", d.eloise),
        json!({ "reason": "Projet de soins prioritaire", "suggested_dispositif_id": d.dispositif }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, martin_request) = post(
        &d.pro_b,
        &app,
        &format!("/api/write/carnets/{}/orientation-requests", d.martin),
        json!({ "reason": "Recherche d'emploi active" }),
    )
    .await;
    assert_eq!(status, 201);
    let queue = "/api/carnets/orientation-requests";
    let (status, pending) = d.orientation.get_json(&app, queue).await;
    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["total"], 2);
    assert_eq!(
        (pending["page"].as_i64(), pending["per_page"].as_i64()),
        (Some(1), Some(20))
    );
    let first = &pending["items"][0];
    assert_eq!(first["id"], eloise_request["id"], "oldest first");
    assert_eq!(first["notebook_id"], d.eloise.as_str());
    assert_eq!(first["status"], "pending");
    assert_eq!(first["reason"], "Projet de soins prioritaire");
    assert_eq!(first["beneficiary"]["last_name"], "Dupont");
    assert_eq!(first["suggested_dispositif"]["id"], d.dispositif.as_str());
    assert_eq!(
        first["suggested_dispositif"]["name"],
        "Accompagnement social"
    );
    assert_eq!(first["requested_by"]["structure"], "Centre d'addictologie");
    assert!(first["requested_by"]["name"].is_string());
    assert_eq!(first["referent"]["structure"], "Centre d'addictologie");
    assert_eq!(first["current_dispositif"]["id"], d.dispositif.as_str());
    assert!(first["created_at"].is_string());
    assert_eq!(pending["items"][1]["id"], martin_request["id"]);
    assert!(pending["items"][1]["suggested_dispositif"].is_null());
    // Paged.
    let (_, one) = d
        .orientation
        .get_json(&app, &format!("{queue}?per_page=1&page=2"))
        .await;
    assert_eq!(one["total"], 2);
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["items"][0]["id"], martin_request["id"]);
    // A decision takes the request out of the pending queue, into the decided one.
    let (status, _) = post(
        &d.orientation,
        &app,
        &format!(
            "/api/write/orientation-requests/{}/decision",
            eloise_request["id"].as_str().unwrap()
        ),
        json!({ "decision": "keep", "reason": "Accompagnement adapté" }),
    )
    .await;
    assert_eq!(status, 200);
    let (_, pending) = d.orientation.get_json(&app, queue).await;
    assert_eq!(pending["total"], 1);
    assert_eq!(pending["items"][0]["id"], martin_request["id"]);
    let (_, decided) = d
        .manager
        .get_json(&app, &format!("{queue}?status=decided"))
        .await;
    assert_eq!(decided["total"], 1);
    let done = &decided["items"][0];
    assert_eq!(done["id"], eloise_request["id"]);
    assert_eq!(done["status"], "denied");
    assert_eq!(done["decision_reason"], "Accompagnement adapté");
    assert!(done["decided_by"].is_string() && done["decided_at"].is_string());
    let (_, all) = d
        .manager
        .get_json(&app, &format!("{queue}?status=all"))
        .await;
    let order: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["pending", "denied"], "pending first");
    // Bad parameters.
    for bad in ["?status=bientot", "?per_page=0", "?page=0"] {
        assert_eq!(
            d.orientation
                .get_json(&app, &format!("{queue}{bad}"))
                .await
                .0,
            422,
            "{bad}"
        );
    }
    // Everyone else is refused.
    for (who, label) in [
        (&d.pro_a, "professional (the requester)"),
        (&d.admin_a, "structure admin"),
        (&d.beneficiary, "beneficiary"),
        (&d.platform_admin, "platform admin"),
    ] {
        let (status, body) = who.get_json(&app, queue).await;
        assert_eq!(status, 403, "{label}");
        assert_eq!(body["error"]["code"], "forbidden", "{label}");
    }
    // The reasons are notebook content: each page shown logged a read of its notebooks.
    if let Some(views) = access_views(&app, &d.eloise).await {
        let queue_reads: Vec<&String> = views
            .iter()
            .filter(|(_, view)| view == "orientation_request")
            .map(|(role, _)| role)
            .collect();
        assert_eq!(
            queue_reads,
            ["orientation_manager", "manager", "manager"],
            "{views:?}"
        );
    }
}

#[tokio::test]
async fn a_structures_professionals_are_listed_for_staff_who_choose_a_referent() {
    let app = spawn_app().await;
    if !app
        .require_test_mode("a_structures_professionals_are_listed_for_staff_who_choose_a_referent")
    {
        return;
    }
    let d = department(&app).await;
    let path = format!("/api/carnets/structures/{}/professionals", d.structure_a);
    for (who, label) in [
        (&d.orientation, "orientation manager"),
        (&d.manager, "manager"),
        (&d.pro_b, "professional of another structure"),
        (&d.admin_a, "structure admin"),
    ] {
        let (status, body) = who.get_json(&app, &path).await;
        assert_eq!(status, 200, "{label}");
        let ids: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["account_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [d.pro_a_id.as_str()],
            "{label}: only structure A's professional"
        );
    }
    for (who, label) in [
        (&d.beneficiary, "beneficiary"),
        (&d.platform_admin, "platform admin"),
    ] {
        assert_eq!(who.get_json(&app, &path).await.0, 403, "{label}");
    }
    let unknown = format!(
        "/api/carnets/structures/{}/professionals",
        uuid::Uuid::new_v4()
    );
    assert_eq!(d.orientation.get_json(&app, &unknown).await.0, 404);
    assert_eq!(
        d.orientation
            .get_json(&app, "/api/carnets/structures/pas-un-id/professionals")
            .await
            .0,
        404
    );
}
