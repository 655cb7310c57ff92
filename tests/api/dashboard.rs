//! The département's dashboard (`GET /api/carnets/dashboard`): its figures checked against the
//! data the test creates, managers only, and no person named in it.

use crate::fixtures::{account, department};
use carnet_store::params;
use carnet_tests::{native_store, require_native, spawn_app, TestApp, User};
use serde_json::{json, Value};

async fn post(user: &User, app: &TestApp, path: &str, body: Value) -> Value {
    let (status, body) = crate::fixtures::post(user, app, path, body).await;
    assert!(status == 200 || status == 201, "{path}: {status} {body}");
    body
}

async fn dashboard(app: &TestApp, user: &User) -> Value {
    let (status, body) = user.get_json(app, "/api/carnets/dashboard").await;
    assert_eq!(status, 200, "{body}");
    body
}

fn month<'a>(body: &'a Value, wanted: &str) -> &'a Value {
    body["actions_by_month"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == wanted)
        .unwrap_or_else(|| panic!("{wanted} in {body}"))
}

fn count(month: &Value, status: &str) -> i64 {
    month["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == status)
        .unwrap()["count"]
        .as_i64()
        .unwrap()
}

fn structure<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["structures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {body}"))
}

#[tokio::test]
async fn the_dashboard_counts_what_the_departement_holds_for_managers_only() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_dashboard_counts_what_the_departement_holds_for_managers_only") {
        return;
    }
    app.set_clock("2027-03-15T10:00:00Z").await;
    let d = department(&app).await;
    let base = format!("/api/write/carnets/{}", d.eloise);

    // A plan with actions starting in March 2027 (one done), January 2027, before the window
    // (March 2026) and after it (April 2027).
    let focus = post(
        &d.pro_a,
        &app,
        &format!("{base}/focuses"),
        json!({ "theme": "logement" }),
    )
    .await;
    let objectif = post(
        &d.pro_a,
        &app,
        &format!("{base}/focuses/{}/objectifs", focus["id"].as_str().unwrap()),
        json!({ "label": "Trouver un logement" }),
    )
    .await;
    let actions = format!(
        "{base}/objectifs/{}/actions",
        objectif["id"].as_str().unwrap()
    );
    let mut ids = Vec::new();
    for start in [
        "2027-03-01",
        "2027-03-10",
        "2027-01-20",
        "2026-03-31",
        "2027-04-02",
    ] {
        let action = post(
            &d.pro_a,
            &app,
            &actions,
            json!({ "label": "Dossier", "start_date": start }),
        )
        .await;
        ids.push(action["id"].as_str().unwrap().to_string());
    }
    let response = d
        .pro_a
        .client
        .patch(app.url(&format!("{base}/actions/{}", ids[1])))
        .header("origin", &app.base_url)
        .json(&json!({ "version": 1, "status": "done" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // Rendez-vous of structure A: 5 days ago (counted), 40 days ago and tomorrow (not counted).
    for at in [
        "2027-03-10T09:00:00Z",
        "2027-02-03T09:00:00Z",
        "2027-03-16T09:00:00Z",
    ] {
        post(
            &d.pro_a,
            &app,
            &format!("{base}/rendez-vous"),
            json!({ "starts_at": at }),
        )
        .await;
    }
    // A re-orientation request, pending.
    post(
        &d.pro_a,
        &app,
        &format!("{base}/orientation-requests"),
        json!({ "reason": "Changement de projet" }),
    )
    .await;

    let figures = dashboard(&app, &d.manager).await;
    assert_eq!(figures["notebooks"]["active"], 2, "Éloïse and Jean Martin");
    assert_eq!(figures["notebooks"]["without_referent"], 1, "Jean Martin");
    assert_eq!(
        figures["notebooks"]["archived"],
        if d.archived.is_some() { 1 } else { 0 }
    );
    assert_eq!(
        figures["pending_orientations"],
        json!({ "total": 1, "under_7_days": 1, "from_7_to_30_days": 0, "over_30_days": 0 })
    );
    let months: Vec<&str> = figures["actions_by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0], "2026-04");
    assert_eq!(months[11], "2027-03");
    let march = month(&figures, "2027-03");
    assert_eq!(march["total"], 2);
    assert_eq!(count(march, "in_progress"), 1);
    assert_eq!(count(march, "done"), 1);
    assert_eq!(count(march, "planned"), 0);
    assert_eq!(month(&figures, "2027-01")["total"], 1);
    let in_window: i64 = figures["actions_by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["total"].as_i64().unwrap())
        .sum();
    assert_eq!(in_window, 3, "March 2026 and April 2027 are outside");

    let a = structure(&figures, "Centre d'addictologie");
    assert_eq!(a["id"], d.structure_a.as_str());
    assert_eq!(a["notebooks"], 1, "the archived notebook is left out");
    assert_eq!(a["referent_of"], 1);
    assert_eq!(a["professionals"], 1);
    assert_eq!(a["rendez_vous_30_days"], 1);
    let b = structure(&figures, "Mission locale");
    assert_eq!(b["notebooks"], 0);
    assert_eq!(b["professionals"], 1);
    assert_eq!(b["rendez_vous_30_days"], 0);

    // Nothing in it names a person.
    let text = figures.to_string();
    for personal in [
        "Éloïse",
        "Dupont",
        "Martin\"",
        "Jean",
        d.pro_a.email.as_str(),
        d.eloise_nir.as_str(),
        d.caf.as_str(),
    ] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }

    // Managers only.
    for (who, user) in [
        ("platform admin", &d.platform_admin),
        ("structure admin", &d.admin_a),
        ("orientation manager", &d.orientation),
        ("professional", &d.pro_a),
        ("beneficiary", &d.beneficiary),
    ] {
        let (status, body) = user.get_json(&app, "/api/carnets/dashboard").await;
        assert_eq!(status, 403, "{who}: {body}");
    }
    assert_eq!(app.get("/api/carnets/dashboard").await.status(), 401);

    // The request ages: 10 days later it waits for 7 to 30 days, 40 days later for more.
    app.set_clock("2027-03-25T10:00:00Z").await;
    let (manager, _) = account(&app, "manager", None).await;
    let figures = dashboard(&app, &manager).await;
    assert_eq!(figures["pending_orientations"]["from_7_to_30_days"], 1);
    assert_eq!(figures["pending_orientations"]["under_7_days"], 0);
    app.set_clock("2027-04-24T10:00:00Z").await;
    let (manager, _) = account(&app, "manager", None).await;
    let figures = dashboard(&app, &manager).await;
    assert_eq!(figures["pending_orientations"]["over_30_days"], 1);
    assert_eq!(figures["actions_by_month"][11]["month"], "2027-04");
    assert_eq!(figures["actions_by_month"][11]["total"], 1);
}

/// The « sans référent » list (names, in its order), checked against its own total and the
/// dashboard's count; and, natively, the notebooks' `has_referent` and `name_key` against what
/// they are copied from (the active memberships, the beneficiary's sort key).
pub async fn without_referent(app: &TestApp, manager: &User) -> Vec<String> {
    let (status, list) = manager
        .get_json(
            app,
            "/api/carnets/departement?sans_referent=true&per_page=100",
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{} {}", i["first_name"], i["last_name"]).replace('"', ""))
        .collect();
    assert_eq!(list["total"], names.len(), "the list's count: {list}");
    let figures = dashboard(app, manager).await;
    assert_eq!(
        figures["notebooks"]["without_referent"],
        names.len(),
        "the dashboard's count, with {names:?}"
    );
    if let Some(url) = &app.database_url {
        let db = native_store(url).connect().await.unwrap();
        let stale = db
            .query(
                "SELECT n.id FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id \
                 WHERE n.name_key <> b.name_key OR n.has_referent <> EXISTS (SELECT 1 FROM notebook_members m \
                   WHERE m.notebook_id = n.id AND m.active = TRUE AND m.member_type = 'referent')",
                params![],
            )
            .await
            .unwrap();
        assert!(stale.is_empty(), "{} notebooks out of step", stale.len());
    }
    names
}

#[tokio::test]
async fn the_notebooks_without_referent_follow_every_way_a_referent_comes_and_goes() {
    let test = "the_notebooks_without_referent_follow_every_way_a_referent_comes_and_goes";
    if !require_native(test) {
        return;
    }
    let app = spawn_app().await;
    app.set_clock("2027-03-15T10:00:00Z").await;
    let d = department(&app).await;
    let created = crate::fixtures::create_beneficiary(
        &d.manager,
        &app,
        json!({ "first_name": "Paul", "last_name": "Berger", "birth_date": "1981-04-04" }),
    )
    .await;
    assert_eq!(created.status(), 201);
    let paul = created.json::<Value>().await.unwrap()["notebook_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        without_referent(&app, &d.manager).await,
        ["Paul Berger", "Jean Martin"],
        "Éloïse has a referent, the archived notebook is left out"
    );

    // A change of names moves the notebook in the list's order.
    let (_, before) = d
        .manager
        .get_json(&app, &format!("/api/carnets/{paul}"))
        .await;
    let response = crate::fixtures::patch(
        &d.manager,
        &app,
        &format!("/api/write/carnets/{paul}/identity"),
        json!({ "version": before["version"], "last_name": "Vidal" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        without_referent(&app, &d.manager).await,
        ["Jean Martin", "Paul Vidal"]
    );

    // A professional attaches themself as referent.
    let martin = format!("/api/write/carnets/{}", d.martin);
    let referent = json!({ "member_type": "referent", "dispositif_id": d.dispositif });
    let (status, body) =
        crate::fixtures::post(&d.pro_b, &app, &format!("{martin}/members/self"), referent).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(without_referent(&app, &d.manager).await, ["Paul Vidal"]);

    // The referent changes: still one.
    let (pro_c, pro_c_created) = account(&app, "professional", Some(&d.structure_a)).await;
    let pro_c_id = pro_c_created["account_id"].as_str().unwrap();
    let (status, body) = crate::fixtures::post(
        &d.pro_b,
        &app,
        &format!("{martin}/referent"),
        json!({ "account_id": pro_c_id, "dispositif_id": d.dispositif }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(without_referent(&app, &d.manager).await, ["Paul Vidal"]);

    // The referent may not leave; the former one, now a member, may: still a referent.
    let (status, body) =
        crate::fixtures::post(&pro_c, &app, &format!("{martin}/members/leave"), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("referent_cannot_leave"))
    );
    let (status, body) = crate::fixtures::post(
        &d.pro_b,
        &app,
        &format!("{martin}/members/leave"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(without_referent(&app, &d.manager).await, ["Paul Vidal"]);

    // The referent's role is revoked: the notebook is without referent again.
    let response = d
        .manager
        .delete(
            &app,
            &format!(
                "/api/auth/accounts/{pro_c_id}/roles/{}",
                pro_c_created["role_id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        without_referent(&app, &d.manager).await,
        ["Jean Martin", "Paul Vidal"]
    );

    // An orientation decided with a referent.
    let (status, body) = crate::fixtures::post(
        &d.orientation,
        &app,
        &format!("/api/write/carnets/{paul}/orientation"),
        json!({ "dispositif_id": d.dispositif, "referent_account_id": d.pro_a_id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(without_referent(&app, &d.manager).await, ["Jean Martin"]);

    // Retention archives every notebook two years after its last contact: none is listed, none
    // counted; a restored one without referent is back.
    app.set_clock("2029-06-01T10:00:00Z").await;
    let response = app
        .client
        .post(app.url("/api/notifications/jobs/retention"))
        .bearer_auth(carnet_tests::JOBS_SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["archived"], 3, "{report}");
    let manager = app.sign_in(&d.manager.email).await;
    assert!(without_referent(&app, &manager).await.is_empty());
    let (status, body) = crate::fixtures::post(
        &manager,
        &app,
        &format!("{martin}/restore"),
        json!({ "reason": "Retour dans le département" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(without_referent(&app, &manager).await, ["Jean Martin"]);
}
