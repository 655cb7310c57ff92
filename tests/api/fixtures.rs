//! Shared fixtures: accounts of every role and a small département.

use carnet_tests::{native_store, TestApp, User};
use serde_json::{json, Value};

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}@exemple.fr", uuid::Uuid::new_v4().simple())
}

/// POSTs a JSON body (same origin); the status and the JSON answer (null when there is none).
pub async fn post(user: &User, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let response = user.post_json(app, path, &body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// PATCHes a JSON body (same origin).
pub async fn patch(user: &User, app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    send(user, app, reqwest::Method::PATCH, path, body).await
}

/// Sends a JSON body with this method (same origin, the session cookie).
pub async fn send(
    user: &User,
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    user.client
        .request(method, app.url(path))
        .header("origin", &app.base_url)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The last names of a list's items, in order.
pub fn last_names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["last_name"].as_str().unwrap().to_string())
        .collect()
}

/// A NIR with its right key.
pub fn nir(body13: &str) -> String {
    let number: u64 = body13.parse().unwrap();
    format!("{body13}{:02}", 97 - number % 97)
}

pub struct Department {
    pub manager: User,
    pub orientation: User,
    pub platform_admin: User,
    pub pro_a: User,
    pub pro_b: User,
    pub admin_a: User,
    pub admin_b: User,
    pub beneficiary: User,
    pub structure_a: String,
    pub eloise: String,
    pub martin: String,
    pub archived: Option<String>,
    pub eloise_nir: String,
    pub caf: String,
    pub ft: String,
    pub dispositif: String,
    pub pro_a_id: String,
    pub pro_b_id: String,
}

pub async fn account(app: &TestApp, role: &str, structure: Option<&str>) -> (User, Value) {
    let email = unique(role);
    let created = app.create_account(&email, role, structure).await;
    (app.sign_in(&email).await, created)
}

pub async fn create_beneficiary(manager: &User, app: &TestApp, body: Value) -> reqwest::Response {
    manager
        .post_json(app, "/api/write/beneficiaries", &body)
        .await
}

/// A small département: two structures (A sensitive), their admins and professionals, a manager,
/// an orientation manager, a platform admin; Éloïse (referent: pro A, with a beneficiary
/// account), Jean Martin (no referent), and an archived notebook.
pub async fn department(app: &TestApp) -> Department {
    let (manager, _) = account(app, "manager", None).await;
    let (orientation, _) = account(app, "orientation_manager", None).await;
    let (platform_admin, _) = account(app, "platform_admin", None).await;
    let (admin_a, created_a) = account(app, "structure_admin", Some("Centre d'addictologie")).await;
    let structure_a = created_a["structure_id"].as_str().unwrap().to_string();
    let (admin_b, created_b) = account(app, "structure_admin", Some("Mission locale")).await;
    let structure_b = created_b["structure_id"].as_str().unwrap().to_string();
    let (pro_a, pro_a_created) = account(app, "professional", Some(&structure_a)).await;
    let (pro_b, pro_b_created) = account(app, "professional", Some(&structure_b)).await;
    let response = manager
        .client
        .patch(app.url(&format!("/api/write/structures/{structure_a}")))
        .header("origin", &app.base_url)
        .json(&json!({ "sensitive": true, "siret": "12345678901234" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let dispositif: Value = manager
        .post_json(
            app,
            "/api/write/dispositifs",
            &json!({ "name": "Accompagnement social", "orientation_type": "social" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let eloise_email = unique("eloise");
    let eloise_nir = nir("2850775123456");
    let caf = format!(
        "{}",
        1_000_000 + (uuid::Uuid::new_v4().as_u128() % 8_000_000)
    );
    let ft = format!("FT{}", &uuid::Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    let response = create_beneficiary(
        &manager,
        app,
        json!({
            "first_name": "Éloïse", "last_name": "Dupont", "birth_date": "1985-07-14", "nir": eloise_nir,
            "caf_number": caf, "ft_identifier": ft, "phone": "06 12 34 56 78", "email": eloise_email,
            "rsa_right": "rsa_droit_ouvert_versable", "create_account": true, "postal_code": "93000", "city": "Bobigny"
        }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let eloise: Value = response.json().await.unwrap();
    let eloise_id = eloise["notebook_id"].as_str().unwrap().to_string();
    let response = pro_a
        .post_json(
            app,
            &format!("/api/write/carnets/{eloise_id}/members/self"),
            &json!({ "member_type": "referent", "dispositif_id": dispositif["id"] }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let beneficiary = app.sign_in_without_cgu(&eloise_email).await;
    let response = create_beneficiary(
        &manager,
        app,
        json!({ "first_name": "Jean", "last_name": "Martin", "birth_date": "1970-01-02" }),
    )
    .await;
    let martin: Value = response.json().await.unwrap();
    let archived = match &app.database_url {
        Some(url) => {
            let response = create_beneficiary(&manager, app, json!({ "first_name": "Éloïse", "last_name": "Dupontel", "birth_date": "1960-03-03" })).await;
            let body: Value = response.json().await.unwrap();
            let id = body["notebook_id"].as_str().unwrap().to_string();
            pro_a
                .post_json(
                    app,
                    &format!("/api/write/carnets/{id}/members/self"),
                    &json!({ "member_type": "member" }),
                )
                .await;
            // Archived as the retention job does it.
            let db = native_store(url).connect().await.unwrap();
            let archived = carnet_store::repo::jobs::archive(
                &db,
                carnet_domain::Id::parse(&id).unwrap(),
                carnet_domain::Instant::parse("2026-01-01T00:00:00Z").unwrap(),
            )
            .await
            .unwrap();
            assert!(archived);
            Some(id)
        }
        None => None,
    };
    Department {
        manager,
        orientation,
        platform_admin,
        pro_a,
        pro_b,
        admin_a,
        admin_b,
        beneficiary,
        structure_a,
        eloise: eloise_id,
        martin: martin["notebook_id"].as_str().unwrap().to_string(),
        archived,
        eloise_nir,
        caf,
        ft,
        dispositif: dispositif["id"].as_str().unwrap().to_string(),
        pro_a_id: pro_a_created["account_id"].as_str().unwrap().to_string(),
        pro_b_id: pro_b_created["account_id"].as_str().unwrap().to_string(),
    }
}

/// Every row of every table but the reference lists, as text (table, row), sorted: two
/// snapshots are equal when nothing was written in between.
pub async fn database_rows(url: &str) -> Vec<(String, String)> {
    let db = native_store(url).connect().await.unwrap();
    let tables_sql = match db.dialect() {
        carnet_store::Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        carnet_store::Dialect::Postgres => "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
    };
    let mut out = Vec::new();
    for row in db.query(tables_sql, &[]).await.unwrap() {
        let table: String = row.get("name").unwrap();
        if table.starts_with("ref_") {
            continue;
        }
        for data in db
            .query(&format!("SELECT * FROM {table}"), &[])
            .await
            .unwrap()
        {
            out.push((table.clone(), format!("{data:?}")));
        }
    }
    out.sort();
    out
}

/// A « logement » axe de travail in a notebook, with one free objectif, made by `user`: the
/// paths to add objectifs under the axe and actions under the objectif.
pub struct LogementPlan {
    pub objectifs: String,
    pub actions: String,
}

pub async fn logement_plan(user: &User, app: &TestApp, notebook: &str) -> LogementPlan {
    let base = format!("/api/write/carnets/{notebook}");
    let (status, focus) = post(
        user,
        app,
        &format!("{base}/focuses"),
        json!({ "theme": "logement" }),
    )
    .await;
    assert_eq!(status, 201, "{focus}");
    let objectifs = format!("{base}/focuses/{}/objectifs", focus["id"].as_str().unwrap());
    let (status, objectif) = post(
        user,
        app,
        &objectifs,
        json!({ "label": "Trouver un logement" }),
    )
    .await;
    assert_eq!(status, 201, "{objectif}");
    let actions = format!(
        "{base}/objectifs/{}/actions",
        objectif["id"].as_str().unwrap()
    );
    LogementPlan { objectifs, actions }
}
