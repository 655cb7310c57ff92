//! Sign-in, sessions, accounts and roles.

use carnet_tests::{
    client, native_store, require_native, spawn_app, spawn_app_with, TestApp, User,
};
use serde_json::{json, Value};

async fn audit_actions(app: &TestApp, target_id: &str) -> Vec<String> {
    let db = native_store(app.database_url.as_ref().unwrap())
        .connect()
        .await
        .unwrap();
    carnet_store::repo::audit::actions_for_target(&db, target_id)
        .await
        .unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}@exemple.fr", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn any_email_gets_the_same_answer_and_only_known_ones_get_a_link() {
    let app = spawn_app().await;
    if !app.require_test_mode("any_email_gets_the_same_answer_and_only_known_ones_get_a_link") {
        return;
    }
    let known = unique("camille");
    app.create_account(&known, "manager", None).await;
    let unknown = unique("personne");
    let c = client();
    let a = app.request_link(&c, &known.to_uppercase()).await;
    let b = app.request_link(&c, &unknown).await;
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 202));
    assert_eq!(a.text().await.unwrap(), b.text().await.unwrap());
    assert!(app.emails_to(&unknown).await.is_empty());
    let emails = app.emails_to(&known).await;
    assert_eq!(emails.len(), 1);
    let text = emails[0]["text"].as_str().unwrap();
    assert!(text.contains("/connexion/confirmer#jeton="), "{text}");
    let token = app.last_link_token(&known).await.unwrap();
    assert!(
        token.len() >= 43,
        "at least 256 bits of randomness, base64url"
    );
    // Invalid syntax is a 422 whatever the address.
    assert_eq!(app.request_link(&c, "pas-une-adresse").await.status(), 422);
}

#[tokio::test]
async fn a_link_opens_one_session_once_and_only_within_its_lifetime() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_link_opens_one_session_once_and_only_within_its_lifetime") {
        return;
    }
    app.set_clock("2027-02-01T09:00:00Z").await;
    let email = unique("pro");
    let account = app
        .create_account(&email, "professional", Some("Mission locale"))
        .await;
    let c = client();
    app.request_link(&c, &email).await;
    let token = app.last_link_token(&email).await.unwrap();
    let response = app.confirm(&c, &token).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    for attribute in [
        "__Host-carnet_session=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["expires_at"], "2027-02-01T21:00:00.000000Z",
        "12 h for staff"
    );
    // Reused link.
    let again = app.confirm(&client(), &token).await;
    assert_eq!(again.status(), 400);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["error"]["code"], "invalid_link");
    // Wrong token.
    assert_eq!(
        app.confirm(&client(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .status(),
        400
    );
    // Expired link: 15 minutes and one second later.
    app.request_link(&c, &email).await;
    let late = app.last_link_token(&email).await.unwrap();
    app.set_clock("2027-02-01T09:15:01Z").await;
    assert_eq!(app.confirm(&client(), &late).await.status(), 400);
    if app.database_url.is_some() {
        let actions = audit_actions(&app, account["account_id"].as_str().unwrap()).await;
        assert!(actions.contains(&"sign_in_link_sent".to_string()));
        assert!(
            actions.contains(&"sign_in_failed".to_string()),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn sessions_work_by_cookie_and_bearer_and_end_on_logout_or_expiry() {
    let app = spawn_app().await;
    if !app.require_test_mode("sessions_work_by_cookie_and_bearer_and_end_on_logout_or_expiry") {
        return;
    }
    app.set_clock("2027-02-01T09:00:00Z").await;
    let email = unique("gestionnaire");
    app.create_account(&email, "manager", None).await;
    let user = app.sign_in(&email).await;
    let (status, me) = user.get_json(&app, "/api/auth/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["active_role"]["role"], "manager");
    assert_eq!(me["department"]["code"], "93");
    let bearer = |token: &str| {
        let token = token.to_string();
        let url = app.url("/api/auth/me");
        async move {
            client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(bearer(&user.token).await, 200);
    // A token signed with another key.
    let forged = {
        use jwt_simple::prelude::*;
        let claims = Claims::with_custom_claims(
            json!({ "sid": uuid::Uuid::new_v4().to_string() }),
            Duration::from_hours(1),
        );
        HS256Key::from_bytes(b"another-key-another-key-another-key!")
            .authenticate(claims)
            .unwrap()
    };
    assert_eq!(bearer(&forged).await, 401);
    assert_eq!(bearer("garbage").await, 401);
    // Expired JWT, by the instance's clock.
    app.set_clock("2027-02-01T21:00:01Z").await;
    assert_eq!(bearer(&user.token).await, 401);
    app.set_clock("2027-02-01T10:00:00Z").await;
    assert_eq!(bearer(&user.token).await, 200);
    // Logout ends this session: the same JWT no longer works.
    let response = user.post_json(&app, "/api/auth/logout", &json!({})).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(bearer(&user.token).await, 401);
    assert_eq!(user.get_json(&app, "/api/auth/me").await.0, 401);
}

#[tokio::test]
async fn logout_everywhere_and_disabling_end_every_session() {
    let app = spawn_app().await;
    if !app.require_test_mode("logout_everywhere_and_disabling_end_every_session") {
        return;
    }
    let manager = app
        .sign_in(&{
            let e = unique("gestionnaire");
            app.create_account(&e, "manager", None).await;
            e
        })
        .await;
    let email = unique("pro");
    let account = app
        .create_account(&email, "professional", Some("CCAS"))
        .await;
    let phone = app.sign_in(&email).await;
    let laptop = app.sign_in(&email).await;
    let response = laptop
        .post_json(&app, "/api/auth/logout-all", &json!({}))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ended_sessions"], 2);
    assert_eq!(phone.get_json(&app, "/api/auth/me").await.0, 401);

    let again = app.sign_in(&email).await;
    let id = account["account_id"].as_str().unwrap();
    let response = manager
        .post_json(
            &app,
            &format!("/api/auth/accounts/{id}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        again.get_json(&app, "/api/auth/me").await.0,
        401,
        "sessions end at once"
    );
    // No more sign-in: same answer, no email.
    let before = app.emails_to(&email).await.len();
    assert_eq!(app.request_link(&client(), &email).await.status(), 202);
    assert_eq!(app.emails_to(&email).await.len(), before);
    let response = manager
        .post_json(&app, &format!("/api/auth/accounts/{id}/enable"), &json!({}))
        .await;
    assert_eq!(response.status(), 200);
    app.sign_in(&email).await;
    if app.database_url.is_some() {
        let actions = audit_actions(&app, id).await;
        for action in ["logout_everywhere", "account_disabled", "account_enabled"] {
            assert!(
                actions.contains(&action.to_string()),
                "{action}: {actions:?}"
            );
        }
    }
}

#[tokio::test]
async fn sign_in_requests_are_limited_per_email_and_per_client() {
    let app = spawn_app().await;
    if !app.require_test_mode("sign_in_requests_are_limited_per_email_and_per_client") {
        return;
    }
    app.set_clock("2027-02-01T09:00:00Z").await;
    let c = client();
    let known = unique("limite");
    app.create_account(&known, "manager", None).await;
    for email in [known.clone(), unique("inconnu")] {
        for _ in 0..5 {
            assert_eq!(app.request_link(&c, &email).await.status(), 202);
        }
        let refused = app.request_link(&c, &email).await;
        assert_eq!(refused.status(), 429, "the 6th in 15 minutes, known or not");
        let retry: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry));
    }
    app.set_clock("2027-02-01T09:15:01Z").await;
    assert_eq!(
        app.request_link(&c, &known).await.status(),
        202,
        "the window slides"
    );
    // 100 per client address: at 09:20 the window holds one request (09:15:01); 99 more reach it.
    app.set_clock("2027-02-01T09:20:00Z").await;
    for _ in 0..99 {
        assert_eq!(app.request_link(&c, &unique("bureau")).await.status(), 202);
    }
    assert_eq!(app.request_link(&c, &unique("bureau")).await.status(), 429);
}

#[tokio::test]
async fn cookie_writes_must_be_same_origin_and_staff_must_accept_the_cgu() {
    let app = spawn_app().await;
    if !app.require_test_mode("cookie_writes_must_be_same_origin_and_staff_must_accept_the_cgu") {
        return;
    }
    let email = unique("gestionnaire");
    app.create_account(&email, "manager", None).await;
    let user = app.sign_in_without_cgu(&email).await;
    let (_, me) = user.get_json(&app, "/api/auth/me").await;
    assert_eq!(me["cgu"]["required"], true);
    let response = user
        .post_json(&app, "/api/auth/structures", &json!({ "name": "CCAS" }))
        .await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cgu_required");
    let response = user
        .post_json(&app, "/api/auth/cgu", &json!({ "version": "1999-01-01" }))
        .await;
    assert_eq!(response.status(), 422);
    let version = me["cgu"]["current_version"].as_str().unwrap();
    assert_eq!(
        user.post_json(&app, "/api/auth/cgu", &json!({ "version": version }))
            .await
            .status(),
        200
    );
    // Cross-origin cookie write refused; same-origin and bearer accepted.
    let cross = user
        .client
        .post(app.url("/api/auth/structures"))
        .header("origin", "https://evil.example")
        .json(&json!({ "name": "CCAS" }))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let body: Value = cross.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cross_origin");
    let no_origin = user
        .client
        .post(app.url("/api/auth/structures"))
        .json(&json!({ "name": "CCAS" }))
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), 403);
    let site = user
        .client
        .post(app.url("/api/auth/structures"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "name": "CCAS" }))
        .send()
        .await
        .unwrap();
    assert_eq!(site.status(), 403);
    assert_eq!(
        user.post_json(&app, "/api/auth/structures", &json!({ "name": "CCAS" }))
            .await
            .status(),
        201
    );
    let bearer = client()
        .post(app.url("/api/auth/structures"))
        .bearer_auth(&user.token)
        .json(&json!({ "name": "Mission locale" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 201);
}

/// Every cell of the grant matrix through the API, allowed and refused.
#[tokio::test]
async fn the_grant_matrix_cell_by_cell() {
    let app = spawn_app().await;
    if !app.require_test_mode("the_grant_matrix_cell_by_cell") {
        return;
    }
    let own = app
        .create_account(&unique("x"), "structure_admin", Some("Structure A"))
        .await;
    let own_structure = own["structure_id"].as_str().unwrap().to_string();
    let other = app
        .create_account(&unique("y"), "structure_admin", Some("Structure B"))
        .await;
    let other_structure = other["structure_id"].as_str().unwrap().to_string();
    let granters = [
        ("platform_admin", None),
        ("manager", None),
        ("orientation_manager", None),
        ("structure_admin", Some(own_structure.clone())),
        ("professional", Some(own_structure.clone())),
    ];
    let grants: Vec<(&str, Option<&str>)> = vec![
        ("platform_admin", None),
        ("manager", None),
        ("orientation_manager", None),
        ("structure_admin", Some(&own_structure)),
        ("structure_admin", Some(&other_structure)),
        ("professional", Some(&own_structure)),
        ("professional", Some(&other_structure)),
    ];
    let allowed = [
        ("platform_admin", "manager", None),
        ("manager", "orientation_manager", None),
        ("manager", "structure_admin", Some(&own_structure)),
        ("manager", "structure_admin", Some(&other_structure)),
        ("manager", "professional", Some(&own_structure)),
        ("manager", "professional", Some(&other_structure)),
        ("structure_admin", "professional", Some(&own_structure)),
    ];
    for (granter_role, granter_structure) in &granters {
        let email = unique(granter_role);
        app.create_account(&email, granter_role, granter_structure.as_deref())
            .await;
        let granter: User = app.sign_in(&email).await;
        for (role, structure) in &grants {
            let mut body = json!({ "email": unique("nouveau"), "first_name": "Alex", "last_name": "Martin", "role": role });
            if let Some(structure) = structure {
                body["structure_id"] = json!(structure);
            }
            let status = granter
                .post_json(&app, "/api/auth/accounts", &body)
                .await
                .status()
                .as_u16();
            let expected = if allowed.iter().any(|(g, r, s)| {
                g == granter_role && r == role && s.map(String::as_str) == *structure
            }) {
                201
            } else {
                403
            };
            assert_eq!(
                status, expected,
                "{granter_role} grants {role} in {structure:?}"
            );
        }
    }
}

#[tokio::test]
async fn roles_are_granted_revoked_and_switched_within_the_rules() {
    let app = spawn_app().await;
    if !app.require_test_mode("roles_are_granted_revoked_and_switched_within_the_rules") {
        return;
    }
    let admin_email = unique("admin-structure");
    let admin = app
        .create_account(&admin_email, "structure_admin", Some("CCAS de Bobigny"))
        .await;
    let structure = admin["structure_id"].as_str().unwrap().to_string();
    let admin_user = app.sign_in(&admin_email).await;
    // A structure admin creates a professional of their structure; the person is emailed.
    let pro_email = unique("pro");
    let response = admin_user
        .post_json(&app, "/api/auth/accounts", &json!({ "email": pro_email, "first_name": "Inès", "last_name": "Moreau", "role": "professional", "structure_id": structure }))
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(app.emails_to(&pro_email).await.len(), 1);
    // Same address again, whatever its case → 409 pointing to the account.
    let response = admin_user
        .post_json(&app, "/api/auth/accounts", &json!({ "email": pro_email.to_uppercase(), "first_name": "I", "last_name": "M", "role": "professional", "structure_id": structure }))
        .await;
    assert_eq!(response.status(), 409);
    let conflict: Value = response.json().await.unwrap();
    assert_eq!(conflict["error"]["details"]["account_id"], created["id"]);
    // Invalid payload: every field listed, nothing written.
    let response = admin_user
        .post_json(
            &app,
            "/api/auth/accounts",
            &json!({ "email": "x", "first_name": " ", "last_name": "M", "role": "chef" }),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["email", "first_name", "role"]);
    // The admin also becomes a professional (a manager grants it), then switches role.
    let manager_email = unique("gestionnaire");
    app.create_account(&manager_email, "manager", None).await;
    let manager = app.sign_in(&manager_email).await;
    let admin_id = admin["account_id"].as_str().unwrap();
    let response = manager
        .post_json(
            &app,
            &format!("/api/auth/accounts/{admin_id}/roles"),
            &json!({ "role": "professional", "structure_id": structure }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let granted: Value = response.json().await.unwrap();
    let again = manager
        .post_json(
            &app,
            &format!("/api/auth/accounts/{admin_id}/roles"),
            &json!({ "role": "professional", "structure_id": structure }),
        )
        .await;
    assert_eq!(again.status(), 409);
    let (_, me) = admin_user.get_json(&app, "/api/auth/me").await;
    assert_eq!(me["roles"].as_array().unwrap().len(), 2);
    let response = admin_user
        .post_json(
            &app,
            "/api/auth/role",
            &json!({ "role_id": granted["role_id"] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (_, me) = admin_user.get_json(&app, "/api/auth/me").await;
    assert_eq!(me["active_role"]["role"], "professional");
    assert_eq!(me["active_role"]["structure"]["name"], "CCAS de Bobigny");
    // Acting as professional, granting is refused; someone else's role cannot be borrowed.
    let response = admin_user
        .post_json(&app, "/api/auth/accounts", &json!({ "email": unique("z"), "first_name": "A", "last_name": "B", "role": "professional", "structure_id": structure }))
        .await;
    assert_eq!(response.status(), 403);
    let response = admin_user
        .post_json(
            &app,
            "/api/auth/role",
            &json!({ "role_id": created["role_id"] }),
        )
        .await;
    assert_eq!(response.status(), 422);
    // Nobody acts on their own account here.
    let own = manager
        .post_json(
            &app,
            &format!(
                "/api/auth/accounts/{}/disable",
                me["account"]["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(own.status(), 200, "a manager may disable this account");
    let manager_id = manager.get_json(&app, "/api/auth/me").await.1["account"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let own = manager
        .post_json(
            &app,
            &format!("/api/auth/accounts/{manager_id}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(own.status(), 403);
    // Revoking a role ends the sessions acting in it.
    let pro_user = app.sign_in(&pro_email).await;
    let response = manager
        .delete(
            &app,
            &format!(
                "/api/auth/accounts/{}/roles/{}",
                created["id"].as_str().unwrap(),
                created["role_id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(pro_user.get_json(&app, "/api/auth/me").await.0, 401);
    // There is no way to change someone else's sign-in email.
    let response = manager
        .post_json(
            &app,
            &format!(
                "/api/auth/accounts/{}/email",
                created["id"].as_str().unwrap()
            ),
            &json!({ "email": unique("w") }),
        )
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn changing_ones_own_email_requires_confirming_the_new_address() {
    let app = spawn_app().await;
    if !app.require_test_mode("changing_ones_own_email_requires_confirming_the_new_address") {
        return;
    }
    let old = unique("ancien");
    app.create_account(&old, "orientation_manager", None).await;
    let user = app.sign_in(&old).await;
    let new = unique("nouveau");
    let response = user
        .post_json(&app, "/api/auth/me/email", &json!({ "email": new }))
        .await;
    assert_eq!(response.status(), 202);
    let (_, me) = user.get_json(&app, "/api/auth/me").await;
    assert_eq!(
        me["account"]["email"],
        old.as_str(),
        "nothing changes before confirmation"
    );
    let token = app
        .last_link_token(&new)
        .await
        .expect("confirmation email to the new address");
    let response = client()
        .post(app.url("/api/auth/me/email/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, me) = user.get_json(&app, "/api/auth/me").await;
    assert_eq!(me["account"]["email"], new.as_str());
    assert!(app
        .emails_to(&old)
        .await
        .iter()
        .any(|e| e["subject"].as_str().unwrap().contains("a changé")));
    app.sign_in(&new).await;
    let reused = client()
        .post(app.url("/api/auth/me/email/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), 400);
}

#[tokio::test]
async fn the_signing_key_rotates_without_signing_everyone_out() {
    if !require_native("the_signing_key_rotates_without_signing_everyone_out") {
        return;
    }
    let first = spawn_app().await;
    let email = unique("gestionnaire");
    first.create_account(&email, "manager", None).await;
    let user = first.sign_in(&email).await;
    let database = first.database_url.clone().unwrap();
    let old_key = "test-session-key-0123456789-abcdefghijklmnop";
    let new_key = "rotated-session-key-9876543210-zyxwvutsrqpon";
    let status = |app: &TestApp| {
        let url = app.url("/api/auth/me");
        let token = user.token.clone();
        async move {
            client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let rotated = spawn_app_with(&[
        ("database_url", &database),
        ("session_key", new_key),
        ("session_key_previous", old_key),
    ])
    .await;
    assert_eq!(
        status(&rotated).await,
        200,
        "the previous key is still accepted"
    );
    let fresh = rotated.sign_in(&email).await;
    let old_only = spawn_app_with(&[("database_url", &database)]).await;
    let new_only = spawn_app_with(&[("database_url", &database), ("session_key", new_key)]).await;
    assert_eq!(
        status(&new_only).await,
        401,
        "once the previous key is dropped"
    );
    let fresh_status = client()
        .get(old_only.url("/api/auth/me"))
        .bearer_auth(&fresh.token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(fresh_status, 401, "new tokens are signed with the new key");
}

#[tokio::test]
async fn bootstrap_creates_the_first_accounts_once() {
    if !require_native("bootstrap_creates_the_first_accounts_once") {
        return;
    }
    let app = spawn_app().await;
    let db = native_store(app.database_url.as_ref().unwrap())
        .connect()
        .await
        .unwrap();
    let admin = carnet_domain::Email::parse(&unique("admin")).unwrap();
    let manager = carnet_domain::Email::parse(&unique("gestion")).unwrap();
    let now = carnet_domain::Instant::parse("2027-01-01T00:00:00Z").unwrap();
    let ids =
        carnet_store::repo::accounts::bootstrap(&db, now, (&admin, "A", "B"), (&manager, "C", "D"))
            .await
            .unwrap();
    assert!(ids.is_some());
    let again =
        carnet_store::repo::accounts::bootstrap(&db, now, (&admin, "A", "B"), (&manager, "C", "D"))
            .await
            .unwrap();
    assert!(again.is_none(), "refused once a platform admin exists");
    // Both sign in by link and hold their roles; the admin creates a manager.
    let admin_user = app.sign_in(admin.as_str()).await;
    let (_, me) = admin_user.get_json(&app, "/api/auth/me").await;
    assert_eq!(me["active_role"]["role"], "platform_admin");
    let response = admin_user
        .post_json(&app, "/api/auth/accounts", &json!({ "email": unique("second"), "first_name": "Léa", "last_name": "Petit", "role": "manager" }))
        .await;
    assert_eq!(response.status(), 201);
    let manager_user = app.sign_in(manager.as_str()).await;
    assert_eq!(
        manager_user.get_json(&app, "/api/auth/me").await.1["active_role"]["role"],
        "manager"
    );
}

#[tokio::test]
async fn opening_the_link_page_does_not_use_the_token() {
    let app = spawn_app().await;
    if !app.require_test_mode("opening_the_link_page_does_not_use_the_token") {
        return;
    }
    let email = unique("scanner");
    app.create_account(&email, "manager", None).await;
    app.request_link(&client(), &email).await;
    let token = app.last_link_token(&email).await.unwrap();
    // What a mail scanner does: follow the link (the fragment is not even sent).
    let page = client()
        .get(app.url(&format!("/connexion/confirmer#jeton={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("/js/app.js"),
        "the application shell, whose confirm page waits for « Continuer »"
    );
    assert_eq!(
        app.confirm(&client(), &token).await.status(),
        200,
        "still usable by the person"
    );
}

#[tokio::test]
async fn the_client_address_is_the_peers_unless_a_trusted_proxy_forwards_it() {
    if !require_native("the_client_address_is_the_peers_unless_a_trusted_proxy_forwards_it") {
        return;
    }
    // Without the trusted-proxy setting, a forged X-Forwarded-For or spin-client-addr does not
    // move a client out of its own per-address limit.
    let app = spawn_app().await;
    let forged = |i: usize| format!("198.51.100.{i}");
    let mut last = 0;
    for i in 0..101 {
        last = client()
            .post(app.url("/api/auth/magic-link"))
            .header("x-forwarded-for", forged(i))
            .header("spin-client-addr", format!("{}:1234", forged(i)))
            .json(&json!({ "email": unique("bureau") }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(
        last, 429,
        "the 101st from one peer is refused whatever it claims"
    );
    // Behind a trusted proxy, each forwarded address has its own limit, and audit rows carry it.
    let proxied = spawn_app_with(&[("trust_forwarded_for", "true")]).await;
    let email = unique("gestionnaire");
    let account = proxied.create_account(&email, "manager", None).await;
    for i in 0..101 {
        let status = client()
            .post(proxied.url("/api/auth/magic-link"))
            .header("x-forwarded-for", format!("203.0.113.9, {}", forged(i)))
            .json(&json!({ "email": unique("bureau") }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 202);
    }
    let user = proxied.sign_in(&email).await;
    let id = account["account_id"].as_str().unwrap();
    let db = native_store(proxied.database_url.as_ref().unwrap())
        .connect()
        .await
        .unwrap();
    let rows = db
        .query(
            "SELECT action, client_addr FROM audit_log WHERE actor_account_id = $1 ORDER BY at, id",
            &[carnet_store::Value::from(id)],
        )
        .await
        .unwrap();
    let actions: Vec<String> = rows
        .iter()
        .map(|r| r.get::<String>("action").unwrap())
        .collect();
    for action in ["sign_in_link_sent", "sign_in", "cgu_accepted"] {
        assert!(
            actions.contains(&action.to_string()),
            "{action}: {actions:?}"
        );
    }
    assert!(rows
        .iter()
        .all(|r| r.get::<Option<String>>("client_addr").unwrap().as_deref() == Some("127.0.0.1")));
    drop(user);
}

async fn put_work_contact(app: &TestApp, user: &User, body: Value) -> reqwest::Response {
    crate::fixtures::send(
        user,
        app,
        reqwest::Method::PUT,
        "/api/auth/me/work-contact",
        body,
    )
    .await
}

#[tokio::test]
async fn staff_who_can_be_members_set_their_work_position_and_phone() {
    let app = spawn_app().await;
    if !app.require_test_mode("staff_who_can_be_members_set_their_work_position_and_phone") {
        return;
    }
    let d = crate::fixtures::department(&app).await;
    // The referent of Éloïse's notebook: nothing yet, then set, and shown on the notebook.
    let (_, me) = d.pro_a.get_json(&app, "/api/auth/me").await;
    assert_eq!(
        me["work_contact"],
        json!({ "position": null, "phone": null })
    );
    let response = put_work_contact(
        &app,
        &d.pro_a,
        json!({ "position": "  Conseillère   en insertion ", "phone": "01 49 15 22 33" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let saved = json!({ "position": "Conseillère en insertion", "phone": "01 49 15 22 33" });
    assert_eq!(response.json::<Value>().await.unwrap(), saved);
    assert_eq!(
        d.pro_a.get_json(&app, "/api/auth/me").await.1["work_contact"],
        saved
    );
    let members = |body: Value| body["members"].as_array().unwrap().clone();
    let (_, full) = d
        .manager
        .get_json(&app, &format!("/api/carnets/{}", d.eloise))
        .await;
    let referent = members(full)
        .into_iter()
        .find(|m| m["member_type"] == "referent")
        .unwrap();
    assert_eq!(referent["position"], "Conseillère en insertion");
    assert_eq!(referent["phone"], "01 49 15 22 33");

    // Invalid values: refused field by field, nothing changed.
    let response = put_work_contact(
        &app,
        &d.pro_a,
        json!({ "position": "x".repeat(101), "phone": "12" }),
    )
    .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let mut fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["phone", "position"]);
    assert_eq!(
        d.pro_a.get_json(&app, "/api/auth/me").await.1["work_contact"],
        saved
    );
    let response = put_work_contact(
        &app,
        &d.pro_a,
        json!({ "position": "Conseillère", "fax": "01" }),
    )
    .await;
    assert_eq!(response.status(), 422, "unknown fields are refused");

    // Emptied: cleared. Every change is audited.
    let response = put_work_contact(&app, &d.pro_a, json!({ "position": "", "phone": null })).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        d.pro_a.get_json(&app, "/api/auth/me").await.1["work_contact"],
        json!({ "position": null, "phone": null })
    );
    if app.database_url.is_some() {
        // The audit log is read in the database (a deployed instance's is out of reach).
        let me = d.pro_a.get_json(&app, "/api/auth/me").await.1;
        let actions = audit_actions(&app, me["account"]["id"].as_str().unwrap()).await;
        assert_eq!(
            actions
                .iter()
                .filter(|a| *a == "work_contact_changed")
                .count(),
            2,
            "{actions:?}"
        );
    }

    // Role by role.
    for (user, expected, who) in [
        (&d.orientation, 200, "orientation manager"),
        (&d.admin_b, 200, "structure admin"),
        (&d.manager, 403, "manager"),
        (&d.platform_admin, 403, "platform admin"),
        (&d.beneficiary, 403, "beneficiary"),
    ] {
        let response = put_work_contact(
            &app,
            user,
            json!({ "position": "Poste", "phone": "0612345678" }),
        )
        .await;
        assert_eq!(response.status().as_u16(), expected, "{who}");
        let (_, me) = user.get_json(&app, "/api/auth/me").await;
        if expected == 200 {
            assert_eq!(me["work_contact"]["position"], "Poste", "{who}");
        } else {
            assert!(me["work_contact"].is_null(), "{who}: {me}");
        }
    }
}

async fn put_work_contact_of(
    app: &TestApp,
    user: &User,
    account: &str,
    body: Value,
) -> reqwest::Response {
    let path = format!("/api/auth/accounts/{account}/work-contact");
    crate::fixtures::send(user, app, reqwest::Method::PUT, &path, body).await
}

#[tokio::test]
async fn administrators_set_the_work_contact_of_accounts_whose_roles_they_grant() {
    let app = spawn_app().await;
    if !app
        .require_test_mode("administrators_set_the_work_contact_of_accounts_whose_roles_they_grant")
    {
        return;
    }
    let d = crate::fixtures::department(&app).await;
    let body = json!({ "position": "Conseillère emploi", "phone": "01 49 15 22 33" });
    // Refused: a professional for a colleague, a structure admin for another structure's
    // professional, the platform admin (it grants managers only); one's own account goes
    // through « Mon compte »; an unknown account is 404. Nothing was written.
    for (user, account, status) in [
        (&d.pro_b, d.pro_a_id.clone(), 403),
        (&d.admin_a, d.pro_b_id.clone(), 403),
        (&d.platform_admin, d.pro_a_id.clone(), 403),
        (&d.pro_a, d.pro_a_id.clone(), 403),
        (&d.admin_a, uuid::Uuid::new_v4().to_string(), 404),
    ] {
        let response = put_work_contact_of(&app, user, &account, body.clone()).await;
        assert_eq!(response.status(), status, "{account}");
    }
    assert_eq!(
        d.pro_a.get_json(&app, "/api/auth/me").await.1["work_contact"],
        json!({ "position": null, "phone": null })
    );
    // The admin of structure A for its professional: checked as on « Mon compte », then saved.
    let invalid =
        put_work_contact_of(&app, &d.admin_a, &d.pro_a_id, json!({ "phone": "12" })).await;
    assert_eq!(invalid.status(), 422);
    let response = put_work_contact_of(&app, &d.admin_a, &d.pro_a_id, body.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), body);
    assert_eq!(
        d.pro_a.get_json(&app, "/api/auth/me").await.1["work_contact"],
        body
    );
    // The accounts list shows it, and whether the caller may change it.
    let (status, listed) = d.admin_a.get_json(&app, "/api/auth/accounts").await;
    assert_eq!(status, 200);
    let row = |id: &str| {
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&d.pro_a_id)["work_contact"], body);
    assert_eq!(row(&d.pro_a_id)["may_set_work_contact"], true);
    // A manager, for any structure's professional; emptied values clear.
    let response = put_work_contact_of(
        &app,
        &d.manager,
        &d.pro_b_id,
        json!({ "position": "Éducateur" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let response = put_work_contact_of(
        &app,
        &d.manager,
        &d.pro_a_id,
        json!({ "position": "", "phone": null }),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        d.pro_a.get_json(&app, "/api/auth/me").await.1["work_contact"],
        json!({ "position": null, "phone": null })
    );
    if app.database_url.is_some() {
        let actions = audit_actions(&app, &d.pro_a_id).await;
        let changes = actions
            .iter()
            .filter(|a| *a == "work_contact_changed")
            .count();
        assert_eq!(changes, 2, "{actions:?}");
    }
}
