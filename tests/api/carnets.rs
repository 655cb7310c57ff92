//! The carnet: creation and duplicates, every read endpoint, who reads what (role by role, on an
//! allowed and a forbidden notebook), search, and the access log.

use crate::fixtures::{account, create_beneficiary, department, last_names, nir, patch};
use carnet_tests::{native_store, spawn_app, TestApp, User};
use serde_json::{json, Value};

async fn view(app: &TestApp, user: &User, id: &str) -> (u16, Value) {
    user.get_json(app, &format!("/api/carnets/{id}")).await
}

async fn found(app: &TestApp, user: &User, q: &str) -> Vec<String> {
    let path = format!(
        "/api/carnets/search?q={}",
        q.replace(' ', "%20").replace('+', "%2B")
    );
    let (status, body) = user.get_json(app, &path).await;
    assert_eq!(status, 200, "{q}");
    last_names(&body)
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn creation_refuses_possible_duplicates_unless_confirmed() {
    let app = spawn_app().await;
    if !app.require_test_mode("creation_refuses_possible_duplicates_unless_confirmed") {
        return;
    }
    let (manager, _) = account(&app, "manager", None).await;
    let first_nir = nir("1840176451089");
    let response = create_beneficiary(&manager, &app, json!({ "first_name": "Hélène", "last_name": "Lefèvre", "birth_date": "1984-01-01", "nir": first_nir, "department_identifier": "D-42" })).await;
    assert_eq!(response.status(), 201);
    let original: Value = response.json().await.unwrap();
    for (body, rule) in [
        (
            json!({ "first_name": "Autre", "last_name": "Personne", "nir": first_nir }),
            "nir",
        ),
        (
            json!({ "first_name": "Autre", "last_name": "Personne", "department_identifier": "D-42" }),
            "department_identifier",
        ),
        (
            json!({ "first_name": "helene", "last_name": "LEFEVRE", "birth_date": "1984-01-01" }),
            "names_and_birth_date",
        ),
    ] {
        let response = create_beneficiary(&manager, &app, body.clone()).await;
        assert_eq!(response.status(), 409, "{rule}");
        let conflict: Value = response.json().await.unwrap();
        assert_eq!(conflict["error"]["code"], "possible_duplicate");
        assert_eq!(
            conflict["error"]["details"]["duplicates"][0]["notebook_id"],
            original["notebook_id"]
        );
        assert_eq!(conflict["error"]["details"]["duplicates"][0]["rule"], rule);
    }
    // Same names, another birth date: not a duplicate. Confirmed as a different person: created.
    let other = create_beneficiary(
        &manager,
        &app,
        json!({ "first_name": "Hélène", "last_name": "Lefèvre", "birth_date": "1990-05-05" }),
    )
    .await;
    assert_eq!(other.status(), 201);
    let confirmed = create_beneficiary(&manager, &app, json!({ "first_name": "Hélène", "last_name": "Lefèvre", "birth_date": "1984-01-01", "confirm_different_person": true })).await;
    assert_eq!(confirmed.status(), 201);
    let (status, list) = manager.get_json(&app, "/api/carnets/departement").await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 3);
}

#[tokio::test]
async fn an_identity_change_that_makes_a_duplicate_is_refused_unless_confirmed() {
    let app = spawn_app().await;
    if !app
        .require_test_mode("an_identity_change_that_makes_a_duplicate_is_refused_unless_confirmed")
    {
        return;
    }
    let (manager, _) = account(&app, "manager", None).await;
    let created = |body: Value| {
        let (manager, app) = (&manager, &app);
        async move {
            let response = create_beneficiary(manager, app, body).await;
            assert_eq!(response.status(), 201);
            let created: Value = response.json().await.unwrap();
            created["notebook_id"].as_str().unwrap().to_string()
        }
    };
    let first_nir = nir("1840176451089");
    let original = created(
        json!({ "first_name": "Hélène", "last_name": "Lefèvre", "birth_date": "1984-01-01",
        "nir": first_nir, "department_identifier": "D-42" }),
    )
    .await;
    let other_nir = nir("1700275123456");
    let paul = created(
        json!({ "first_name": "Paul", "last_name": "Martin", "birth_date": "1970-02-02",
        "nir": other_nir, "department_identifier": "D-7" }),
    )
    .await;
    let namesake = created(
        json!({ "first_name": "Hélène", "last_name": "Lefèvre", "birth_date": "1990-05-05" }),
    )
    .await;

    let identity = |id: &str| format!("/api/write/carnets/{id}/identity");
    let read = |id: String| {
        let (manager, app) = (&manager, &app);
        async move {
            let (status, body) = view(app, manager, &id).await;
            assert_eq!(status, 200);
            body
        }
    };
    for (notebook, change, rule) in [
        (&paul, json!({ "nir": first_nir }), "nir"),
        (
            &paul,
            json!({ "department_identifier": "D-42" }),
            "department_identifier",
        ),
        (
            &namesake,
            json!({ "birth_date": "1984-01-01" }),
            "names_and_birth_date",
        ),
    ] {
        let before = read(notebook.clone()).await;
        let mut body = change.clone();
        body["version"] = before["version"].clone();
        let response = patch(&manager, &app, &identity(notebook), body).await;
        assert_eq!(response.status(), 409, "{rule}");
        let conflict: Value = response.json().await.unwrap();
        assert_eq!(conflict["error"]["code"], "possible_duplicate", "{rule}");
        assert_eq!(
            conflict["error"]["details"]["duplicates"][0]["notebook_id"],
            original.as_str(),
            "{rule}"
        );
        assert_eq!(conflict["error"]["details"]["duplicates"][0]["rule"], rule);
        assert_eq!(
            conflict["error"]["details"]["duplicates"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "{rule}"
        );
        let after = read(notebook.clone()).await;
        assert_eq!(
            after["beneficiary"], before["beneficiary"],
            "{rule}: nothing changed"
        );
        assert_eq!(after["version"], before["version"], "{rule}");
    }
    // Confirmed as another person: saved, and the confirmation is audited with what it resembled.
    let before = read(namesake.clone()).await;
    let response = patch(&manager, &app, &identity(&namesake),
        json!({ "version": before["version"], "birth_date": "1984-01-01", "confirm_different_person": true })).await;
    assert_eq!(response.status(), 200);
    let after = read(namesake.clone()).await;
    assert_eq!(after["beneficiary"]["birth_date"], "1984-01-01");
    if let Some(url) = &app.database_url {
        let db = native_store(url).connect().await.unwrap();
        let actions = carnet_store::repo::audit::actions_for_target(&db, &namesake)
            .await
            .unwrap();
        assert!(
            actions
                .iter()
                .any(|a| a == "identity_duplicate_confirmed_different"),
            "{actions:?}"
        );
    }
    // A correction that touches none of the rules' fields is not asked about again.
    let response = patch(&manager, &app, &identity(&namesake),
        json!({ "version": after["version"], "birth_place": "Bobigny", "rsa_right": "rsa_droit_ouvert_versable" })).await;
    assert_eq!(response.status(), 200);
    // Nor is a change back to what is not a duplicate.
    let current = read(paul.clone()).await;
    let response = patch(
        &manager,
        &app,
        &identity(&paul),
        json!({ "version": current["version"], "department_identifier": "D-8" }),
    )
    .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_invalid_beneficiary_is_refused_field_by_field_and_nothing_is_written() {
    let app = spawn_app().await;
    if !app.require_test_mode(
        "an_invalid_beneficiary_is_refused_field_by_field_and_nothing_is_written",
    ) {
        return;
    }
    let (manager, _) = account(&app, "manager", None).await;
    let response = create_beneficiary(
        &manager,
        &app,
        json!({ "first_name": "  ", "last_name": "x".repeat(101), "birth_date": "2099-01-01", "nir": "123", "email": "nope",
                "phone": "12", "postal_code": "9300", "rsa_right": "inconnu", "create_account": true }),
    )
    .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let mut fields: Vec<String> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    fields.sort();
    fields.dedup();
    assert_eq!(
        fields,
        [
            "birth_date",
            "email",
            "first_name",
            "last_name",
            "nir",
            "phone",
            "postal_code",
            "rsa_right"
        ]
    );
    assert!(body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !f["message"].as_str().unwrap().is_empty()));
    let unknown_field = create_beneficiary(
        &manager,
        &app,
        json!({ "first_name": "A", "last_name": "B", "colour": "blue" }),
    )
    .await;
    assert_eq!(unknown_field.status(), 422);
    let (_, list) = manager.get_json(&app, "/api/carnets/departement").await;
    assert_eq!(list["total"], 0, "nothing was written");
    // Only managers and orientation managers create beneficiaries.
    let (pro, _) = account(&app, "professional", Some("CCAS")).await;
    let refused =
        create_beneficiary(&pro, &app, json!({ "first_name": "A", "last_name": "B" })).await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn who_reads_what_role_by_role() {
    let app = spawn_app().await;
    if !app.require_test_mode("who_reads_what_role_by_role") {
        return;
    }
    let d = department(&app).await;
    // Manager: full, with the NIR; archived too.
    let (status, body) = view(&app, &d.manager, &d.eloise).await;
    assert_eq!(status, 200);
    assert_eq!(body["view"], "full");
    assert_eq!(body["beneficiary"]["nir"], d.eloise_nir.as_str());
    assert_eq!(body["members"][0]["member_type"], "referent");
    assert_eq!(
        body["members"][0]["structure"]["name"], "Centre d'addictologie",
        "members see the real name"
    );
    assert_eq!(
        body["orientation"]["dispositif"]["name"],
        "Accompagnement social"
    );
    // Orientation manager: full, no NIR.
    let (status, body) = view(&app, &d.orientation, &d.eloise).await;
    assert_eq!(status, 200);
    assert!(body["beneficiary"].get("nir").is_none());
    assert_eq!(body["beneficiary"]["caf_number"], d.caf.as_str());
    // The referent (pro A): full, no NIR.
    let (status, body) = view(&app, &d.pro_a, &d.eloise).await;
    assert_eq!(status, 200);
    assert_eq!(body["view"], "full");
    assert!(body["beneficiary"].get("nir").is_none());
    assert!(body["diagnostic"].is_object());
    // Another structure's professional: the restricted card, exactly.
    let (status, card) = view(&app, &d.pro_b, &d.eloise).await;
    assert_eq!(status, 200);
    assert_eq!(keys(&card), ["beneficiary", "id", "members", "view"]);
    assert_eq!(card["view"], "card");
    assert_eq!(
        keys(&card["beneficiary"]),
        ["birth_date", "first_name", "last_name"]
    );
    assert_eq!(card["beneficiary"]["first_name"], "Éloïse");
    let member = &card["members"][0];
    assert_eq!(
        keys(member),
        [
            "account_id",
            "email",
            "first_name",
            "joined_at",
            "last_name",
            "member_type",
            "phone",
            "position",
            "structure"
        ]
    );
    assert_eq!(
        member["structure"],
        json!({ "name": "structure d'accompagnement" }),
        "a sensitive structure is masked"
    );
    let text = card.to_string();
    for secret in [
        d.eloise_nir.as_str(),
        d.caf.as_str(),
        "rqth",
        "diagnostic",
        "situations",
        "rsa",
    ] {
        assert!(!text.contains(secret), "the card leaks {secret}");
    }
    // Structure admins: their structure's notebooks only.
    assert_eq!(view(&app, &d.admin_a, &d.eloise).await.0, 200);
    assert_eq!(view(&app, &d.admin_a, &d.martin).await.0, 404);
    assert_eq!(view(&app, &d.admin_b, &d.eloise).await.0, 404);
    // The beneficiary: their own notebook and nothing else.
    let (status, own) = view(&app, &d.beneficiary, &d.eloise).await;
    assert_eq!(status, 200);
    assert!(own["beneficiary"].get("nir").is_none());
    assert_eq!(view(&app, &d.beneficiary, &d.martin).await.0, 404);
    // The platform admin: no notebook content.
    assert_eq!(view(&app, &d.platform_admin, &d.eloise).await.0, 404);
    // Unknown and malformed ids.
    assert_eq!(
        view(&app, &d.manager, &uuid::Uuid::new_v4().to_string())
            .await
            .0,
        404
    );
    assert_eq!(view(&app, &d.manager, "nimporte").await.0, 404);
    // Not signed in.
    assert_eq!(
        app.get(&format!("/api/carnets/{}", d.eloise))
            .await
            .status(),
        401
    );
    // Archived: the manager reads it; its member knows it (403); the others may not know it (404).
    if let Some(archived) = &d.archived {
        assert_eq!(view(&app, &d.manager, archived).await.0, 200);
        assert_eq!(view(&app, &d.pro_a, archived).await.0, 403);
        assert_eq!(view(&app, &d.orientation, archived).await.0, 403);
        assert_eq!(view(&app, &d.pro_b, archived).await.0, 404);
        assert_eq!(view(&app, &d.admin_b, archived).await.0, 404);
    }
    // Timeline: full access only.
    assert_eq!(
        d.pro_a
            .get_json(&app, &format!("/api/carnets/{}/timeline", d.eloise))
            .await
            .0,
        200
    );
    assert_eq!(
        d.beneficiary
            .get_json(&app, &format!("/api/carnets/{}/timeline", d.eloise))
            .await
            .0,
        200
    );
    assert_eq!(
        d.pro_b
            .get_json(&app, &format!("/api/carnets/{}/timeline", d.eloise))
            .await
            .0,
        403
    );
    assert_eq!(
        d.admin_b
            .get_json(&app, &format!("/api/carnets/{}/timeline", d.eloise))
            .await
            .0,
        404
    );
    assert_eq!(
        d.platform_admin
            .get_json(&app, &format!("/api/carnets/{}/timeline", d.eloise))
            .await
            .0,
        404
    );
    // Every read left an access-log row: who, which notebook, which view.
    if let Some(url) = &app.database_url {
        let db = native_store(url).connect().await.unwrap();
        let rows = db
            .query(
                "SELECT role, view FROM notebook_access_log WHERE notebook_id = $1 ORDER BY at, id",
                &[d.eloise.clone().into()],
            )
            .await
            .unwrap();
        let views: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r.get("role").unwrap(), r.get("view").unwrap()))
            .collect();
        for expected in [
            ("manager", "full"),
            ("professional", "card"),
            ("beneficiary", "timeline"),
            ("structure_admin", "full"),
        ] {
            assert!(
                views.contains(&(expected.0.to_string(), expected.1.to_string())),
                "{expected:?} in {views:?}"
            );
        }
        assert_eq!(
            views.len(),
            8,
            "one row per successful read, none for refusals: {views:?}"
        );
    }
}

#[tokio::test]
async fn lists_show_the_right_notebooks_to_the_right_roles() {
    let app = spawn_app().await;
    if !app.require_test_mode("lists_show_the_right_notebooks_to_the_right_roles") {
        return;
    }
    let d = department(&app).await;
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                format!(
                    "{} {}",
                    i["first_name"].as_str().unwrap(),
                    i["last_name"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (status, portfolio) = d.pro_a.get_json(&app, "/api/carnets/portfolio").await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&portfolio),
        ["Éloïse Dupont"],
        "archived notebooks are in no list"
    );
    assert_eq!(
        portfolio["items"][0]["referent"]
            .as_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    assert_eq!(
        d.pro_b.get_json(&app, "/api/carnets/portfolio").await.1["total"],
        0
    );
    let (status, structure) = d.admin_a.get_json(&app, "/api/carnets/structure").await;
    assert_eq!(status, 200);
    assert_eq!(names(&structure), ["Éloïse Dupont"]);
    assert_eq!(
        d.admin_b.get_json(&app, "/api/carnets/structure").await.1["total"],
        0
    );
    let (status, all) = d.manager.get_json(&app, "/api/carnets/departement").await;
    assert_eq!(status, 200);
    assert_eq!(names(&all), ["Éloïse Dupont", "Jean Martin"]);
    let (_, without) = d
        .orientation
        .get_json(&app, "/api/carnets/departement?sans_referent=true")
        .await;
    assert_eq!(names(&without), ["Jean Martin"]);
    assert_eq!(without["total"], 1);
    assert_eq!(all["total"], 2, "the archived notebook is not counted");
    let (_, rsa) = d
        .manager
        .get_json(
            &app,
            "/api/carnets/departement?rsa=rsa_droit_ouvert_versable",
        )
        .await;
    assert_eq!(names(&rsa), ["Éloïse Dupont"]);
    assert_eq!(
        rsa["total"], 1,
        "counted with the condition on the beneficiary"
    );
    let (_, pending) = d
        .manager
        .get_json(&app, "/api/carnets/departement?orientation_en_attente=true")
        .await;
    assert_eq!(pending["total"], 0);
    assert_eq!(
        d.manager
            .get_json(&app, "/api/carnets/departement?rsa=inconnu")
            .await
            .0,
        422
    );
    let (_, paged) = d
        .manager
        .get_json(&app, "/api/carnets/departement?per_page=1&page=2")
        .await;
    assert_eq!(
        (names(&paged), paged["total"].as_i64()),
        (vec!["Jean Martin".to_string()], Some(2))
    );
    assert_eq!(
        d.manager
            .get_json(&app, "/api/carnets/departement?per_page=500")
            .await
            .0,
        422
    );
    // The structures, for staff.
    let (status, structures) = d.pro_a.get_json(&app, "/api/carnets/structures").await;
    assert_eq!(status, 200);
    let sensitive: Vec<bool> = structures["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sensitive"].as_bool().unwrap())
        .collect();
    assert_eq!(sensitive.len(), 2);
    assert!(sensitive.contains(&true));
    assert_eq!(
        d.beneficiary
            .get_json(&app, "/api/carnets/structures")
            .await
            .0,
        403
    );
    // Recently viewed.
    d.pro_b
        .get_json(&app, &format!("/api/carnets/{}", d.martin))
        .await;
    d.pro_b
        .get_json(&app, &format!("/api/carnets/{}", d.eloise))
        .await;
    let (status, recent) = d.pro_b.get_json(&app, "/api/carnets/recent").await;
    assert_eq!(status, 200);
    let recent: Vec<&str> = recent
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["last_name"].as_str().unwrap())
        .collect();
    assert_eq!(recent, ["Dupont", "Martin"]);
    // Forbidden lists per role.
    for (user, path) in [
        (&d.pro_a, "/api/carnets/departement"),
        (&d.admin_a, "/api/carnets/departement"),
        (&d.beneficiary, "/api/carnets/portfolio"),
        (&d.beneficiary, "/api/carnets/search?q=dupont"),
        (&d.beneficiary, "/api/carnets/recent"),
        (&d.platform_admin, "/api/carnets/search?q=dupont"),
        (&d.platform_admin, "/api/carnets/departement"),
        (&d.manager, "/api/carnets/structure"),
        (&d.pro_a, "/api/carnets/structure"),
    ] {
        assert_eq!(user.get_json(&app, path).await.0, 403, "{path}");
    }
    let _ = &d.structure_a;
}

#[tokio::test]
async fn search_tolerates_accents_case_and_typos_and_finds_identifiers() {
    let app = spawn_app().await;
    if !app.require_test_mode("search_tolerates_accents_case_and_typos_and_finds_identifiers") {
        return;
    }
    let d = department(&app).await;
    for q in [
        "eloise dupond",
        "dupon",
        "ÉLOÏSE",
        "Dupont Éloïse",
        "elois",
        "dupomt",
    ] {
        assert_eq!(found(&app, &d.pro_b, q).await, ["Dupont"], "{q}");
    }
    assert_eq!(found(&app, &d.pro_b, "martin").await, ["Martin"]);
    assert!(found(&app, &d.pro_b, "durand").await.is_empty());
    assert_eq!(
        found(&app, &d.pro_b, &d.caf).await,
        ["Dupont"],
        "CAF number"
    );
    assert_eq!(
        found(&app, &d.pro_b, &d.ft.to_lowercase()).await,
        ["Dupont"],
        "France Travail identifier"
    );
    assert_eq!(
        found(&app, &d.pro_b, "+33 6 12 34 56 78").await,
        ["Dupont"],
        "phone"
    );
    assert_eq!(
        found(&app, &d.pro_b, "0612345678").await,
        ["Dupont"],
        "phone"
    );
    // The archived "Éloïse Dupontel" is never found.
    assert!(!found(&app, &d.manager, "dupontel")
        .await
        .contains(&"Dupontel".to_string()));
    // A structure admin finds only their structure's notebooks.
    assert_eq!(found(&app, &d.admin_a, "dupont").await, ["Dupont"]);
    assert!(found(&app, &d.admin_b, "dupont").await.is_empty());
    assert_eq!(
        d.pro_b.get_json(&app, "/api/carnets/search?q=a").await.0,
        422
    );
}

/// The first names on a page of a list, and the list's total.
async fn first_names_and_total(app: &TestApp, user: &User, path: &str) -> (Vec<String>, i64) {
    let (status, body) = user.get_json(app, path).await;
    assert_eq!(status, 200, "{path}");
    let first_names = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["first_name"].as_str().unwrap().to_string())
        .collect();
    (first_names, body["total"].as_i64().unwrap())
}

#[tokio::test]
async fn search_and_portfolio_are_paged_in_name_order() {
    let app = spawn_app().await;
    if !app.require_test_mode("search_and_portfolio_are_paged_in_name_order") {
        return;
    }
    let d = department(&app).await;
    for (first_name, birth_date) in [
        ("Marie-Claire", "1985-02-02"),
        ("Aurélie", "1990-03-03"),
        ("Marie", "1980-01-01"),
    ] {
        let body =
            json!({ "first_name": first_name, "last_name": "Lefort", "birth_date": birth_date });
        let response = create_beneficiary(&d.manager, &app, body).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        let notebook = created["notebook_id"].as_str().unwrap();
        let join = d
            .pro_b
            .post_json(
                &app,
                &format!("/api/write/carnets/{notebook}/members/self"),
                &json!({ "member_type": "member" }),
            )
            .await;
        assert_eq!(join.status(), 201);
    }
    let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let search = |q: &str, page: u32| format!("/api/carnets/search?q={q}&per_page=2&page={page}");
    for (path, expected) in [
        // One word: counted and paged in the database.
        (search("lefort", 1), (names(&["Aurélie", "Marie"]), 3)),
        (search("lefort", 2), (names(&["Marie-Claire"]), 3)),
        // Several words: every one must match; the matches are paged the same way.
        (
            search("marie%20lefort", 1),
            (names(&["Marie", "Marie-Claire"]), 2),
        ),
        (search("lefort%20marie", 2), (names(&[]), 2)),
        (search("lefort%20claire", 1), (names(&["Marie-Claire"]), 1)),
    ] {
        assert_eq!(
            first_names_and_total(&app, &d.manager, &path).await,
            expected,
            "{path}"
        );
    }
    // A portfolio (the memberships' index) is paged in the same order.
    for (page, expected) in [
        (1, (names(&["Aurélie", "Marie"]), 3)),
        (2, (names(&["Marie-Claire"]), 3)),
    ] {
        let path = format!("/api/carnets/portfolio?per_page=2&page={page}");
        assert_eq!(
            first_names_and_total(&app, &d.pro_b, &path).await,
            expected,
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_timeline_is_paged_and_filtered() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_timeline_is_paged_and_filtered") {
        return;
    }
    app.set_clock("2027-03-01T10:00:00Z").await;
    let d = department(&app).await;
    app.set_clock("2027-03-01T12:00:00Z").await;
    let response = d
        .pro_b
        .post_json(
            &app,
            &format!("/api/write/carnets/{}/members/self", d.eloise),
            &json!({ "member_type": "member" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let path = format!("/api/carnets/{}/timeline", d.eloise);
    let (status, all) = d.pro_a.get_json(&app, &path).await;
    assert_eq!(status, 200);
    assert_eq!(all["total"], 3);
    assert_eq!(
        all["items"][0]["event_type"], "member_joined",
        "newest first"
    );
    assert_eq!(all["items"][0]["at"], "2027-03-01T12:00:00.000000Z");
    assert!(all["items"][0]["actor"].is_string());
    let (_, joined) = d
        .pro_a
        .get_json(&app, &format!("{path}?type=member_joined"))
        .await;
    assert_eq!(joined["total"], 2);
    let (_, text) = d.pro_a.get_json(&app, &format!("{path}?q=creation")).await;
    assert_eq!(text["total"], 1, "accent-insensitive text filter");
    assert_eq!(text["items"][0]["summary"], "Création du carnet");
    let (_, paged) = d
        .pro_a
        .get_json(&app, &format!("{path}?per_page=1&page=1"))
        .await;
    assert_eq!(
        (
            paged["items"].as_array().unwrap().len(),
            paged["total"].as_i64()
        ),
        (1, Some(3))
    );
    let (_, in_period) = d
        .pro_a
        .get_json(&app, &format!("{path}?from=2027-03-01&to=2027-03-01"))
        .await;
    assert_eq!(in_period["total"], 3);
    let (_, later) = d
        .pro_a
        .get_json(&app, &format!("{path}?from=2027-03-02"))
        .await;
    assert_eq!(later["total"], 0);
    let (_, before) = d
        .pro_a
        .get_json(&app, &format!("{path}?to=2027-02-28"))
        .await;
    assert_eq!(before["total"], 0);
    assert_eq!(
        d.pro_a
            .get_json(&app, &format!("{path}?from=01/03/2027"))
            .await
            .0,
        422
    );
}

async fn statuses(app: &TestApp, user: &User, paths: &[String]) -> Vec<u16> {
    let mut out = Vec::new();
    for path in paths {
        out.push(user.get_json(app, path).await.0);
    }
    out
}

#[tokio::test]
async fn a_notebook_read_refuses_every_session_the_others_refuse() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_notebook_read_refuses_every_session_the_others_refuse") {
        return;
    }
    // The notebook endpoints read the session together with the notebook's facts: the same
    // rules must hold there as everywhere.
    let d = department(&app).await;
    let paths = [
        format!("/api/carnets/{}", d.eloise),
        format!("/api/carnets/{}/timeline", d.eloise),
    ];
    assert_eq!(statuses(&app, &d.manager, &paths).await, [200, 200]);
    // Staff who have not accepted the CGU.
    let pro_email = crate::fixtures::unique("pro-sans-cgu");
    app.create_account(&pro_email, "professional", Some("CCAS"))
        .await;
    let without_cgu = app.sign_in_without_cgu(&pro_email).await;
    for path in &paths {
        let (status, body) = without_cgu.get_json(&app, path).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"]["code"], "cgu_required", "{path}");
    }
    // Expired by the instance's clock, then back.
    app.set_clock("2099-01-01T00:00:00Z").await;
    assert_eq!(statuses(&app, &d.manager, &paths).await, [401, 401]);
    let back = app
        .send_json(reqwest::Method::DELETE, "/api/test/clock", &json!({}))
        .await;
    assert_eq!(back.status(), 204);
    assert_eq!(statuses(&app, &d.manager, &paths).await, [200, 200]);
    // Ended by a logout; not an id, not signed in.
    let response = d
        .manager
        .post_json(&app, "/api/auth/logout", &json!({}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(statuses(&app, &d.manager, &paths).await, [401, 401]);
    assert_eq!(app.get("/api/carnets/nimporte").await.status(), 401);
    // A disabled account.
    let (manager, _) = account(&app, "manager", None).await;
    let (pro, created) = account(&app, "professional", Some("CCAS")).await;
    let id = created["account_id"].as_str().unwrap();
    assert_eq!(
        manager
            .post_json(
                &app,
                &format!("/api/auth/accounts/{id}/disable"),
                &json!({})
            )
            .await
            .status(),
        200
    );
    assert_eq!(statuses(&app, &pro, &paths).await, [401, 401]);
}
