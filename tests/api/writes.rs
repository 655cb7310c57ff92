//! Working in a carnet: every write leaves its timeline event and audit row; forbidden writes
//! per role; stale versions; idempotent creates; the one-referent rule under concurrency;
//! invalid payloads leave the database unchanged.

use crate::fixtures::{department, last_names, patch, post, Department};
use carnet_tests::{native_store, spawn_app, TestApp, User};
use serde_json::{json, Value};

async fn notebook(user: &User, app: &TestApp, id: &str) -> Value {
    let (status, body) = user.get_json(app, &format!("/api/carnets/{id}")).await;
    assert_eq!(status, 200);
    body
}

async fn timeline_types(user: &User, app: &TestApp, id: &str) -> Vec<String> {
    let (_, body) = user
        .get_json(app, &format!("/api/carnets/{id}/timeline?per_page=100"))
        .await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_string())
        .collect()
}

/// Audit actions recorded about a notebook (native runs only).
async fn audit(app: &TestApp, notebook: &str) -> Vec<String> {
    match &app.database_url {
        Some(url) => {
            let db = native_store(url).connect().await.unwrap();
            carnet_store::repo::audit::actions_for_target(&db, notebook)
                .await
                .unwrap()
        }
        None => Vec::new(),
    }
}

/// Each event is in the notebook's timeline and, natively, in the audit log.
async fn assert_traced(app: &TestApp, reader: &User, notebook_id: &str, events: &[&str]) {
    let types = timeline_types(reader, app, notebook_id).await;
    let audited = audit(app, notebook_id).await;
    for event in events {
        assert!(
            types.contains(&event.to_string()),
            "timeline {event} in {types:?}"
        );
        if app.database_url.is_some() {
            assert!(
                audited.contains(&event.to_string()),
                "audit {event} in {audited:?}"
            );
        }
    }
}

/// Everything a write could change, to prove a refused one changed nothing.
async fn snapshot(d: &Department, app: &TestApp) -> (Value, Vec<String>) {
    let mut full = notebook(&d.manager, app, &d.eloise).await;
    full["latest_events"] = Value::Null;
    (full, timeline_types(&d.pro_a, app, &d.eloise).await)
}

#[tokio::test]
async fn the_plan_d_action_is_built_edited_and_traced() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_plan_d_action_is_built_edited_and_traced") {
        return;
    }
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}", d.eloise);
    let (status, focus) = post(
        &d.pro_a,
        &app,
        &format!("{base}/focuses"),
        json!({ "theme": "logement" }),
    )
    .await;
    assert_eq!(status, 201, "{focus}");
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/focuses"),
            json!({ "theme": "logement" })
        )
        .await
        .0,
        409
    );
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/focuses"),
            json!({ "theme": "choisir_un_metier" })
        )
        .await
        .0,
        422,
        "not a focus theme"
    );
    let focus_id = focus["id"].as_str().unwrap();
    // Objectifs: reference list of the theme, or free text; a contract needs the agreement.
    let (_, referentiel) = d.pro_a.get_json(&app, "/api/referentiel").await;
    let theme = |code: &str| {
        referentiel["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap()
            .clone()
    };
    let logement_objectif = theme("logement")["objectifs"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let sante_objectif = theme("sante")["objectifs"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let objectifs = format!("{base}/focuses/{focus_id}/objectifs");
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &objectifs,
            json!({ "ref_code": sante_objectif })
        )
        .await
        .0,
        422,
        "another theme's objectif"
    );
    let (status, body) = post(
        &d.pro_a,
        &app,
        &objectifs,
        json!({ "label": "Trouver un logement", "linked_to": "cer" }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "beneficiary_agreement");
    let (status, objectif) = post(
        &d.pro_a,
        &app,
        &objectifs,
        json!({ "ref_code": logement_objectif, "linked_to": "cer", "beneficiary_agreement": true }),
    )
    .await;
    assert_eq!(status, 201);
    let objectif_id = objectif["id"].as_str().unwrap();
    // Actions: reference or free text, start date, optional due date after it.
    let actions = format!("{base}/objectifs/{objectif_id}/actions");
    let (status, body) = post(
        &d.pro_a,
        &app,
        &actions,
        json!({ "label": "Dossier DALO", "start_date": "2027-01-10", "due_date": "2027-01-01" }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "due_date");
    let (status, action) = post(
        &d.pro_a,
        &app,
        &actions,
        json!({ "label": "Dossier DALO", "start_date": "2027-01-10", "due_date": "2027-02-01" }),
    )
    .await;
    assert_eq!(status, 201);
    let action_id = action["id"].as_str().unwrap();
    // A status change in one step, based on the version.
    let response = patch(
        &d.pro_a,
        &app,
        &format!("{base}/actions/{action_id}"),
        json!({ "version": 1, "status": "done" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (updated["status"].as_str(), updated["version"].as_i64()),
        (Some("done"), Some(2))
    );
    // A stale version: 409 with the current state, nothing written.
    let response = patch(
        &d.pro_a,
        &app,
        &format!("{base}/actions/{action_id}"),
        json!({ "version": 1, "status": "standby" }),
    )
    .await;
    assert_eq!(response.status(), 409);
    let conflict: Value = response.json().await.unwrap();
    assert_eq!(conflict["error"]["code"], "stale_version");
    assert_eq!(conflict["error"]["details"]["current"]["status"], "done");
    assert_eq!(conflict["error"]["details"]["current"]["version"], 2);
    assert_eq!(
        patch(
            &d.pro_a,
            &app,
            &format!("{base}/actions/{action_id}"),
            json!({ "version": 2, "status": "fini" })
        )
        .await
        .status(),
        422
    );
    assert_eq!(
        patch(
            &d.pro_a,
            &app,
            &format!("{base}/objectifs/{objectif_id}"),
            json!({ "version": 1, "status": "done" })
        )
        .await
        .status(),
        200
    );
    let full = notebook(&d.pro_a, &app, &d.eloise).await;
    let plan = &full["plan"][0];
    assert_eq!(plan["theme"], "logement");
    assert_eq!(plan["objectifs"][0]["linked_to"], "cer");
    assert_eq!(plan["objectifs"][0]["status"], "done");
    assert_eq!(plan["objectifs"][0]["actions"][0]["status"], "done");
    let (_, events) = d
        .pro_a
        .get_json(
            &app,
            &format!("/api/carnets/{}/timeline?type=action_updated", d.eloise),
        )
        .await;
    assert_eq!(
        events["items"][0]["summary"],
        "Statut de l'action « Dossier DALO » : En cours → Réalisée"
    );
    assert_eq!(events["items"][0]["before"]["status"], "in_progress");
    assert_eq!(events["items"][0]["after"]["status"], "done");
    // Deleting needs the current version; an objectif goes with its actions.
    let delete = |path: String| {
        let client = d.pro_a.client.clone();
        let url = app.url(&path);
        let origin = app.base_url.clone();
        async move {
            client
                .delete(url)
                .header("origin", origin)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        delete(format!("{base}/objectifs/{objectif_id}?version=1")).await,
        409
    );
    assert_eq!(delete(format!("{base}/objectifs/{objectif_id}")).await, 422);
    assert_eq!(
        delete(format!("{base}/objectifs/{objectif_id}?version=2")).await,
        204
    );
    assert!(
        notebook(&d.pro_a, &app, &d.eloise).await["plan"][0]["objectifs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        delete(format!("{base}/focuses/{focus_id}?version=1")).await,
        204
    );
    assert_traced(
        &app,
        &d.pro_a,
        &d.eloise,
        &[
            "focus_added",
            "objectif_added",
            "action_added",
            "action_updated",
            "objectif_updated",
            "objectif_deleted",
            "focus_deleted",
        ],
    )
    .await;
}

#[tokio::test]
async fn creates_are_idempotent_per_account_and_key() {
    let app = spawn_app().await;
    if !app.require_test_mode("creates_are_idempotent_per_account_and_key") {
        return;
    }
    let d = department(&app).await;
    let url = app.url(&format!("/api/write/carnets/{}/focuses", d.eloise));
    let send = |user: &User, key: &str, theme: &str| {
        let request = user
            .client
            .post(&url)
            .header("origin", &app.base_url)
            .header("idempotency-key", key)
            .json(&json!({ "theme": theme }));
        async move { request.send().await.unwrap() }
    };
    let first = send(&d.pro_a, "save-1", "mobilite").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let replay = send(&d.pro_a, "save-1", "mobilite").await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replay"], "true");
    assert_eq!(
        replay.json::<Value>().await.unwrap(),
        first,
        "the stored response"
    );
    let other_body = send(&d.pro_a, "save-1", "sante").await;
    assert_eq!(other_body.status(), 422);
    let focuses = notebook(&d.pro_a, &app, &d.eloise).await["plan"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(focuses, 1, "written once");
    // Keys are per account: another member's same key is a new request (here: a conflict on the
    // same theme, proving it was executed rather than replayed).
    let response = d
        .pro_b
        .post_json(
            &app,
            &format!("/api/write/carnets/{}/members/self", d.eloise),
            &json!({ "member_type": "member" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(send(&d.pro_b, "save-1", "mobilite").await.status(), 409);
    // Kept 24 hours.
    app.set_clock("2027-06-01T00:00:00Z").await;
    let d2 = app.sign_in(&d.pro_a_email()).await;
    let later = send(&d2, "save-1", "sante").await;
    assert_eq!(later.status(), 201, "an expired key is a new request");
}

#[tokio::test]
async fn rendez_vous_are_planned_moved_held_and_cancelled() {
    let app = spawn_app().await;
    if !app.require_test_mode("rendez_vous_are_planned_moved_held_and_cancelled") {
        return;
    }
    app.set_clock("2027-04-01T08:00:00Z").await;
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}/rendez-vous", d.eloise);
    let (status, rdv) = post(
        &d.pro_a,
        &app,
        &base,
        json!({ "starts_at": "2027-04-01T12:00:00+02:00" }),
    )
    .await;
    assert_eq!(status, 201, "{rdv}");
    let id = rdv["id"].as_str().unwrap();
    assert_eq!(
        post(&d.pro_a, &app, &base, json!({ "starts_at": "demain" }))
            .await
            .0,
        422
    );
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &base,
            json!({ "starts_at": "2035-01-01T10:00:00Z" })
        )
        .await
        .0,
        422
    );
    // Cannot be held before it happens; moved earlier, then held.
    assert_eq!(
        patch(
            &d.pro_a,
            &app,
            &format!("{base}/{id}"),
            json!({ "version": 1, "status": "present" })
        )
        .await
        .status(),
        422
    );
    let moved = patch(
        &d.pro_a,
        &app,
        &format!("{base}/{id}"),
        json!({ "version": 1, "starts_at": "2027-04-01T09:00:00Z" }),
    )
    .await;
    assert_eq!(moved.status(), 200);
    app.set_clock("2027-04-01T11:00:00Z").await;
    let before = notebook(&d.pro_a, &app, &d.eloise).await["last_contact_at"].clone();
    let held = patch(
        &d.pro_a,
        &app,
        &format!("{base}/{id}"),
        json!({ "version": 2, "status": "present" }),
    )
    .await;
    assert_eq!(held.status(), 200);
    let full = notebook(&d.pro_a, &app, &d.eloise).await;
    assert_eq!(
        full["last_contact_at"], "2027-04-01T09:00:00.000000Z",
        "was {before}"
    );
    // A second one is cancelled: kept, with who and when.
    let (_, second) = post(
        &d.pro_a,
        &app,
        &base,
        json!({ "starts_at": "2027-05-01T09:00:00Z" }),
    )
    .await;
    let second_id = second["id"].as_str().unwrap();
    let (status, cancelled) = post(
        &d.pro_a,
        &app,
        &format!("{base}/{second_id}/cancel"),
        json!({ "version": 1 }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["cancelled_at"], "2027-04-01T11:00:00.000000Z");
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/{second_id}/cancel"),
            json!({ "version": 2 })
        )
        .await
        .0,
        409
    );
    let rendez_vous = notebook(&d.pro_a, &app, &d.eloise).await["rendez_vous"].clone();
    assert_eq!(rendez_vous.as_array().unwrap().len(), 2);
    // Each names the structure it is held in, by id too (names are not unique).
    assert_eq!(rendez_vous[0]["structure_id"], d.structure_a.as_str());
    assert_eq!(rendez_vous[0]["structure"], "Centre d'addictologie");
    // A recorded contact moves the last contact to now.
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("/api/write/carnets/{}/contacts", d.eloise),
            json!({})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        notebook(&d.pro_a, &app, &d.eloise).await["last_contact_at"],
        "2027-04-01T11:00:00.000000Z"
    );
    // The admin of the referent's structure manages its rendez-vous; another structure's may not.
    assert_eq!(
        post(
            &d.admin_a,
            &app,
            &base,
            json!({ "starts_at": "2027-04-10T09:00:00Z", "with_account_id": d.pro_a_id })
        )
        .await
        .0,
        201
    );
    assert_eq!(
        post(
            &d.admin_b,
            &app,
            &base,
            json!({ "starts_at": "2027-04-10T09:00:00Z", "with_account_id": d.pro_a_id })
        )
        .await
        .0,
        404
    );
    assert_traced(
        &app,
        &d.pro_a,
        &d.eloise,
        &[
            "rendez_vous_created",
            "rendez_vous_updated",
            "rendez_vous_cancelled",
            "contact_recorded",
        ],
    )
    .await;
}

#[tokio::test]
async fn members_join_leave_and_change_referent() {
    let app = spawn_app().await;
    if !app.require_test_mode("members_join_leave_and_change_referent") {
        return;
    }
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}", d.eloise);
    // The referent cannot simply leave.
    let (status, body) = post(&d.pro_a, &app, &format!("{base}/members/leave"), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("referent_cannot_leave"))
    );
    // Invite pro B: an email, then a member.
    let (status, _) = post(
        &d.pro_a,
        &app,
        &format!("{base}/members/invite"),
        json!({ "account_id": d.pro_b_id }),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/members/invite"),
            json!({ "account_id": d.pro_b_id })
        )
        .await
        .0,
        409
    );
    assert_eq!(notebook(&d.pro_b, &app, &d.eloise).await["view"], "full");
    // Change referent: the former stays a member.
    let (status, _) = post(
        &d.pro_a,
        &app,
        &format!("{base}/referent"),
        json!({ "account_id": d.pro_b_id, "dispositif_id": d.dispositif }),
    )
    .await;
    assert_eq!(status, 200);
    let members = notebook(&d.pro_a, &app, &d.eloise).await["members"].clone();
    let types: Vec<(String, String)> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["account_id"].as_str().unwrap().to_string(),
                m["member_type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(types.contains(&(d.pro_b_id.clone(), "referent".into())));
    assert!(types.contains(&(d.pro_a_id.clone(), "member".into())));
    // Now pro A may leave; then their writes are refused.
    assert_eq!(
        post(&d.pro_a, &app, &format!("{base}/members/leave"), json!({}))
            .await
            .0,
        200
    );
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/focuses"),
            json!({ "theme": "emploi" })
        )
        .await
        .0,
        403
    );
    assert_traced(
        &app,
        &d.pro_b,
        &d.eloise,
        &["member_invited", "referent_changed", "member_left"],
    )
    .await;
}

#[tokio::test]
async fn only_one_referent_under_two_concurrent_attempts() {
    let app = spawn_app().await;
    if !app.require_test_mode("only_one_referent_under_two_concurrent_attempts") {
        return;
    }
    let d = department(&app).await;
    for _ in 0..3 {
        let (status, created) = post(
            &d.manager,
            &app,
            "/api/write/beneficiaries",
            json!({ "first_name": "Paul", "last_name": "Simon", "confirm_different_person": true }),
        )
        .await;
        assert_eq!(status, 201);
        let id = created["notebook_id"].as_str().unwrap().to_string();
        let attempt = |user: &User| {
            let request = user
                .client
                .post(app.url(&format!("/api/write/carnets/{id}/members/self")))
                .header("origin", &app.base_url)
                .json(&json!({ "member_type": "referent", "dispositif_id": d.dispositif }));
            async move { request.send().await.unwrap().status().as_u16() }
        };
        let (a, b) = tokio::join!(attempt(&d.pro_a), attempt(&d.pro_b));
        let mut statuses = [a, b];
        statuses.sort();
        assert!(
            statuses == [201, 409] || statuses == [201, 503],
            "{statuses:?}"
        );
        let referents = notebook(&d.manager, &app, &id).await["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["member_type"] == "referent")
            .count();
        assert_eq!(referents, 1);
    }
}

#[tokio::test]
async fn orientation_requests_and_decisions_tell_both_sides() {
    let app = spawn_app().await;
    if !app.require_test_mode("orientation_requests_and_decisions_tell_both_sides") {
        return;
    }
    let d = department(&app).await;
    // The orientation manager orients Jean Martin: dispositif and referent.
    let (status, _) = post(
        &d.orientation,
        &app,
        &format!("/api/write/carnets/{}/orientation", d.martin),
        json!({ "dispositif_id": d.dispositif, "referent_account_id": d.pro_b_id }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("/api/write/carnets/{}/orientation", d.martin),
            json!({ "dispositif_id": d.dispositif, "referent_account_id": d.pro_a_id })
        )
        .await
        .0,
        403
    );
    let full = notebook(&d.pro_b, &app, &d.martin).await;
    assert_eq!(full["members"][0]["member_type"], "referent");
    // Only the referent asks for a re-orientation; one pending at a time.
    let base = format!("/api/write/carnets/{}/orientation-requests", d.eloise);
    assert_eq!(
        post(&d.pro_b, &app, &base, json!({ "reason": "x" }))
            .await
            .0,
        403
    );
    assert_eq!(
        post(&d.pro_a, &app, &base, json!({ "reason": "  " }))
            .await
            .0,
        422
    );
    let (status, request) = post(
        &d.pro_a,
        &app,
        &base,
        json!({ "reason": "Projet de soins prioritaire", "suggested_dispositif_id": d.dispositif }),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        post(&d.pro_a, &app, &base, json!({ "reason": "encore" }))
            .await
            .0,
        409
    );
    let (_, pending) = d
        .orientation
        .get_json(&app, "/api/carnets/departement?orientation_en_attente=true")
        .await;
    assert_eq!(pending["total"], 1);
    // The decision: keep the current support, with a reason; both sides are emailed, with no
    // reason in the email.
    let decision = format!(
        "/api/write/orientation-requests/{}/decision",
        request["id"].as_str().unwrap()
    );
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &decision,
            json!({ "decision": "keep", "reason": "r" })
        )
        .await
        .0,
        403
    );
    assert_eq!(
        post(
            &d.orientation,
            &app,
            &decision,
            json!({ "decision": "peut-être", "reason": "r" })
        )
        .await
        .0,
        422
    );
    let (status, decided) = post(
        &d.orientation,
        &app,
        &decision,
        json!({ "decision": "keep", "reason": "Accompagnement adapté" }),
    )
    .await;
    assert_eq!((status, decided["status"].as_str()), (200, Some("denied")));
    assert_eq!(
        post(
            &d.orientation,
            &app,
            &decision,
            json!({ "decision": "keep", "reason": "x" })
        )
        .await
        .0,
        409
    );
    let outbox = app.outbox().await;
    let orientation_emails: Vec<&Value> = outbox
        .iter()
        .filter(|e| e["template"] == "orientation")
        .collect();
    assert!(
        orientation_emails.len() >= 3,
        "referents and the beneficiary are told"
    );
    assert!(orientation_emails.iter().all(|e| !e["body_text"]
        .as_str()
        .unwrap()
        .contains("Accompagnement adapté")
        && !e["body_text"].as_str().unwrap().contains("soins")));
    // Re-orientation: a new referent and dispositif; the former referent stays a member.
    let (_, second) = post(
        &d.pro_a,
        &app,
        &base,
        json!({ "reason": "Changement de situation" }),
    )
    .await;
    let decision = format!(
        "/api/write/orientation-requests/{}/decision",
        second["id"].as_str().unwrap()
    );
    let (status, decided) = post(&d.orientation, &app, &decision, json!({ "decision": "reorient", "reason": "Accord", "dispositif_id": d.dispositif, "referent_account_id": d.pro_b_id })).await;
    assert_eq!(
        (status, decided["status"].as_str()),
        (200, Some("accepted"))
    );
    let members = notebook(&d.manager, &app, &d.eloise).await["members"].clone();
    assert_eq!(members[0]["account_id"], d.pro_b_id.as_str());
    assert_eq!(members[0]["member_type"], "referent");
    assert_traced(
        &app,
        &d.pro_b,
        &d.eloise,
        &["reorientation_requested", "reorientation_decided"],
    )
    .await;
    assert_traced(&app, &d.pro_b, &d.martin, &["oriented"]).await;
    // The admin of a structure chooses the referent among its own professionals only.
    let (status, _) = post(
        &d.admin_a,
        &app,
        &format!("/api/write/carnets/{}/referent", d.eloise),
        json!({ "account_id": d.pro_a_id, "dispositif_id": d.dispositif }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &d.admin_a,
        &app,
        &format!("/api/write/carnets/{}/referent", d.eloise),
        json!({ "account_id": d.pro_b_id, "dispositif_id": d.dispositif }),
    )
    .await;
    assert_eq!(status, 403);
    // A notebook that does not exist is 404 whatever the body says; a known one with an unknown
    // professional is 422.
    let unknown_notebook = format!("/api/write/carnets/{}/referent", uuid::Uuid::new_v4());
    for (path, expected) in [
        (unknown_notebook, 404),
        (format!("/api/write/carnets/{}/referent", d.eloise), 422),
    ] {
        let (status, answer) = post(
            &d.manager,
            &app,
            &path,
            json!({ "account_id": uuid::Uuid::new_v4().to_string(), "dispositif_id": d.dispositif }),
        )
        .await;
        assert_eq!(status, expected, "{path}: {answer}");
    }
}

#[tokio::test]
async fn a_professional_of_two_structures_is_referent_in_the_one_chosen() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_professional_of_two_structures_is_referent_in_the_one_chosen") {
        return;
    }
    let d = department(&app).await;
    // Pro B works in structure B, and now in structure A too (a newer role).
    let full = notebook(&d.pro_b, &app, &d.eloise).await;
    let structure_of = |full: &Value, account: &str| {
        full["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["account_id"] == account)
            .map(|m| m["structure"]["id"].clone())
            .unwrap_or(Value::Null)
    };
    let (_, pros_b) = d
        .manager
        .get_json(&app, "/api/auth/accounts?role=professional")
        .await;
    let structure_b = pros_b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == d.pro_b_id.as_str())
        .map(|a| {
            a["roles"][0]["structure"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    assert_ne!(structure_b, d.structure_a);
    let granted = d
        .manager
        .post_json(
            &app,
            &format!("/api/auth/accounts/{}/roles", d.pro_b_id),
            &json!({ "role": "professional", "structure_id": d.structure_a }),
        )
        .await;
    assert_eq!(granted.status(), 201, "{}", granted.text().await.unwrap());
    assert_eq!(structure_of(&full, &d.pro_b_id), Value::Null);

    // Structure A's admin makes them Éloïse's referent: in structure A, the admin's own, though
    // their oldest role is in B.
    let (status, answer) = post(
        &d.admin_a,
        &app,
        &format!("/api/write/carnets/{}/referent", d.eloise),
        json!({ "account_id": d.pro_b_id, "dispositif_id": d.dispositif }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let full = notebook(&d.manager, &app, &d.eloise).await;
    assert_eq!(full["members"][0]["account_id"], d.pro_b_id.as_str());
    assert_eq!(structure_of(&full, &d.pro_b_id), json!(d.structure_a));

    // The orientation manager orients Jean Martin to them, choosing structure B.
    let orient = format!("/api/write/carnets/{}/orientation", d.martin);
    let (status, answer) = post(
        &d.orientation,
        &app,
        &orient,
        json!({ "dispositif_id": d.dispositif, "structure_id": structure_b, "referent_account_id": d.pro_b_id }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let full = notebook(&d.manager, &app, &d.martin).await;
    assert_eq!(structure_of(&full, &d.pro_b_id), json!(structure_b));

    // A structure they do not work in is refused on the referent's field.
    let (status, answer) = post(
        &d.orientation,
        &app,
        &orient,
        json!({ "dispositif_id": d.dispositif, "structure_id": uuid::Uuid::new_v4().to_string(), "referent_account_id": d.pro_a_id }),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["fields"][0]["field"], "referent_account_id");
    assert_eq!(answer["error"]["fields"][0]["code"], "not_in_structure");
}

#[tokio::test]
async fn the_diagnostic_is_edited_with_versions_and_reference_values() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_diagnostic_is_edited_with_versions_and_reference_values") {
        return;
    }
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}", d.eloise);
    let version = notebook(&d.pro_a, &app, &d.eloise).await["version"]
        .as_i64()
        .unwrap();
    let response = patch(&d.pro_a, &app, &format!("{base}/diagnostic"), json!({ "version": version, "work_situation": "recherche_emploi", "rqth": true, "work_situation_date": "2027-01-01" })).await;
    assert_eq!(response.status(), 200);
    let stale = patch(
        &d.pro_a,
        &app,
        &format!("{base}/diagnostic"),
        json!({ "version": version, "rqth": false }),
    )
    .await;
    assert_eq!(stale.status(), 409);
    let stale: Value = stale.json().await.unwrap();
    assert_eq!(stale["error"]["details"]["current"]["rqth"], true);
    let full = notebook(&d.pro_a, &app, &d.eloise).await;
    assert_eq!(full["diagnostic"]["work_situation"], "recherche_emploi");
    assert_eq!(full["diagnostic"]["rqth"], true);
    assert_eq!(full["diagnostic"]["work_situation_date"], "2027-01-01");
    // An empty text clears a date or a coded value; absent fields stay as they were.
    let version = full["version"].as_i64().unwrap();
    let response = patch(
        &d.pro_a,
        &app,
        &format!("{base}/diagnostic"),
        json!({ "version": version, "work_situation_date": "", "work_situation": "" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let full = notebook(&d.pro_a, &app, &d.eloise).await;
    assert_eq!(full["diagnostic"]["work_situation_date"], Value::Null);
    assert_eq!(full["diagnostic"]["work_situation"], Value::Null);
    assert_eq!(full["diagnostic"]["rqth"], true);
    // A period cannot end before it starts, whether both dates come together or the end meets a
    // start saved earlier; the refusal names the field sent and changes nothing.
    let diagnostic = format!("{base}/diagnostic");
    let version = full["version"].as_i64().unwrap();
    let response = patch(&d.pro_a, &app, &diagnostic, json!({ "version": version, "contract_start_date": "2027-03-01", "contract_end_date": "2027-02-01" })).await;
    assert_eq!(response.status(), 422);
    let response = patch(
        &d.pro_a,
        &app,
        &diagnostic,
        json!({ "version": version, "contract_start_date": "2027-03-01" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let response = patch(
        &d.pro_a,
        &app,
        &diagnostic,
        json!({ "version": version + 1, "contract_end_date": "2027-02-28" }),
    )
    .await;
    assert_eq!(response.status(), 422);
    let refused: Value = response.json().await.unwrap();
    assert_eq!(refused["error"]["fields"][0]["field"], "contract_end_date");
    assert_eq!(refused["error"]["fields"][0]["code"], "before_start");
    let full = notebook(&d.pro_a, &app, &d.eloise).await;
    assert_eq!(full["contract"]["end_date"], Value::Null);
    assert_eq!(full["version"].as_i64().unwrap(), version + 1);
    let response = patch(
        &d.pro_a,
        &app,
        &diagnostic,
        json!({ "version": version + 1, "contract_end_date": "2027-03-01" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    // Situations: added and removed, with who and when.
    let (_, referentiel) = d.pro_a.get_json(&app, "/api/referentiel").await;
    let situation = referentiel["themes"][0]["situations"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/situations"),
            json!({ "code": situation })
        )
        .await
        .0,
        201
    );
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/situations"),
            json!({ "code": situation })
        )
        .await
        .0,
        409
    );
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/situations"),
            json!({ "code": "SIT-999" })
        )
        .await
        .0,
        422
    );
    let full = notebook(&d.pro_a, &app, &d.eloise).await;
    assert_eq!(
        full["diagnostic"]["situations"][0]["code"],
        situation.as_str()
    );
    assert!(full["diagnostic"]["situations"][0]["added_by"].is_string());
    let removed = d
        .pro_a
        .delete(&app, &format!("{base}/situations/{situation}"))
        .await;
    assert_eq!(removed.status(), 204);
    assert!(
        notebook(&d.pro_a, &app, &d.eloise).await["diagnostic"]["situations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A job project from the ROME list.
    let (_, rome) = d
        .pro_a
        .get_json(&app, "/api/referentiel/rome?q=boulanger")
        .await;
    let appellation = rome["results"][0]["code"].as_str().unwrap();
    let (status, project) = post(&d.pro_a, &app, &format!("{base}/job-projects"), json!({ "appellation": appellation, "mobility_radius_km": 20, "contract_type": "cdi", "working_time": "full_time" })).await;
    assert_eq!(status, 201, "{project}");
    assert_eq!(project["rome_code"], "D1102");
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/job-projects"),
            json!({ "appellation": "APP-99999" })
        )
        .await
        .0,
        422
    );
    assert_eq!(
        post(
            &d.pro_a,
            &app,
            &format!("{base}/job-projects"),
            json!({ "appellation": appellation, "mobility_radius_km": 9000 })
        )
        .await
        .0,
        422
    );
    assert_traced(
        &app,
        &d.pro_a,
        &d.eloise,
        &[
            "diagnostic_updated",
            "situation_added",
            "situation_removed",
            "job_project_added",
        ],
    )
    .await;
}

#[tokio::test]
async fn each_role_may_only_make_its_own_writes() {
    let app = spawn_app().await;
    if !app.require_test_mode("each_role_may_only_make_its_own_writes") {
        return;
    }
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}", d.eloise);
    let focus = json!({ "theme": "numerique" });
    for (user, expected, who) in [
        (&d.beneficiary, 403, "beneficiary"),
        (&d.pro_b, 403, "another structure's professional"),
        (&d.admin_a, 403, "structure admin"),
        (&d.admin_b, 404, "another structure's admin"),
        (&d.manager, 403, "manager"),
        (&d.orientation, 403, "orientation manager, not a member"),
        (&d.platform_admin, 404, "platform admin"),
    ] {
        assert_eq!(
            post(user, &app, &format!("{base}/focuses"), focus.clone())
                .await
                .0,
            expected,
            "{who}"
        );
    }
    // Identity: managers only.
    let version = notebook(&d.manager, &app, &d.eloise).await["version"]
        .as_i64()
        .unwrap();
    let identity = json!({ "version": version, "birth_place": "Bobigny" });
    assert_eq!(
        patch(
            &d.pro_a,
            &app,
            &format!("{base}/identity"),
            identity.clone()
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        patch(
            &d.beneficiary,
            &app,
            &format!("{base}/identity"),
            identity.clone()
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        patch(&d.manager, &app, &format!("{base}/identity"), identity)
            .await
            .status(),
        200
    );
    let stale = patch(
        &d.manager,
        &app,
        &format!("{base}/identity"),
        json!({ "version": version, "last_name": "Dupont-Moreau" }),
    )
    .await;
    assert_eq!(
        stale.status(),
        409,
        "identity edits carry the notebook's version"
    );
    let renamed = patch(
        &d.manager,
        &app,
        &format!("{base}/identity"),
        json!({ "version": version + 1, "last_name": "Dupont-Moreau" }),
    )
    .await;
    assert_eq!(renamed.status(), 200);
    let (_, found) = d.pro_b.get_json(&app, "/api/carnets/search?q=moreau").await;
    assert_eq!(found["total"], 1, "search follows a change of name");
    // Portfolios are in name order, and follow a change of name too.
    let (status, _) = post(
        &d.pro_a,
        &app,
        &format!("/api/write/carnets/{}/members/self", d.martin),
        json!({ "member_type": "member" }),
    )
    .await;
    assert!(status == 201 || status == 409, "{status}");
    let before = last_names(&d.pro_a.get_json(&app, "/api/carnets/portfolio").await.1);
    assert_eq!(
        before.first().map(String::as_str),
        Some("Dupont-Moreau"),
        "{before:?}"
    );
    let renamed = patch(
        &d.manager,
        &app,
        &format!("{base}/identity"),
        json!({ "version": version + 2, "last_name": "Zola" }),
    )
    .await;
    assert_eq!(renamed.status(), 200);
    let after = last_names(&d.pro_a.get_json(&app, "/api/carnets/portfolio").await.1);
    assert_eq!(after.last().map(String::as_str), Some("Zola"), "{after:?}");
    assert!(
        before.len() >= 2,
        "the order is checked among several: {before:?}"
    );
    assert_eq!(after.len(), before.len());
    // Contact details: the beneficiary on their own notebook only.
    let version = notebook(&d.manager, &app, &d.eloise).await["version"]
        .as_i64()
        .unwrap();
    let contact = json!({ "version": version, "phone": "07 11 22 33 44", "city": "Pantin" });
    assert_eq!(
        patch(
            &d.beneficiary,
            &app,
            &format!("{base}/contact-details"),
            contact.clone()
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        patch(
            &d.beneficiary,
            &app,
            &format!("/api/write/carnets/{}/contact-details", d.martin),
            contact.clone()
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        patch(&d.pro_a, &app, &format!("{base}/contact-details"), contact)
            .await
            .status(),
        403
    );
    assert_eq!(
        notebook(&d.pro_a, &app, &d.eloise).await["beneficiary"]["city"],
        "Pantin"
    );
    // Any of them is emptied by an empty text, the phone included (no longer searchable by it).
    let version = notebook(&d.manager, &app, &d.eloise).await["version"]
        .as_i64()
        .unwrap();
    let emptied = json!({ "version": version, "phone": "", "postal_code": " " });
    let response = patch(
        &d.beneficiary,
        &app,
        &format!("{base}/contact-details"),
        emptied,
    )
    .await;
    assert_eq!(response.status(), 200);
    let person = notebook(&d.manager, &app, &d.eloise).await["beneficiary"].clone();
    assert_eq!(person["phone"], Value::Null);
    assert_eq!(person["postal_code"], Value::Null);
    assert_eq!(person["city"], "Pantin");
    let (_, found) = d
        .manager
        .get_json(&app, "/api/carnets/search?q=0711223344")
        .await;
    assert_eq!(found["total"], 0, "{found}");
    // Archived notebooks are read-only.
    if let Some(archived) = &d.archived {
        let (status, body) = post(
            &d.pro_a,
            &app,
            &format!("/api/write/carnets/{archived}/focuses"),
            json!({ "theme": "emploi" }),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("archived"))
        );
    }
}

#[tokio::test]
async fn an_invalid_payload_of_each_kind_leaves_the_database_unchanged() {
    let app = spawn_app().await;
    if !app.require_test_mode("an_invalid_payload_of_each_kind_leaves_the_database_unchanged") {
        return;
    }
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}", d.eloise);
    let (_, focus) = post(
        &d.pro_a,
        &app,
        &format!("{base}/focuses"),
        json!({ "theme": "emploi" }),
    )
    .await;
    let focus_id = focus["id"].as_str().unwrap().to_string();
    let before = snapshot(&d, &app).await;
    let long = "x".repeat(301);
    let cases: Vec<(String, Value)> = vec![
        (format!("{base}/focuses"), json!({ "theme": "inconnu" })),
        (
            format!("{base}/focuses"),
            json!({ "theme": "emploi", "extra": 1 }),
        ),
        (
            format!("{base}/focuses/{focus_id}/objectifs"),
            json!({ "label": long }),
        ),
        (
            format!("{base}/focuses/{focus_id}/objectifs"),
            json!({ "label": "ok", "linked_to": "contrat" }),
        ),
        (format!("{base}/focuses/{focus_id}/objectifs"), json!({})),
        (
            format!("{base}/rendez-vous"),
            json!({ "starts_at": "31/12/2027 10:00" }),
        ),
        (format!("{base}/situations"), json!({ "code": 12 })),
        (
            format!("{base}/job-projects"),
            json!({ "appellation": "APP-00001", "contract_type": "esclavage" }),
        ),
        (
            format!("{base}/orientation-requests"),
            json!({ "reason": "x".repeat(2001) }),
        ),
        (
            format!("{base}/referent"),
            json!({ "account_id": d.pro_b_id, "dispositif_id": "nope" }),
        ),
        (
            format!("{base}/members/invite"),
            json!({ "account_id": "not-an-id" }),
        ),
        (
            "/api/write/beneficiaries".to_string(),
            json!({ "first_name": "A", "last_name": "B", "nir": "1" }),
        ),
    ];
    for (path, body) in cases {
        let user = if path.contains("beneficiaries") {
            &d.manager
        } else {
            &d.pro_a
        };
        let (status, answer) = post(user, &app, &path, body.clone()).await;
        assert_eq!(status, 422, "{path} {body}: {answer}");
        assert!(
            answer["error"]["fields"]
                .as_array()
                .is_some_and(|f| !f.is_empty()),
            "{path}: fields listed"
        );
    }
    let malformed = d
        .pro_a
        .client
        .post(app.url(&format!("{base}/focuses")))
        .header("origin", &app.base_url)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    for (path, body) in [
        (
            format!("{base}/diagnostic"),
            json!({ "version": 1, "work_situation": "astronaute" }),
        ),
        (format!("{base}/diagnostic"), json!({ "rqth": true })),
        (
            format!("{base}/diagnostic"),
            json!({ "version": 1, "work_situation_date": "2027-02-01", "work_situation_end_date": "2027-01-01" }),
        ),
        (
            format!("{base}/identity"),
            json!({ "version": 1, "nir": "123" }),
        ),
        (
            format!("{base}/identity"),
            json!({ "version": 1, "caf_number": "12;DROP" }),
        ),
    ] {
        let user = if path.ends_with("identity") {
            &d.manager
        } else {
            &d.pro_a
        };
        assert_eq!(
            patch(user, &app, &path, body.clone()).await.status(),
            422,
            "{path} {body}"
        );
    }
    assert_eq!(snapshot(&d, &app).await, before, "nothing was written");
}

impl Department {
    fn pro_a_email(&self) -> String {
        self.pro_a.email.clone()
    }
}
