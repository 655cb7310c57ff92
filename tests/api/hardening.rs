//! The defects an attacker's probe found (issue « Hardening »), one test each, on both stores:
//! roles reaching accounts beyond the granter, rendez-vous with strangers, control and
//! bidirectional characters, impossible dates, actions of another axe, internal keys in answers.

use crate::fixtures::{account, department, logement_plan, patch, post, Department};
use carnet_tests::{spawn_app, TestApp, User};
use serde_json::{json, Value};

async fn account_id(user: &User, app: &TestApp) -> String {
    let (status, me) = user.get_json(app, "/api/auth/me").await;
    assert_eq!(status, 200);
    me["account"]["id"].as_str().unwrap().to_string()
}

fn error_code(body: &Value) -> (&str, &str) {
    (
        body["error"]["code"].as_str().unwrap_or(""),
        body["error"]["fields"][0]["code"].as_str().unwrap_or(""),
    )
}

/// Staff roles only on staff accounts: a structure admin cannot turn a beneficiary (nor a manager,
/// nor another structure's professional) into one of their professionals, and a manager cannot
/// give a beneficiary's account a staff role either.
#[tokio::test]
async fn grants_never_reach_a_beneficiary_or_an_account_beyond_the_granter() {
    let app = spawn_app().await;
    if !app.require_test_mode("grants_never_reach_a_beneficiary_or_an_account_beyond_the_granter") {
        return;
    }
    let d = department(&app).await;
    let beneficiary = account_id(&d.beneficiary, &app).await;
    let manager = account_id(&d.manager, &app).await;
    let grant = |structure: &str| json!({ "role": "professional", "structure_id": structure });
    for (granter, account, who) in [
        (&d.admin_a, &beneficiary, "the beneficiary"),
        (&d.admin_a, &manager, "a manager"),
        (&d.admin_a, &d.pro_b_id, "another structure's professional"),
        (&d.manager, &beneficiary, "the beneficiary, by a manager"),
    ] {
        let (status, body) = post(
            granter,
            &app,
            &format!("/api/auth/accounts/{account}/roles"),
            grant(&d.structure_a),
        )
        .await;
        assert_eq!(
            (status, error_code(&body).0),
            (403, "account_out_of_reach"),
            "{who}: {body}"
        );
    }
    // The beneficiary still cannot search the département's notebooks.
    let response = d
        .beneficiary
        .client
        .get(app.url("/api/carnets/search?q=Martin"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Allowed: a manager adds a role to a professional's account (the rule is not "refuse
    // everything").
    let (_, created) = account(&app, "professional", Some(&d.structure_a)).await;
    let (status, body) = post(
        &d.manager,
        &app,
        &format!(
            "/api/auth/accounts/{}/roles",
            created["account_id"].as_str().unwrap()
        ),
        json!({ "role": "orientation_manager" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// A rendez-vous is held by the caller, a member, or a professional of the caller's structure:
/// not by a professional of an unrelated structure, who would then get reminders about a
/// notebook they may only see as a card.
#[tokio::test]
async fn a_rendez_vous_is_with_the_caller_a_member_or_a_colleague() {
    let app = spawn_app().await;
    if !app.require_test_mode("a_rendez_vous_is_with_the_caller_a_member_or_a_colleague") {
        return;
    }
    let d = department(&app).await;
    let path = format!("/api/write/carnets/{}/rendez-vous", d.eloise);
    let starts_at = "2026-12-20T10:00:00+01:00";
    let (status, body) = post(
        &d.pro_a,
        &app,
        &path,
        json!({ "starts_at": starts_at, "with_account_id": d.pro_b_id }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "with_account_id");
    assert_eq!(error_code(&body).1, "not_reachable");
    // The structure admin of B cannot book in a notebook B does not follow at all (404).
    let (status, _) = post(
        &d.admin_b,
        &app,
        &path,
        json!({ "starts_at": starts_at, "with_account_id": d.pro_b_id }),
    )
    .await;
    assert_eq!(status, 404);
    // With oneself, and with a colleague of one's structure: allowed.
    let (_, created) = account(&app, "professional", Some(&d.structure_a)).await;
    for with in [None, created["account_id"].as_str()] {
        let body = match with {
            Some(id) => json!({ "starts_at": starts_at, "with_account_id": id }),
            None => json!({ "starts_at": starts_at }),
        };
        let (status, answer) = post(&d.pro_a, &app, &path, body).await;
        assert_eq!(status, 201, "{answer}");
    }
    // Once pro B is a member of the notebook, they may hold one.
    let (status, _) = post(
        &d.pro_b,
        &app,
        &format!("/api/write/carnets/{}/members/self", d.eloise),
        json!({ "member_type": "member" }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, answer) = post(
        &d.pro_a,
        &app,
        &path,
        json!({ "starts_at": starts_at, "with_account_id": d.pro_b_id }),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

/// NUL, BEL, ESC, DEL and bidirectional overrides are refused (422 naming the field), in names,
/// labels and emails; what is kept is trimmed and NFC; multi-line reasons keep their lines.
#[tokio::test]
async fn control_and_bidirectional_characters_are_refused_and_text_normalized() {
    let app = spawn_app().await;
    if !app
        .require_test_mode("control_and_bidirectional_characters_are_refused_and_text_normalized")
    {
        return;
    }
    let d = department(&app).await;
    for (field, bad) in [
        ("first_name", "Jean\u{0}"),
        ("last_name", "Mar\u{7}tin"),
        ("last_name", "Dupont\u{202E}tnopuD"),
        ("birth_place", "\u{1b}[31mParis"),
        ("first_name", "A\u{7f}"),
        ("first_name", "\u{2066}Zoé\u{2069}"),
    ] {
        let mut body =
            json!({ "first_name": "Zoé", "last_name": "Martin", "birth_date": "1990-01-01" });
        body[field] = json!(bad);
        let (status, answer) = post(&d.manager, &app, "/api/write/beneficiaries", body).await;
        assert_eq!(status, 422, "{field} {bad:?}: {answer}");
        assert_eq!(answer["error"]["fields"][0]["field"], field, "{answer}");
        assert_eq!(error_code(&answer).1, "invalid_characters", "{answer}");
    }
    let (status, answer) = post(
        &d.manager,
        &app,
        "/api/write/beneficiaries",
        json!({ "first_name": "Zoé", "last_name": "Martin", "birth_date": "1990-01-01", "email": "zoe\u{0}@exemple.fr" }),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["fields"][0]["field"], "email");
    // A free objectif label: the same rule.
    let objectifs = logement_plan(&d.pro_a, &app, &d.eloise).await.objectifs;
    let (status, answer) = post(
        &d.pro_a,
        &app,
        &objectifs,
        json!({ "label": "Trouver\u{0} un logement" }),
    )
    .await;
    assert_eq!(
        (status, error_code(&answer).1),
        (422, "invalid_characters"),
        "{answer}"
    );
    // Kept: decomposed accents stored composed (NFC), white space trimmed and collapsed.
    let (status, created) = post(
        &d.manager,
        &app,
        "/api/write/beneficiaries",
        json!({ "first_name": "  Ele\u{301}onore\t", "last_name": "Fa\u{301}bre   Durand", "birth_date": "1990-01-01" }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["notebook_id"].as_str().unwrap();
    let (_, view) = d
        .manager
        .get_json(&app, &format!("/api/carnets/{id}"))
        .await;
    assert_eq!(view["beneficiary"]["first_name"], "Eléonore");
    assert_eq!(view["beneficiary"]["last_name"], "Fábre Durand");
    // Nothing with a NUL came back in search.
    let (_, found) = d
        .manager
        .get_json(&app, "/api/carnets/search?q=Martin")
        .await;
    assert!(!found.to_string().contains("\\u0000"), "{found}");
}

/// Dates between 1900 and 2100 everywhere; a birth date not in the future.
#[tokio::test]
async fn impossible_dates_are_refused() {
    let app = spawn_app().await;
    if !app.require_test_mode("impossible_dates_are_refused") {
        return;
    }
    let d = department(&app).await;
    for birth_date in ["0000-01-01", "1899-12-31", "2101-01-01", "2999-01-01"] {
        let (status, answer) = post(
            &d.manager,
            &app,
            "/api/write/beneficiaries",
            json!({ "first_name": "Zoé", "last_name": "Martin", "birth_date": birth_date }),
        )
        .await;
        assert_eq!(status, 422, "{birth_date}: {answer}");
        assert_eq!(error_code(&answer).1, "out_of_range", "{answer}");
    }
    let base = format!("/api/write/carnets/{}", d.eloise);
    let actions = logement_plan(&d.pro_a, &app, &d.eloise).await.actions;
    for (start, due) in [
        ("0000-01-01", None),
        ("2026-01-10", Some("9999-12-31")),
        ("2101-01-01", None),
    ] {
        let (status, answer) = post(
            &d.pro_a,
            &app,
            &actions,
            json!({ "label": "Dossier DALO", "start_date": start, "due_date": due }),
        )
        .await;
        assert_eq!(
            (status, error_code(&answer).1),
            (422, "out_of_range"),
            "{start} {due:?}: {answer}"
        );
    }
    let (status, _) = post(
        &d.pro_a,
        &app,
        &actions,
        json!({ "label": "Dossier DALO", "start_date": "1900-01-01", "due_date": "2100-12-31" }),
    )
    .await;
    assert_eq!(status, 201, "the bounds themselves are dates");
    // A rendez-vous in year 0000 is refused too (an instant, same bounds).
    let (status, _) = post(
        &d.pro_a,
        &app,
        &format!("{base}/rendez-vous"),
        json!({ "starts_at": "0000-01-01T10:00:00Z" }),
    )
    .await;
    assert_eq!(status, 422);
}

/// An action of the reference list must belong to the axe de travail of its objectif.
#[tokio::test]
async fn an_action_of_another_axe_is_refused() {
    let app = spawn_app().await;
    let d: Department = department(&app).await;
    let (_, referentiel) = d.pro_a.get_json(&app, "/api/referentiel").await;
    let first_action = |theme: &str| {
        referentiel["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == theme)
            .unwrap()["actions"][0]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let actions = logement_plan(&d.pro_a, &app, &d.eloise).await.actions;
    let (status, answer) = post(
        &d.pro_a,
        &app,
        &actions,
        json!({ "ref_code": first_action("mobilite"), "start_date": "2026-12-01" }),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        (
            answer["error"]["fields"][0]["field"].as_str(),
            error_code(&answer).1
        ),
        (Some("ref_code"), "wrong_theme")
    );
    let (status, answer) = post(
        &d.pro_a,
        &app,
        &actions,
        json!({ "ref_code": first_action("logement"), "start_date": "2026-12-01" }),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

/// The contact-details answer (and the identity's) carries no internal key.
#[tokio::test]
async fn answers_carry_no_internal_key() {
    let app = spawn_app().await;
    let d = department(&app).await;
    let (_, view) = d
        .manager
        .get_json(&app, &format!("/api/carnets/{}", d.eloise))
        .await;
    let version = view["version"].as_i64().unwrap();
    let response = patch(
        &d.beneficiary,
        &app,
        &format!("/api/write/carnets/{}/contact-details", d.eloise),
        json!({ "version": version, "phone": "07 11 22 33 44" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["phone"], "07 11 22 33 44");
    assert!(answer.get("phone_key").is_none(), "{answer}");
    // The phone still finds the person (its key was kept in step).
    let (_, found) = d
        .manager
        .get_json(&app, "/api/carnets/search?q=0711223344")
        .await;
    assert_eq!(found["total"], 1, "{found}");
    // Emptied: the key goes with it, and nothing internal either.
    let response = patch(
        &d.beneficiary,
        &app,
        &format!("/api/write/carnets/{}/contact-details", d.eloise),
        json!({ "version": version + 1, "phone": "" }),
    )
    .await;
    let answer: Value = response.json().await.unwrap();
    // The answer is the contact details after the change (all of them) and the new version.
    assert_eq!(answer["phone"], Value::Null, "{answer}");
    assert_eq!(answer["version"], version + 2, "{answer}");
    let mut keys: Vec<&str> = answer
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["address", "city", "phone", "postal_code", "version"]);
    for body in [&view, &answer] {
        for internal in [
            "phone_key",
            "sort_key",
            "name_key",
            "summary_key",
            "email_key",
        ] {
            assert!(!body.to_string().contains(internal), "{internal} in {body}");
        }
    }
}
