//! The département's dashboard (`GET /api/carnets/dashboard`): its figures checked against the
//! data the test creates, managers only, and no person named in it.

use crate::fixtures::{account, department};
use carnet_tests::{spawn_app, TestApp, User};
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
