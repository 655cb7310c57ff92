//! Every write that takes several statements is one transaction: made to fail after its first
//! statement (the test mode's injected fault), it answers 500 and leaves every table exactly as
//! it was; the same request then succeeds. One pass over every multi-statement write of the API,
//! each role's own, on both stores.

use crate::fixtures::{database_rows, department, Department};
use carnet_tests::{require_native, spawn_app, TestApp, User};
use reqwest::Method;
use serde_json::{json, Value};

struct Checker<'a> {
    app: &'a TestApp,
    url: String,
    checked: Vec<String>,
}

impl Checker<'_> {
    async fn send(
        &self,
        user: Option<&User>,
        method: &Method,
        path: &str,
        body: &Value,
        fault: bool,
    ) -> (u16, Value) {
        let client = user.map_or(&self.app.client, |u| &u.client);
        let mut request = client
            .request(method.clone(), self.app.url(path))
            .header("origin", &self.app.base_url);
        if !body.is_null() {
            request = request.json(body);
        }
        if path.starts_with("/api/notifications/jobs/") {
            request = request.bearer_auth(carnet_tests::JOBS_SECRET);
        }
        if fault {
            request = request.header(carnet_http::context::FAULT_HEADER, "1");
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The write fails after its first statement and leaves nothing; then it succeeds.
    async fn write(
        &mut self,
        user: Option<&User>,
        method: Method,
        path: &str,
        body: Value,
    ) -> Value {
        let before = database_rows(&self.url).await;
        let (status, answer) = self.send(user, &method, path, &body, true).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (500, Some("internal")),
            "{method} {path} with a fault after its first write: {answer}"
        );
        let after = database_rows(&self.url).await;
        if before != after {
            let added: Vec<_> = after.iter().filter(|r| !before.contains(r)).collect();
            let removed: Vec<_> = before.iter().filter(|r| !after.contains(r)).collect();
            panic!("{method} {path} left a partial write: added {added:?}, removed {removed:?}");
        }
        let (status, answer) = self.send(user, &method, path, &body, false).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path} without the fault: {status} {answer}"
        );
        assert_ne!(
            database_rows(&self.url).await,
            before,
            "{method} {path} wrote nothing"
        );
        self.checked.push(format!("{method} {path}"));
        answer
    }
}

async fn version(d: &Department, app: &TestApp, notebook: &str) -> i64 {
    let (_, view) = d
        .manager
        .get_json(app, &format!("/api/carnets/{notebook}"))
        .await;
    view["version"].as_i64().unwrap()
}

async fn account_id(user: &User, app: &TestApp) -> String {
    let (_, me) = user.get_json(app, "/api/auth/me").await;
    me["account"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_multi_statement_write_is_all_or_nothing() {
    if !require_native("every_multi_statement_write_is_all_or_nothing") {
        return;
    }
    let app = spawn_app().await;
    let d = department(&app).await;
    let mut c = Checker {
        app: &app,
        url: app.database_url.clone().unwrap(),
        checked: Vec::new(),
    };
    let (eloise, martin) = (d.eloise.clone(), d.martin.clone());
    let base = format!("/api/write/carnets/{eloise}");

    // Notebooks: creation, identity, contact details.
    let created = c
        .write(
            Some(&d.manager),
            Method::POST,
            "/api/write/beneficiaries",
            json!({ "first_name": "Zoé", "last_name": "Transaction", "birth_date": "1991-02-03",
                    "email": crate::fixtures::unique("zoe"), "create_account": true }),
        )
        .await;
    assert!(created["notebook_id"].is_string());
    let v = version(&d, &app, &eloise).await;
    c.write(
        Some(&d.manager),
        Method::PATCH,
        &format!("{base}/identity"),
        json!({ "version": v, "birth_place": "Lyon" }),
    )
    .await;
    let v = version(&d, &app, &eloise).await;
    c.write(
        Some(&d.beneficiary),
        Method::PATCH,
        &format!("{base}/contact-details"),
        json!({ "version": v, "city": "Pantin" }),
    )
    .await;

    // Diagnostic.
    let v = version(&d, &app, &eloise).await;
    c.write(
        Some(&d.pro_a),
        Method::PATCH,
        &format!("{base}/diagnostic"),
        json!({ "version": v, "rqth": true }),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::POST,
        &format!("{base}/situations"),
        json!({ "code": "SIT-001" }),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::DELETE,
        &format!("{base}/situations/SIT-001"),
        Value::Null,
    )
    .await;
    let (_, found) = app.get_json("/api/referentiel/rome?q=boulanger").await;
    let appellation = found["results"][0]["code"].as_str().unwrap().to_string();
    let project = c
        .write(
            Some(&d.pro_a),
            Method::POST,
            &format!("{base}/job-projects"),
            json!({ "appellation": appellation }),
        )
        .await;
    let project_path = format!("{base}/job-projects/{}", project["id"].as_str().unwrap());
    let project = c
        .write(
            Some(&d.pro_a),
            Method::PATCH,
            &project_path,
            json!({ "version": project["version"], "mobility_radius_km": 20 }),
        )
        .await;
    c.write(
        Some(&d.pro_a),
        Method::DELETE,
        &format!("{project_path}?version={}", project["version"]),
        Value::Null,
    )
    .await;

    // Plan d'action.
    let focus = c
        .write(
            Some(&d.pro_a),
            Method::POST,
            &format!("{base}/focuses"),
            json!({ "theme": "logement" }),
        )
        .await;
    let focus_id = focus["id"].as_str().unwrap().to_string();
    let objectif = c
        .write(
            Some(&d.pro_a),
            Method::POST,
            &format!("{base}/focuses/{focus_id}/objectifs"),
            json!({ "label": "Trouver un logement" }),
        )
        .await;
    let objectif_path = format!("{base}/objectifs/{}", objectif["id"].as_str().unwrap());
    let action = c
        .write(
            Some(&d.pro_a),
            Method::POST,
            &format!("{objectif_path}/actions"),
            json!({ "label": "Dossier DALO", "start_date": "2026-12-01" }),
        )
        .await;
    let action_path = format!("{base}/actions/{}", action["id"].as_str().unwrap());
    let action = c
        .write(
            Some(&d.pro_a),
            Method::PATCH,
            &action_path,
            json!({ "version": action["version"], "status": "done" }),
        )
        .await;
    c.write(
        Some(&d.pro_a),
        Method::DELETE,
        &format!("{action_path}?version={}", action["version"]),
        Value::Null,
    )
    .await;
    let objectif = c
        .write(
            Some(&d.pro_a),
            Method::PATCH,
            &objectif_path,
            json!({ "version": objectif["version"], "label": "Un logement stable" }),
        )
        .await;
    c.write(
        Some(&d.pro_a),
        Method::DELETE,
        &format!("{objectif_path}?version={}", objectif["version"]),
        Value::Null,
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::DELETE,
        &format!("{base}/focuses/{focus_id}?version=1"),
        Value::Null,
    )
    .await;

    // Rendez-vous and contacts.
    let rendez_vous = c
        .write(
            Some(&d.pro_a),
            Method::POST,
            &format!("{base}/rendez-vous"),
            json!({ "starts_at": "2026-12-20T10:00:00+01:00" }),
        )
        .await;
    let rendez_vous_path = format!("{base}/rendez-vous/{}", rendez_vous["id"].as_str().unwrap());
    let rendez_vous = c
        .write(
            Some(&d.pro_a),
            Method::PATCH,
            &rendez_vous_path,
            json!({ "version": rendez_vous["version"], "starts_at": "2026-12-21T10:00:00+01:00" }),
        )
        .await;
    c.write(
        Some(&d.pro_a),
        Method::POST,
        &format!("{rendez_vous_path}/cancel"),
        json!({ "version": rendez_vous["version"] }),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::POST,
        &format!("{base}/contacts"),
        json!({}),
    )
    .await;

    // Members, referent, orientation.
    c.write(
        Some(&d.pro_a),
        Method::POST,
        &format!("{base}/members/invite"),
        json!({ "account_id": d.pro_b_id }),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::POST,
        &format!("{base}/referent"),
        json!({ "account_id": d.pro_b_id, "dispositif_id": d.dispositif }),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::POST,
        &format!("{base}/members/leave"),
        json!({}),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::POST,
        &format!("/api/write/carnets/{martin}/members/self"),
        json!({ "member_type": "member" }),
    )
    .await;
    c.write(
        Some(&d.orientation),
        Method::POST,
        &format!("/api/write/carnets/{martin}/orientation"),
        json!({ "dispositif_id": d.dispositif, "referent_account_id": d.pro_b_id }),
    )
    .await;
    let request = c
        .write(
            Some(&d.pro_b),
            Method::POST,
            &format!("{base}/orientation-requests"),
            json!({ "reason": "Projet de soins prioritaire" }),
        )
        .await;
    c.write(
        Some(&d.orientation),
        Method::POST,
        &format!(
            "/api/write/orientation-requests/{}/decision",
            request["id"].as_str().unwrap()
        ),
        json!({ "decision": "keep", "reason": "Suivi maintenu" }),
    )
    .await;

    // Accounts, roles, structures.
    let pro_b_account = account_id(&d.pro_b, &app).await;
    let structure = c
        .write(
            Some(&d.manager),
            Method::POST,
            "/api/auth/structures",
            json!({ "name": "Atelier transaction" }),
        )
        .await;
    let new_account = c
        .write(
            Some(&d.manager),
            Method::POST,
            "/api/auth/accounts",
            json!({ "email": crate::fixtures::unique("tx"), "first_name": "Inès", "last_name": "Moreau",
                    "role": "professional", "structure_id": structure["id"] }),
        )
        .await;
    let new_id = new_account["id"].as_str().unwrap().to_string();
    let granted = c
        .write(
            Some(&d.manager),
            Method::POST,
            &format!("/api/auth/accounts/{new_id}/roles"),
            json!({ "role": "orientation_manager" }),
        )
        .await;
    c.write(
        Some(&d.manager),
        Method::DELETE,
        &format!(
            "/api/auth/accounts/{new_id}/roles/{}",
            granted["role_id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    c.write(
        Some(&d.manager),
        Method::PUT,
        &format!("/api/auth/accounts/{pro_b_account}/work-contact"),
        json!({ "position": "Conseillère", "phone": "01 23 45 67 89" }),
    )
    .await;
    c.write(
        Some(&d.manager),
        Method::POST,
        &format!("/api/auth/accounts/{new_id}/disable"),
        json!({}),
    )
    .await;
    c.write(
        Some(&d.manager),
        Method::POST,
        &format!("/api/auth/accounts/{new_id}/enable"),
        json!({}),
    )
    .await;
    c.write(
        Some(&d.manager),
        Method::PATCH,
        &format!("/api/write/structures/{}", d.structure_a),
        json!({ "city": "Bobigny" }),
    )
    .await;
    c.write(
        Some(&d.manager),
        Method::POST,
        "/api/write/dispositifs",
        json!({ "name": "Parcours emploi", "orientation_type": "pro" }),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::PUT,
        "/api/auth/me/work-contact",
        json!({ "position": "Référente", "phone": "01 98 76 54 32" }),
    )
    .await;
    c.write(
        Some(&d.pro_a),
        Method::POST,
        "/api/auth/me/email",
        json!({ "email": crate::fixtures::unique("nouvelle") }),
    )
    .await;
    c.write(
        None,
        Method::POST,
        "/api/auth/magic-link",
        json!({ "email": d.pro_a.email }),
    )
    .await;

    // Signing in with the link just sent, then out.
    let token = app.last_link_token(&d.pro_a.email).await.unwrap();
    // The anonymous client keeps the session cookie the real confirmation set.
    c.write(
        None,
        Method::POST,
        "/api/auth/confirm",
        json!({ "token": token }),
    )
    .await;
    c.write(None, Method::POST, "/api/auth/logout", json!({}))
        .await;

    // Preferences. (The scheduled jobs are series of small transactions by design: the delivery
    // job leases an email, sends it, then marks it; each step is its own.)
    c.write(
        Some(&d.beneficiary),
        Method::PUT,
        "/api/notifications/preferences",
        json!({ "reminders": false }),
    )
    .await;

    // Restoring an archived notebook (natively, the fixture archived one).
    if let Some(archived) = &d.archived {
        c.write(
            Some(&d.manager),
            Method::POST,
            &format!("/api/write/carnets/{archived}/restore"),
            json!({ "reason": "Reprise de contact\nau guichet" }),
        )
        .await;
    }
    println!(
        "{} multi-statement writes failed after their first statement and left nothing: {}",
        c.checked.len(),
        c.checked.join(", ")
    );
}
