//! Retried creates write once: every POST that creates something accepts an `Idempotency-Key`
//! (same key and body → the stored response; same key, another body → 422 `key_reused`). And a
//! body of the wrong shape gets a French message, on the field serde names.

use crate::fixtures::{account, department, unique};
use carnet_tests::{spawn_app, TestApp, User};
use serde_json::{json, Value};

struct Answer {
    status: u16,
    body: Value,
    replayed: bool,
}

async fn send(user: &User, app: &TestApp, path: &str, key: Option<&str>, body: &Value) -> Answer {
    let mut request = user
        .client
        .post(app.url(path))
        .header("origin", &app.base_url)
        .json(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.unwrap();
    let replayed = response.headers().get("idempotent-replay").is_some();
    Answer {
        status: response.status().as_u16(),
        body: response.json().await.unwrap_or(Value::Null),
        replayed,
    }
}

/// Sends `body` twice with one key (the second time gets the first response, as a replay), then
/// `other` with the same key (422 `key_reused`). Returns the first response.
async fn sent_once(
    user: &User,
    app: &TestApp,
    path: &str,
    body: Value,
    other: Value,
    expected: u16,
) -> Value {
    let key = uuid::Uuid::new_v4().to_string();
    let first = send(user, app, path, Some(&key), &body).await;
    assert_eq!(first.status, expected, "{path}: {}", first.body);
    assert!(!first.replayed, "{path}: the first request is executed");
    let again = send(user, app, path, Some(&key), &body).await;
    assert_eq!(again.status, expected, "{path}: {}", again.body);
    assert!(again.replayed, "{path}: the retry is a replay");
    assert_eq!(again.body, first.body, "{path}: the stored response");
    let reused = send(user, app, path, Some(&key), &other).await;
    assert_eq!(reused.status, 422, "{path}: {}", reused.body);
    assert_eq!(
        reused.body["error"]["fields"][0]["field"], "idempotency-key",
        "{path}"
    );
    assert_eq!(
        reused.body["error"]["fields"][0]["code"], "key_reused",
        "{path}"
    );
    first.body
}

/// How many events of this type the notebook's timeline holds.
async fn events(user: &User, app: &TestApp, notebook: &str, event_type: &str) -> usize {
    let (status, body) = user
        .get_json(
            app,
            &format!("/api/carnets/{notebook}/timeline?per_page=100"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == event_type)
        .count()
}

async fn named(user: &User, app: &TestApp, list: &str, name: &str) -> usize {
    let (status, body) = user.get_json(app, list).await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["name"] == name)
        .count()
}

#[tokio::test]
async fn dispositifs_structures_accounts_and_roles_are_created_once() {
    let app = spawn_app().await;
    if !app.require_test_mode("dispositifs_structures_accounts_and_roles_are_created_once") {
        return;
    }
    let (manager, _) = account(&app, "manager", None).await;
    // A dispositif.
    let name = format!("Dispositif {}", uuid::Uuid::new_v4().simple());
    let created = sent_once(
        &manager,
        &app,
        "/api/write/dispositifs",
        json!({ "name": name, "orientation_type": "social" }),
        json!({ "name": name, "orientation_type": "pro" }),
        201,
    )
    .await;
    assert_eq!(created["name"], name.as_str());
    assert_eq!(
        named(&manager, &app, "/api/carnets/dispositifs", &name).await,
        1
    );
    // A structure.
    let name = format!("Structure {}", uuid::Uuid::new_v4().simple());
    let structure = sent_once(
        &manager,
        &app,
        "/api/auth/structures",
        json!({ "name": name }),
        json!({ "name": "Une autre structure" }),
        201,
    )
    .await;
    assert_eq!(
        named(&manager, &app, "/api/carnets/structures", &name).await,
        1
    );
    assert_eq!(
        named(
            &manager,
            &app,
            "/api/carnets/structures",
            "Une autre structure"
        )
        .await,
        0
    );
    let structure_id = structure["id"].as_str().unwrap().to_string();
    // An account: written once, and its person emailed once.
    let email = unique("retry");
    let body = json!({ "email": email, "first_name": "Inès", "last_name": "Moreau", "role": "professional", "structure_id": structure_id });
    let mut other = body.clone();
    other["first_name"] = json!("Agnès");
    let created = sent_once(
        &manager,
        &app,
        "/api/auth/accounts",
        body.clone(),
        other,
        201,
    )
    .await;
    let (_, found) = manager
        .get_json(&app, &format!("/api/auth/accounts?q={email}"))
        .await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(app.emails_to(&email).await.len(), 1, "one email");
    // Without a key, the same request is a new one: the address is taken.
    assert_eq!(
        send(&manager, &app, "/api/auth/accounts", None, &body)
            .await
            .status,
        409
    );
    // A role: a retry answers as the grant did, not "already has this role".
    let account_id = created["id"].as_str().unwrap();
    let roles = format!("/api/auth/accounts/{account_id}/roles");
    let grant = json!({ "role": "structure_admin", "structure_id": structure_id });
    let granted = sent_once(
        &manager,
        &app,
        &roles,
        grant.clone(),
        json!({ "role": "orientation_manager" }),
        201,
    )
    .await;
    assert!(granted["role_id"].is_string());
    assert_eq!(send(&manager, &app, &roles, None, &grant).await.status, 409);
    let (_, found) = manager
        .get_json(&app, &format!("/api/auth/accounts?q={email}"))
        .await;
    assert_eq!(
        found["items"][0]["roles"].as_array().map(Vec::len),
        Some(2),
        "{found}"
    );
}

#[tokio::test]
async fn joining_inviting_contacts_orientation_and_referents_are_recorded_once() {
    let app = spawn_app().await;
    if !app
        .require_test_mode("joining_inviting_contacts_orientation_and_referents_are_recorded_once")
    {
        return;
    }
    let d = department(&app).await;
    let write = |path: &str| format!("/api/write/carnets/{}/{path}", d.eloise);
    // Joining a notebook.
    let joined = events(&d.pro_a, &app, &d.eloise, "member_joined").await;
    sent_once(
        &d.pro_b,
        &app,
        &write("members/self"),
        json!({ "member_type": "member" }),
        json!({ "member_type": "referent", "dispositif_id": d.dispositif }),
        201,
    )
    .await;
    assert_eq!(
        events(&d.pro_a, &app, &d.eloise, "member_joined").await,
        joined + 1
    );
    // Inviting a colleague: one membership, one email.
    let (pro_c, created_c) = account(&app, "professional", Some(&d.structure_a)).await;
    let pro_c_id = created_c["account_id"].as_str().unwrap().to_string();
    let emails_before = app.emails_to(&pro_c.email).await.len();
    sent_once(
        &d.pro_a,
        &app,
        &write("members/invite"),
        json!({ "account_id": pro_c_id }),
        json!({ "account_id": d.pro_b_id }),
        201,
    )
    .await;
    assert_eq!(events(&d.pro_a, &app, &d.eloise, "member_invited").await, 1);
    assert_eq!(
        app.emails_to(&pro_c.email).await.len(),
        emails_before + 1,
        "one invitation email"
    );
    // An individual contact (no body to read: a retry with the key is a replay, another key is a
    // new contact).
    let key = uuid::Uuid::new_v4().to_string();
    let first = send(&d.pro_a, &app, &write("contacts"), Some(&key), &json!({})).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let again = send(&d.pro_a, &app, &write("contacts"), Some(&key), &json!({})).await;
    assert_eq!((again.status, again.replayed), (200, true));
    assert_eq!(again.body, first.body);
    assert_eq!(
        events(&d.pro_a, &app, &d.eloise, "contact_recorded").await,
        1
    );
    let other = send(
        &d.pro_a,
        &app,
        &write("contacts"),
        Some("another-key"),
        &json!({}),
    )
    .await;
    assert_eq!((other.status, other.replayed), (200, false));
    assert_eq!(
        events(&d.pro_a, &app, &d.eloise, "contact_recorded").await,
        2
    );
    // A re-orientation request: a retry answers 201, not "already pending".
    let request = sent_once(
        &d.pro_a,
        &app,
        &write("orientation-requests"),
        json!({ "reason": "Projet de soins prioritaire" }),
        json!({ "reason": "Autre raison" }),
        201,
    )
    .await;
    assert_eq!(
        send(
            &d.pro_a,
            &app,
            &write("orientation-requests"),
            None,
            &json!({ "reason": "Projet de soins prioritaire" })
        )
        .await
        .status,
        409,
        "without a key, a second request"
    );
    // Its decision: a retry answers as the decision did, not "already decided".
    let decision = format!(
        "/api/write/orientation-requests/{}/decision",
        request["id"].as_str().unwrap()
    );
    let decided = sent_once(
        &d.orientation,
        &app,
        &decision,
        json!({ "decision": "keep", "reason": "Accompagnement adapté" }),
        json!({ "decision": "keep", "reason": "Autre raison" }),
        200,
    )
    .await;
    assert_eq!(decided["status"], "denied");
    assert_eq!(
        events(&d.pro_a, &app, &d.eloise, "reorientation_decided").await,
        1
    );
    // Orienting Jean Martin: recorded and emailed once.
    let emails_before = app.emails_to(&d.pro_b.email).await.len();
    sent_once(
        &d.orientation,
        &app,
        &format!("/api/write/carnets/{}/orientation", d.martin),
        json!({ "dispositif_id": d.dispositif, "referent_account_id": d.pro_b_id }),
        json!({ "dispositif_id": d.dispositif, "referent_account_id": d.pro_a_id }),
        200,
    )
    .await;
    assert_eq!(events(&d.pro_b, &app, &d.martin, "oriented").await, 1);
    assert_eq!(
        app.emails_to(&d.pro_b.email).await.len(),
        emails_before + 1,
        "the referent is told once"
    );
    // Changing the referent.
    sent_once(
        &d.pro_a,
        &app,
        &write("referent"),
        json!({ "account_id": d.pro_b_id, "dispositif_id": d.dispositif }),
        json!({ "account_id": pro_c_id, "dispositif_id": d.dispositif }),
        200,
    )
    .await;
    assert_eq!(
        events(&d.pro_a, &app, &d.eloise, "referent_changed").await,
        1
    );
    let (_, full) = d
        .pro_a
        .get_json(&app, &format!("/api/carnets/{}", d.eloise))
        .await;
    assert_eq!(full["members"][0]["account_id"], d.pro_b_id.as_str());
    assert_eq!(full["members"][0]["member_type"], "referent");
}

#[tokio::test]
async fn an_email_change_request_sends_one_link() {
    let app = spawn_app().await;
    if !app.require_test_mode("an_email_change_request_sends_one_link") {
        return;
    }
    let (pro, _) = account(&app, "professional", Some("CCAS de Pantin")).await;
    let new_email = unique("nouvelle");
    let answer = sent_once(
        &pro,
        &app,
        "/api/auth/me/email",
        json!({ "email": new_email }),
        json!({ "email": unique("autre") }),
        202,
    )
    .await;
    assert!(answer["message"].is_string());
    assert_eq!(app.emails_to(&new_email).await.len(), 1, "one link");
}

/// The one field error of a 422, checked for French text without serde's.
fn field_error(answer: &Answer) -> (String, String, String) {
    assert_eq!(answer.status, 422, "{}", answer.body);
    let error = &answer.body["error"];
    assert_eq!(error["code"], "validation");
    assert_eq!(error["message"], "Certains champs sont invalides.");
    let fields = error["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{}", answer.body);
    let text = answer.body.to_string();
    for english in [
        "deserialize",
        "missing field",
        "expected",
        "invalid type",
        "line 1",
    ] {
        assert!(!text.contains(english), "no serde text: {text}");
    }
    let field = |name: &str| fields[0][name].as_str().unwrap().to_string();
    (field("field"), field("code"), field("message"))
}

#[tokio::test]
async fn bodies_of_the_wrong_shape_get_french_field_errors() {
    let app = spawn_app().await;
    if !app.require_test_mode("bodies_of_the_wrong_shape_get_french_field_errors") {
        return;
    }
    let d = department(&app).await;
    let referent = format!("/api/write/carnets/{}/referent", d.eloise);
    // A missing field is named, with the message every form shows for a required field.
    let missing = |field: &str| {
        (
            field.to_string(),
            "required".to_string(),
            "Ce champ est obligatoire.".to_string(),
        )
    };
    for (user, path, body, field) in [
        (&d.manager, "/api/auth/structures", json!({}), "name"),
        (
            &d.pro_a,
            referent.as_str(),
            json!({ "dispositif_id": d.dispositif }),
            "account_id",
        ),
        (
            &d.pro_a,
            referent.as_str(),
            json!({ "account_id": null }),
            "account_id",
        ),
        (&d.pro_a, "/api/auth/role", json!({}), "role_id"),
        (
            &d.manager,
            "/api/auth/accounts",
            json!({ "email": unique("x"), "first_name": "A", "last_name": "B" }),
            "role",
        ),
    ] {
        let answer = send(user, &app, path, None, &body).await;
        assert_eq!(field_error(&answer), missing(field), "{path} {body}");
    }
    // A field of the wrong type, or unknown.
    let answer = d
        .manager
        .client
        .patch(app.url(&format!("/api/write/structures/{}", d.structure_a)))
        .header("origin", &app.base_url)
        .json(&json!({ "sensitive": "oui" }))
        .send()
        .await
        .unwrap();
    let answer = Answer {
        status: answer.status().as_u16(),
        body: answer.json().await.unwrap(),
        replayed: false,
    };
    assert_eq!(
        field_error(&answer),
        (
            "sensitive".into(),
            "invalid_type".into(),
            "Valeur attendue : vrai ou faux.".into()
        )
    );
    let focuses = format!("/api/write/carnets/{}/focuses", d.eloise);
    let answer = send(&d.pro_a, &app, &focuses, None, &json!({ "theme": 3 })).await;
    assert_eq!(
        field_error(&answer),
        (
            "theme".into(),
            "invalid_type".into(),
            "Texte attendu.".into()
        )
    );
    let answer = send(
        &d.pro_a,
        &app,
        &focuses,
        Some("a-key"),
        &json!({ "theme": "logement", "couleur": "bleu" }),
    )
    .await;
    assert_eq!(
        field_error(&answer),
        (
            "couleur".into(),
            "unknown_field".into(),
            "Champ inconnu.".into()
        )
    );
    // Not an object at all: one error on the whole body, in French.
    let answer = send(&d.manager, &app, "/api/auth/structures", None, &json!([1])).await;
    let (field, code, message) = field_error(&answer);
    assert_eq!((field.as_str(), code.as_str()), ("", "invalid_body"));
    assert!(message.starts_with("Le contenu de la demande"), "{message}");
    // Not JSON: 400, as before.
    let response = d
        .manager
        .client
        .post(app.url("/api/auth/structures"))
        .header("origin", &app.base_url)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");
}
