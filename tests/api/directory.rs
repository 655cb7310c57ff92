//! The accounts directory (`GET /api/auth/accounts`): who lists which accounts, search, filters,
//! paging, and what each account says the caller may do with it.

use crate::fixtures::{account, department, unique};
use carnet_tests::{spawn_app, TestApp, User};
use serde_json::{json, Value};

async fn list(app: &TestApp, user: &User, query: &str) -> Value {
    let (status, body) = user
        .get_json(app, &format!("/api/auth/accounts{query}"))
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn emails(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_string())
        .collect()
}

fn item<'a>(body: &'a Value, email: &str) -> &'a Value {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == email)
        .unwrap_or_else(|| panic!("{email} in {body}"))
}

fn grantable(body: &Value) -> Vec<String> {
    body["grantable_roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap().to_string())
        .collect()
}

async fn create(app: &TestApp, by: &User, body: Value) -> Value {
    let response = by.post_json(app, "/api/auth/accounts", &body).await;
    assert_eq!(response.status(), 201, "create account");
    response.json().await.unwrap()
}

#[tokio::test]
async fn managers_and_the_platform_admin_list_every_staff_account_structure_admins_their_own() {
    let app = spawn_app().await;
    if !app.require_test_mode(
        "managers_and_the_platform_admin_list_every_staff_account_structure_admins_their_own",
    ) {
        return;
    }
    let d = department(&app).await;
    let helene = unique("helene");
    let created = create(
        &app,
        &d.manager,
        json!({ "email": helene, "first_name": "Hélène", "last_name": "Lefèvre", "role": "professional", "structure_id": d.structure_a }),
    )
    .await;
    let aaron = unique("aaron");
    create(
        &app,
        &d.admin_a,
        json!({ "email": aaron, "first_name": "Aaron", "last_name": "Abadie", "role": "professional", "structure_id": d.structure_a }),
    )
    .await;

    // Managers: every staff account (never a beneficiary's), sorted by last name, with emails.
    let all = list(&app, &d.manager, "?per_page=100").await;
    let staff = [
        &d.manager.email,
        &d.orientation.email,
        &d.platform_admin.email,
        &d.admin_a.email,
        &d.admin_b.email,
        &d.pro_a.email,
        &d.pro_b.email,
        &helene,
        &aaron,
    ];
    assert_eq!(all["total"], staff.len());
    let mut listed = emails(&all);
    listed.sort();
    let mut expected: Vec<String> = staff.iter().map(|e| e.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected, "no beneficiary account");
    assert!(!emails(&all).contains(&d.beneficiary.email));
    assert_eq!(
        all["items"][0]["last_name"], "Abadie",
        "sorted by last name"
    );
    assert_eq!(
        all["items"][1]["last_name"], "Lefèvre",
        "accents sort as letters"
    );
    let row = item(&all, &helene);
    assert_eq!(row["id"], created["id"]);
    assert_eq!(row["first_name"], "Hélène");
    assert_eq!(row["disabled"], false);
    assert_eq!(row["roles"][0]["role"], "professional");
    assert_eq!(row["roles"][0]["structure"]["id"], d.structure_a.as_str());
    assert_eq!(
        row["roles"][0]["structure"]["name"],
        "Centre d'addictologie"
    );
    assert_eq!(row["roles"][0]["may_revoke"], true);
    assert_eq!(row["may_disable"], true);
    let own = item(&all, &d.manager.email);
    assert_eq!(own["is_self"], true);
    assert_eq!(own["may_disable"], false, "never one's own account");
    assert_eq!(item(&all, &d.platform_admin.email)["may_disable"], false);
    assert_eq!(
        grantable(&all),
        ["orientation_manager", "structure_admin", "professional"]
    );

    // The platform admin: the same accounts; may act on managers only.
    let seen = list(&app, &d.platform_admin, "?per_page=100").await;
    assert_eq!(seen["total"], staff.len());
    assert_eq!(item(&seen, &d.manager.email)["may_disable"], true);
    assert_eq!(
        item(&seen, &d.manager.email)["roles"][0]["may_revoke"],
        true
    );
    assert_eq!(item(&seen, &helene)["may_disable"], false);
    assert_eq!(item(&seen, &helene)["roles"][0]["may_revoke"], false);
    assert_eq!(grantable(&seen), ["manager"]);

    // A structure admin: the accounts with a role in their structure, whatever they ask for.
    let mine = list(&app, &d.admin_a, "?per_page=100").await;
    let mut listed = emails(&mine);
    listed.sort();
    let mut expected = vec![
        d.admin_a.email.clone(),
        d.pro_a.email.clone(),
        helene.clone(),
        aaron.clone(),
    ];
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(item(&mine, &d.pro_a.email)["may_disable"], true);
    assert_eq!(item(&mine, &d.admin_a.email)["is_self"], true);
    assert_eq!(grantable(&mine), ["professional"]);
    assert_eq!(
        mine["grantable_roles"][0]["structure_id"],
        d.structure_a.as_str()
    );
    let (_, other) = d.pro_b.get_json(&app, "/api/auth/me").await;
    let structure_b = other["active_role"]["structure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let elsewhere = list(&app, &d.admin_a, &format!("?structure_id={structure_b}")).await;
    assert_eq!(elsewhere["total"], 0, "never another structure's accounts");
    // The same endpoint gives a structure's professionals (the referent choice).
    let pros = list(&app, &d.admin_a, "?role=professional").await;
    let mut listed = emails(&pros);
    listed.sort();
    let mut expected = vec![d.pro_a.email.clone(), helene.clone(), aaron.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    let pros_b = list(
        &app,
        &d.manager,
        &format!("?role=professional&structure_id={structure_b}"),
    )
    .await;
    assert_eq!(emails(&pros_b), vec![d.pro_b.email.as_str()]);

    // Nobody else lists accounts; nobody signed out does.
    for (who, user) in [
        ("professional", &d.pro_a),
        ("orientation manager", &d.orientation),
        ("beneficiary", &d.beneficiary),
    ] {
        let (status, _) = user.get_json(&app, "/api/auth/accounts").await;
        assert_eq!(status, 403, "{who}");
    }
    assert_eq!(app.get("/api/auth/accounts").await.status(), 401);
}

#[tokio::test]
async fn the_directory_searches_filters_and_pages() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_directory_searches_filters_and_pages") {
        return;
    }
    let (manager, _) = account(&app, "manager", None).await;
    let (_, structure) = account(&app, "structure_admin", Some("Maison de l'emploi")).await;
    let structure = structure["structure_id"].as_str().unwrap().to_string();
    let mut people = Vec::new();
    for (first, last) in [
        ("Hélène", "Lefèvre"),
        ("Éric", "Œuvray"),
        ("Zoé", "Martin"),
        ("Bruno", "Martinez"),
    ] {
        let email = unique(&first.to_lowercase());
        let created = create(
            &app,
            &manager,
            json!({ "email": email, "first_name": first, "last_name": last, "role": "professional", "structure_id": structure }),
        )
        .await;
        people.push((email, created["id"].as_str().unwrap().to_string()));
    }
    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["last_name"].as_str().unwrap().to_string())
            .collect()
    };
    // Accents and case aside, prefixes of names, or part of the email.
    assert_eq!(names(&list(&app, &manager, "?q=helene").await), ["Lefèvre"]);
    assert_eq!(names(&list(&app, &manager, "?q=LEFEV").await), ["Lefèvre"]);
    assert_eq!(names(&list(&app, &manager, "?q=oeuv").await), ["Œuvray"]);
    assert_eq!(
        names(&list(&app, &manager, "?q=martin").await),
        ["Martin", "Martinez"]
    );
    assert_eq!(
        names(&list(&app, &manager, "?q=zoe%20martin").await),
        ["Martin"]
    );
    let email_part = &people[3].0[..12];
    assert_eq!(
        names(&list(&app, &manager, &format!("?q={email_part}")).await),
        ["Martinez"]
    );
    assert_eq!(list(&app, &manager, "?q=personne").await["total"], 0);

    // Paging: the same order, page after page.
    let first = list(
        &app,
        &manager,
        &format!("?structure_id={structure}&role=professional&per_page=3"),
    )
    .await;
    let second = list(
        &app,
        &manager,
        &format!("?structure_id={structure}&role=professional&per_page=3&page=2"),
    )
    .await;
    assert_eq!(first["total"], 4);
    assert_eq!(names(&first), ["Lefèvre", "Martin", "Martinez"]);
    assert_eq!(names(&second), ["Œuvray"]);
    assert_eq!(second["page"], 2);

    // Disabled accounts: shown as such, and filtered.
    let (disabled_email, disabled_id) = &people[1];
    let response = manager
        .post_json(
            &app,
            &format!("/api/auth/accounts/{disabled_id}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let only_disabled = list(&app, &manager, "?disabled=true").await;
    assert_eq!(emails(&only_disabled), vec![disabled_email.as_str()]);
    assert_eq!(only_disabled["items"][0]["disabled"], true);
    assert!(only_disabled["items"][0]["disabled_at"].is_string());
    let enabled = list(&app, &manager, "?disabled=false&per_page=100").await;
    assert!(!emails(&enabled).contains(disabled_email));
    // A revoked role is no longer shown; the account stays listed for the managers.
    let (revoked_email, revoked_id) = &people[0];
    let role_id = item(&list(&app, &manager, "?q=helene").await, revoked_email)["roles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let response = manager
        .delete(
            &app,
            &format!("/api/auth/accounts/{revoked_id}/roles/{role_id}"),
        )
        .await;
    assert_eq!(response.status(), 204);
    let after = list(&app, &manager, "?q=helene").await;
    assert_eq!(item(&after, revoked_email)["roles"], json!([]));
    let in_structure = list(&app, &manager, &format!("?structure_id={structure}")).await;
    assert!(!emails(&in_structure).contains(revoked_email));

    // Bad parameters are refused field by field.
    for (query, field) in [
        ("?per_page=0", "per_page"),
        ("?page=0", "page"),
        ("?role=beneficiary", "role"),
        ("?role=chef", "role"),
        ("?structure_id=pas-un-id", "structure_id"),
    ] {
        let (status, body) = manager
            .get_json(&app, &format!("/api/auth/accounts{query}"))
            .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body["error"]["fields"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn the_structures_list_shows_the_address_a_manager_sets() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_structures_list_shows_the_address_a_manager_sets") {
        return;
    }
    let (manager, _) = account(&app, "manager", None).await;
    let (admin, created) = account(&app, "structure_admin", Some("Maison de l'emploi")).await;
    let structure = created["structure_id"].as_str().unwrap().to_string();
    let response = manager
        .client
        .patch(app.url(&format!("/api/write/structures/{structure}")))
        .header("origin", &app.base_url)
        .json(&json!({ "address": "1 rue de la Paix", "postal_code": "93000", "city": "Bobigny" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for user in [&manager, &admin] {
        let (status, body) = user.get_json(&app, "/api/carnets/structures").await;
        assert_eq!(status, 200);
        let item = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == structure.as_str())
            .unwrap()
            .clone();
        assert_eq!(item["address"], "1 rue de la Paix");
        assert_eq!(item["postal_code"], "93000");
        assert_eq!(item["city"], "Bobigny");
    }
}
