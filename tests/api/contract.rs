//! The OpenAPI document: served as generated, every operation in it exists and is described
//! (summary in French, roles, error codes, an example), and every route exists in it (the
//! routers are built from the same lists; `carnet_tests::contract` checks every answer of every
//! other test against it).

use carnet_tests::{contract, spawn_app};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every (method, path) of the document.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method.to_string(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_served_document_is_the_one_the_code_generates() {
    let app = spawn_app().await;
    let generated = carnet_http::openapi::to_pretty_json(&carnet_server::openapi_document());
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let served = response.text().await.unwrap();
    assert!(
        served == generated,
        "static/openapi.json is not the document the code generates: run \
         `cargo run -p carnet-server -- openapi > static/openapi.json`"
    );
    let document: Value = serde_json::from_str(&served).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    eprintln!(
        "document OpenAPI : {} opérations, {} schémas",
        operations(&document).len(),
        document["components"]["schemas"].as_object().unwrap().len()
    );
}

#[tokio::test]
async fn every_documented_operation_exists_at_its_path_and_method() {
    let app = spawn_app().await;
    let document = contract::document();
    for (method, path, _) in operations(document) {
        // Parameters get a well-formed id that names nothing: the route answers (401, 404
        // `not_found`, 422…), never the routers' `unknown_route` or a 405.
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "00000000-0000-4000-8000-000000000000"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let response = app
            .client
            .request(method.to_uppercase().parse().unwrap(), app.url(&concrete))
            .header("origin", &app.public_url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {path} : 405");
        assert_ne!(
            body["error"]["code"], "unknown_route",
            "{method} {path} est documenté mais n'existe pas"
        );
    }
}

#[test]
fn every_operation_is_described_in_french_with_its_roles_errors_and_an_example() {
    let document = contract::document();
    let schemas = &document["components"]["schemas"];
    let mut missing = Vec::new();
    for (method, path, operation) in operations(document) {
        let name = format!("{method} {path}");
        if operation["tags"]
            .as_array()
            .is_none_or(|tags| tags.is_empty())
        {
            missing.push(format!(
                "{name} : pas de tag (sa rubrique dans la documentation)"
            ));
        }
        let summary = operation["summary"].as_str().unwrap_or_default();
        if summary.is_empty() {
            missing.push(format!("{name} : pas de résumé"));
        }
        let description = operation["description"].as_str().unwrap_or_default();
        if !description.contains("**Rôles**") {
            missing.push(format!(
                "{name} : la description ne dit pas les rôles (« **Rôles** : … »)"
            ));
        }
        let responses = operation["responses"].as_object().unwrap();
        let mut has_example = false;
        for (status, response) in responses {
            let description = response["description"].as_str().unwrap_or_default();
            if status.starts_with('4') && !description.contains('`') {
                missing.push(format!(
                    "{name} {status} : la description ne nomme pas ses codes d'erreur"
                ));
            }
            let media = &response["content"]["application/json"];
            if media.get("example").is_some() || media.get("examples").is_some() {
                has_example = true;
            }
            if let Some(reference) = media["schema"]["$ref"].as_str() {
                let schema = &schemas[reference.trim_start_matches("#/components/schemas/")];
                if status.starts_with('2')
                    && (schema.get("example").is_some() || schema.get("examples").is_some())
                {
                    has_example = true;
                }
            }
        }
        if !responses.keys().any(|status| status.starts_with('2')) {
            missing.push(format!("{name} : aucune réponse de succès"));
        }
        if !has_example {
            missing.push(format!("{name} : aucun exemple"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
