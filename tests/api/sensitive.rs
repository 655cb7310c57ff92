//! Sensitive data (NIR, RQTH, health situations) shows only where the policy says: the NIR in a
//! manager's full view, health data in full views. Every other body any role can read — the
//! timeline, the latest events, cards, searches, lists, dashboards, accounts, emails — and the
//! stored timeline and audit rows carry none of their values.

use crate::fixtures::{department, nir, patch, post, Department};
use carnet_tests::{native_store, spawn_app, TestApp, User};
use serde_json::json;

const HEALTH_CODE: &str = "SIT-060";
const HEALTH_LABEL: &str = "Difficulté déclarée entrainant des absences régulières";
const OTHER_HEALTH_CODE: &str = "SIT-050";
const OTHER_HEALTH_LABEL: &str = "État de santé déclaré rendant incompatible la conduite";

/// A NIR as people write it: compact, or grouped 1 23 45 67 890 123 45.
fn nir_forms(nir: &str) -> Vec<String> {
    let grouped = format!(
        "{} {} {} {} {} {} {}",
        &nir[0..1],
        &nir[1..3],
        &nir[3..5],
        &nir[5..7],
        &nir[7..10],
        &nir[10..13],
        &nir[13..15]
    );
    vec![nir.to_string(), grouped, nir[..13].to_string()]
}

/// What a body may show: the NIR, and health data.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Shown {
    nir: bool,
    health: bool,
}

const NOTHING: Shown = Shown {
    nir: false,
    health: false,
};

/// The sensitive values found in a body (as text, in any of their forms).
fn leaks(body: &str, nirs: &[String]) -> Shown {
    let nir = nirs
        .iter()
        .flat_map(|n| nir_forms(n))
        .any(|form| body.contains(&form));
    let rqth_value = ["\"rqth\":true", "\"rqth\":false"]
        .iter()
        .any(|v| body.replace(' ', "").contains(v));
    let health = rqth_value
        || [
            HEALTH_CODE,
            HEALTH_LABEL,
            OTHER_HEALTH_CODE,
            OTHER_HEALTH_LABEL,
        ]
        .iter()
        .any(|v| body.contains(v));
    Shown { nir, health }
}

async fn notebook_version(manager: &User, app: &TestApp, id: &str) -> i64 {
    let (status, view) = manager.get_json(app, &format!("/api/carnets/{id}")).await;
    assert_eq!(status, 200);
    view["version"].as_i64().unwrap()
}

/// Éloïse's notebook with RQTH, two health situations, and a NIR changed once (the old and the
/// new NIR were both set).
async fn sensitive_notebook(app: &TestApp, d: &Department) -> Vec<String> {
    let id = &d.eloise;
    let version = notebook_version(&d.manager, app, id).await;
    let response = patch(
        &d.pro_a,
        app,
        &format!("/api/write/carnets/{id}/diagnostic"),
        json!({ "version": version, "rqth": true }),
    )
    .await;
    assert_eq!(response.status(), 200);
    for code in [HEALTH_CODE, OTHER_HEALTH_CODE, "SIT-001"] {
        let (status, _) = post(
            &d.pro_a,
            app,
            &format!("/api/write/carnets/{id}/situations"),
            json!({ "code": code }),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, _) = post(
        &d.pro_a,
        app,
        &format!("/api/write/carnets/{id}/focuses"),
        json!({ "theme": "sante" }),
    )
    .await;
    assert_eq!(status, 201);
    let new_nir = nir("2850775123999");
    let version = notebook_version(&d.manager, app, id).await;
    let response = patch(
        &d.manager,
        app,
        &format!("/api/write/carnets/{id}/identity"),
        json!({ "version": version, "nir": new_nir }),
    )
    .await;
    assert_eq!(response.status(), 200);
    vec![d.eloise_nir.clone(), new_nir]
}

#[tokio::test]
async fn sensitive_values_show_only_where_the_policy_says() {
    let app = spawn_app().await;
    if !app.require_test_mode("sensitive_values_show_only_where_the_policy_says") {
        return;
    }
    let d = department(&app).await;
    let nirs = sensitive_notebook(&app, &d).await;
    let id = &d.eloise;
    let full_view = format!("/api/carnets/{id}");
    let reads = [
        full_view.clone(),
        format!("/api/carnets/{id}/timeline"),
        format!("/api/carnets/{id}/timeline?q=NIR"),
        "/api/carnets/mine".to_string(),
        "/api/carnets/search?q=Dupont".to_string(),
        format!("/api/carnets/search?q={}", d.eloise_nir),
        "/api/carnets/portfolio".to_string(),
        "/api/carnets/structure".to_string(),
        "/api/carnets/departement".to_string(),
        "/api/carnets/recent".to_string(),
        "/api/carnets/dashboard".to_string(),
        "/api/carnets/orientation-requests".to_string(),
        "/api/auth/me".to_string(),
        "/api/auth/accounts".to_string(),
        "/api/notifications/preferences".to_string(),
        "/api/notifications/failed".to_string(),
    ];
    let full = Shown {
        nir: false,
        health: true,
    };
    let roles: [(&str, &User, Shown); 8] = [
        (
            "manager",
            &d.manager,
            Shown {
                nir: true,
                health: true,
            },
        ),
        ("orientation manager", &d.orientation, full),
        ("platform admin", &d.platform_admin, NOTHING),
        (
            "structure admin of the referent's structure",
            &d.admin_a,
            full,
        ),
        ("structure admin elsewhere", &d.admin_b, NOTHING),
        ("referent", &d.pro_a, full),
        ("professional elsewhere (card)", &d.pro_b, NOTHING),
        ("the beneficiary", &d.beneficiary, full),
    ];
    let mut checked = 0;
    for (role, user, in_full_view) in roles {
        for path in &reads {
            let response = user.client.get(app.url(path)).send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            let allowed = if (path == &full_view || path == "/api/carnets/mine") && status == 200 {
                in_full_view
            } else {
                NOTHING
            };
            let found = leaks(&body, &nirs);
            assert!(
                (!found.nir || allowed.nir) && (!found.health || allowed.health),
                "{role}: GET {path} ({status}) shows {found:?}, allowed {allowed:?}: {body}"
            );
            checked += 1;
        }
    }
    // What the policy shows is really shown (the test would pass on bodies that show nothing).
    let (_, view) = d.manager.get_json(&app, &full_view).await;
    assert_eq!(view["beneficiary"]["nir"], json!(nirs[1]));
    assert_eq!(view["diagnostic"]["rqth"], json!(true));
    let (_, view) = d.pro_a.get_json(&app, &full_view).await;
    assert!(view["beneficiary"].get("nir").is_none());
    assert_eq!(view["diagnostic"]["rqth"], json!(true));
    // The timeline names the changes without their values.
    let (_, timeline) = d
        .pro_a
        .get_json(&app, &format!("{full_view}/timeline"))
        .await;
    let summaries: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert!(
        summaries.contains(&"Identité ou droits mis à jour ; modifié : NIR"),
        "{summaries:?}"
    );
    assert!(
        summaries.contains(&"Diagnostic mis à jour ; modifié : RQTH"),
        "{summaries:?}"
    );
    assert!(
        summaries.contains(&"Situation de santé ajoutée (détail protégé)"),
        "{summaries:?}"
    );
    // The emails sent so far (sign-in links, invitations) carry none of it either.
    let outbox = serde_json::to_string(&app.outbox().await).unwrap();
    assert_eq!(leaks(&outbox, &nirs), NOTHING, "{outbox}");
    // The stored timeline and audit rows: no value, whatever the API shows of them.
    if let Some(url) = &app.database_url {
        let db = native_store(url).connect().await.unwrap();
        for sql in [
            "SELECT summary AS t FROM timeline_events",
            "SELECT COALESCE(before_value, '') AS t FROM timeline_events",
            "SELECT COALESCE(after_value, '') AS t FROM timeline_events",
            "SELECT COALESCE(details, '') AS t FROM audit_log",
        ] {
            for row in db.query(sql, &[]).await.unwrap() {
                let text: String = row.get("t").unwrap();
                assert_eq!(leaks(&text, &nirs), NOTHING, "{sql}: {text}");
            }
        }
    }
    println!("sensitive data: {checked} bodies read, none showed more than its policy");
}

/// The removal of a health situation is traced without its label either.
#[tokio::test]
async fn removing_a_health_situation_names_no_label() {
    let app = spawn_app().await;
    let d = department(&app).await;
    let id = &d.eloise;
    let (status, _) = post(
        &d.pro_a,
        &app,
        &format!("/api/write/carnets/{id}/situations"),
        json!({ "code": HEALTH_CODE }),
    )
    .await;
    assert_eq!(status, 201);
    let response = d
        .pro_a
        .client
        .delete(app.url(&format!("/api/write/carnets/{id}/situations/{HEALTH_CODE}")))
        .header("origin", &app.base_url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (_, timeline) = d
        .beneficiary
        .get_json(&app, &format!("/api/carnets/{id}/timeline"))
        .await;
    let text = timeline.to_string();
    assert!(
        text.contains("Situation de santé retirée (détail protégé)"),
        "{text}"
    );
    assert_eq!(leaks(&text, &[]), NOTHING, "{text}");
}

/// The leak finder itself: a grouped NIR and an RQTH value are found, a mark is not.
#[test]
fn grouped_and_compact_nirs_are_found() {
    let n = nir("2850775123456");
    let grouped = nir_forms(&n)[1].clone();
    assert!(
        leaks(
            &format!("{{\"x\":\"{grouped}\"}}"),
            std::slice::from_ref(&n)
        )
        .nir
    );
    assert!(leaks(&format!("{{\"rqth\": true, \"n\": \"{n}\"}}"), &[]).health);
    assert_eq!(leaks("{\"rqth\":\"(donnée protégée)\"}", &[n]), NOTHING);
}
