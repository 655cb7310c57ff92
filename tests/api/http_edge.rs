//! The HTTP edge of every component: what the framework refuses (content type, body shape, query
//! string, path, method, size) answers the project's JSON error in French with a stable code;
//! unknown API paths never get the web page; security headers on every answer.

use crate::fixtures::account;
use carnet_tests::{require_native, spawn_app, spawn_app_with, TestApp};
use reqwest::Response;
use serde_json::{json, Value};

/// The status, and the JSON error after checking its shape: `{"error": {"code", "message"}}`
/// served as `application/json`, the message in French (no serde or axum text).
async fn json_error(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{status}: content type {content_type:?}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let error = &body["error"];
    assert!(
        error["code"].is_string() && error["message"].is_string(),
        "{status}: not the error shape: {text}"
    );
    let message = error["message"].as_str().unwrap();
    for english in ["expected", "Failed", "invalid digit", "Invalid", "missing"] {
        assert!(!message.contains(english), "{status}: English: {message}");
    }
    (status, body)
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

fn first_field(body: &Value) -> (&str, &str) {
    let field = &body["error"]["fields"][0];
    (
        field["field"].as_str().unwrap_or("?"),
        field["code"].as_str().unwrap_or("?"),
    )
}

async fn dispositif_names(manager: &carnet_tests::User, app: &TestApp) -> Vec<String> {
    let (status, list) = manager.get_json(app, "/api/carnets/dispositifs").await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().or(list.as_array()).cloned();
    items
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn json_endpoints_require_a_json_content_type_and_an_object() {
    let app = spawn_app().await;
    let (manager, _) = account(&app, "manager", None).await;
    let post = |content_type: Option<&'static str>, body: &'static str| {
        let mut request = manager
            .client
            .post(app.url("/api/write/dispositifs"))
            .header("origin", &app.base_url)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    let valid = r#"{"name": "Sans type", "orientation_type": "social"}"#;
    // Not said to be JSON: 415, with the idempotent create's extractor as with the plain one.
    for content_type in [
        Some("text/plain"),
        None,
        Some("application/x-www-form-urlencoded"),
    ] {
        let (status, body) = json_error(post(content_type, valid).await.unwrap()).await;
        assert_eq!(status, 415, "{content_type:?}: {body}");
        assert_eq!(code(&body), "unsupported_media_type");
    }
    let link = app
        .client
        .post(app.url("/api/auth/magic-link"))
        .header("content-type", "text/plain")
        .body(r#"{"email": "personne@exemple.fr"}"#)
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(link).await;
    assert_eq!((status, code(&body)), (415, "unsupported_media_type"));
    // JSON, but not an object: serde would read the fields in order from an array.
    for array in [
        r#"["Par tableau", "social"]"#,
        r#""Par texte""#,
        "12",
        "null",
    ] {
        let (status, body) = json_error(post(Some("application/json"), array).await.unwrap()).await;
        assert_eq!(status, 422, "{array}: {body}");
        assert_eq!(first_field(&body), ("", "invalid_body"), "{array}");
    }
    let link = app
        .client
        .post(app.url("/api/auth/magic-link"))
        .json(&json!(["personne@exemple.fr"]))
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(link).await;
    assert_eq!((status, first_field(&body)), (422, ("", "invalid_body")));
    let names = dispositif_names(&manager, &app).await;
    assert!(
        !names.iter().any(|n| n == "Sans type" || n == "Par tableau"),
        "nothing created: {names:?}"
    );
    // A `+json` type is JSON.
    let response = post(Some("application/merge-patch+json; charset=utf-8"), valid)
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn framework_rejections_are_french_json_errors_with_stable_codes() {
    let app = spawn_app().await;
    let (manager, _) = account(&app, "manager", None).await;
    let get = |path: &str| manager.client.get(app.url(path)).send();
    for (query, field, field_code) in [
        ("page=abc", "page", "invalid"),
        ("page=99999999999999999999999", "page", "invalid"),
        ("page=1&page=2", "page", "duplicate_field"),
        ("per_page=-", "per_page", "invalid"),
        ("sans_referent=peut-etre", "sans_referent", "invalid"),
    ] {
        let path = format!("/api/carnets/departement?{query}");
        let (status, body) = json_error(get(&path).await.unwrap()).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(code(&body), "validation", "{path}");
        assert_eq!(first_field(&body), (field, field_code), "{path}");
    }
    // A path parameter that cannot be decoded names nothing.
    let response = manager
        .client
        .patch(app.url("/api/write/structures/%FF%FE"))
        .header("origin", &app.base_url)
        .json(&json!({ "sensitive": true }))
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(response).await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    // A NUL character: no store keeps one (PostgreSQL refused it with a 500).
    let response = manager
        .client
        .post(app.url("/api/write/dispositifs"))
        .header("origin", &app.base_url)
        .json(&json!({ "name": "a\u{0}b", "orientation_type": "social" }))
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(response).await;
    assert_eq!(
        (status, first_field(&body)),
        (422, ("name", "invalid_characters"))
    );
    let (status, body) = json_error(get("/api/auth/accounts?q=a%00b").await.unwrap()).await;
    assert_eq!(
        (status, first_field(&body)),
        (422, ("q", "invalid_characters"))
    );
    // Not JSON at all.
    let response = manager
        .client
        .post(app.url("/api/write/dispositifs"))
        .header("origin", &app.base_url)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = json_error(response).await;
    assert_eq!((status, code(&body)), (400, "malformed_json"));
}

#[tokio::test]
async fn unknown_api_paths_get_json_404s_and_wrong_methods_json_405s() {
    let app = spawn_app().await;
    for path in [
        "/api",
        "/api/",
        "/api/nothing",
        "/api/v2/carnets",
        "/api/carnetsX",
        "/api/healthz",
        "/api/nothing.js",
        "/api/auth/nothing",
        "/api/write/carnets",
    ] {
        let (status, body) = json_error(app.get(path).await).await;
        assert_eq!((status, code(&body)), (404, "unknown_route"), "{path}");
        let response = app.client.post(app.url(path)).send().await.unwrap();
        let (status, body) = json_error(response).await;
        assert!(status == 404 || status == 405, "POST {path}: {status}");
        assert!(!code(&body).is_empty());
    }
    for (method, path, allowed) in [
        (reqwest::Method::DELETE, "/api/auth/me", "GET"),
        (reqwest::Method::PUT, "/api/health", "GET"),
        (reqwest::Method::GET, "/api/auth/magic-link", "POST"),
        (reqwest::Method::POST, "/api/carnets/portfolio", "GET"),
        (reqwest::Method::GET, "/api/write/dispositifs", "POST"),
        (
            reqwest::Method::GET,
            "/api/notifications/jobs/deliver",
            "POST",
        ),
        (reqwest::Method::POST, "/", "GET"),
        (reqwest::Method::DELETE, "/connexion", "GET"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        let allow = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let (status, body) = json_error(response).await;
        assert_eq!(
            (status, code(&body)),
            (405, "method_not_allowed"),
            "{method} {path}"
        );
        assert!(allow.contains(allowed), "{method} {path}: Allow {allow:?}");
    }
    // Page paths still get the application shell.
    let page = app.get("/carnets/nimporte-quoi").await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

const PERMISSIONS: &[&str] = &["camera=()", "microphone=()", "geolocation=()", "payment=()"];

fn assert_security_headers(response: &Response, https: bool) {
    let url = response.url().to_string();
    let policy = response
        .headers()
        .get("permissions-policy")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    for feature in PERMISSIONS {
        assert!(
            policy.contains(feature),
            "{url}: Permissions-Policy {policy:?}"
        );
    }
    let hsts = response.headers().get("strict-transport-security");
    if https {
        let hsts = hsts.map(|v| v.to_str().unwrap()).unwrap_or("");
        assert_eq!(hsts, "max-age=63072000; includeSubDomains", "{url}");
    } else {
        assert!(hsts.is_none(), "{url}: no HSTS over http");
    }
}

const EVERY_KIND_OF_ANSWER: &[&str] = &[
    "/",
    "/connexion",
    "/js/app.js",
    "/absent.js",
    "/api/health",
    "/api/auth/me",
    "/api/write/health",
    "/api/notifications/health",
    "/api/nothing",
];

#[tokio::test]
async fn every_answer_carries_a_permissions_policy_and_hsts_only_over_https() {
    let app = spawn_app().await;
    for path in EVERY_KIND_OF_ANSWER {
        assert_security_headers(&app.get(path).await, false);
    }
    if !require_native("every_answer_carries_a_permissions_policy_and_hsts_only_over_https") {
        return;
    }
    // The instance behind a TLS proxy: its public URL is https (still loopback for test mode).
    let app = spawn_app_with(&[("public_url", "https://127.0.0.1:8443")]).await;
    for path in EVERY_KIND_OF_ANSWER {
        assert_security_headers(&app.get(path).await, true);
    }
}

/// axum's `Json` stays a response type: as an extractor its rejections are English text. (axum's
/// `Path` and `Query` are refused by clippy, see `clippy.toml`; `Json` cannot be, being the
/// response type every handler returns.)
#[test]
fn no_handler_reads_its_body_with_axums_json() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../components");
    let mut offenders = Vec::new();
    for component in std::fs::read_dir(root).unwrap() {
        let src = component.unwrap().path().join("src");
        for file in std::fs::read_dir(&src).into_iter().flatten() {
            let path = file.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let compact: String = text.split_whitespace().collect();
            for pattern in ["):Json<", "):axum::Json<", "Json<_>", "json::Json<"] {
                if compact.contains(pattern) {
                    offenders.push(format!("{}: {pattern}", path.display()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "use carnet_http::extract::JsonBody: {offenders:?}"
    );
}
