//! The contract check: every response a test's native server sends is checked against the
//! OpenAPI document (`carnet_server::openapi_document()`), whatever the test asserts itself.
//!
//! - an `/api` path and method the document has: the status must be one the operation
//!   documents, and a JSON body must validate against that answer's schema, made strict (an
//!   object may not carry a property its schema does not name);
//! - an `/api` path the document does not have, or a method it does not document there: the
//!   answer must be the JSON 404 or 405 error;
//! - other paths (the web pages and their files) are not part of the API.
//!
//! A response that breaks the contract is replaced by a 500 `contract_violation` (so the test
//! that received it fails on its own assertions), printed, and the test's `TestApp` panics when
//! dropped. Each server counts the responses it validated; `scripts/test.sh` sums them.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// What one server checked.
#[derive(Default)]
pub struct ContractLog {
    pub validated: AtomicUsize,
    pub violations: Mutex<Vec<String>>,
}

/// The document, as JSON, with every object schema made strict.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(carnet_server::openapi_document())
            .expect("the document serializes");
        if let Some(schemas) = document.pointer_mut("/components/schemas") {
            strict(schemas, false);
        }
        if let Some(paths) = document.get_mut("paths") {
            strict(paths, false);
        }
        document
    })
}

/// Adds `additionalProperties: false` to every object schema that names its properties and
/// says nothing of others, except the direct members of an `allOf` (each names only part of
/// the object).
fn strict(value: &mut Value, in_all_of: bool) {
    match value {
        Value::Object(map) => {
            if !in_all_of
                && map.contains_key("properties")
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                if key == "allOf" {
                    if let Value::Array(members) = child {
                        for member in members {
                            strict(member, true);
                        }
                    }
                } else if key != "example" && key != "examples" {
                    strict(child, false);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                strict(item, false);
            }
        }
        _ => {}
    }
}

/// The documented path template matching a concrete path: the one with the most literal
/// segments (`/api/carnets/portfolio` before `/api/carnets/{id}`). A parameter matches any
/// segment, an empty one too (as the routers do: the handler then answers).
pub fn matching_path<'a>(paths: impl Iterator<Item = &'a String>, path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.split('/').collect();
    paths
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') && part.ends_with('}') {
                    // Any segment.
                } else if part == segment {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, template.as_str()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, template)| template)
}

type Validators = Mutex<HashMap<String, Arc<jsonschema::Validator>>>;

fn validator(key: &str, schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Validators> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().unwrap().get(key) {
        return found.clone();
    }
    let mut root = schema.clone();
    if let Value::Object(map) = &mut root {
        map.insert(
            "components".into(),
            json!({ "schemas": document()["components"]["schemas"] }),
        );
    }
    let compiled = Arc::new(
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap_or_else(|error| panic!("schema of {key} does not compile: {error}")),
    );
    cache
        .lock()
        .unwrap()
        .insert(key.to_string(), compiled.clone());
    compiled
}

/// Checks one answer; `Err` says what breaks the contract.
pub fn check(method: &str, path: &str, status: u16, body: &[u8]) -> Result<bool, String> {
    if !(path == "/api" || path.starts_with("/api/")) {
        return Ok(false);
    }
    let document = document();
    let paths = document["paths"].as_object().expect("paths");
    let method = method.to_ascii_lowercase();
    // A HEAD is answered as the GET of its path, without a body.
    let head = method == "head";
    let looked_up = if head { "get" } else { method.as_str() };
    let documented = matching_path(paths.keys(), path)
        .and_then(|template| Some((template, paths[template].get(looked_up)?)));
    let Some((template, operation)) = documented else {
        if head {
            return match status {
                404 | 405 => Ok(false),
                _ => Err(format!("HEAD {path} : {status} (404 ou 405 attendu)")),
            };
        }
        // Not an operation: the routers' JSON 404 `unknown_route`, or 405.
        let schema = json!({ "$ref": "#/components/schemas/Erreur" });
        validate("erreur", &schema, body)?;
        let code = serde_json::from_slice::<Value>(body).unwrap_or_default()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        return match (status, code.as_str()) {
            (404, "unknown_route") | (405, "method_not_allowed") => Ok(true),
            _ => Err(format!(
                "{method} {path} n'est pas documenté, et la réponse est {status} `{code}` (404 `unknown_route` ou 405 attendu)"
            )),
        };
    };
    let responses = &operation["responses"];
    let answer = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .ok_or_else(|| {
            format!(
                "{method} {template} : réponse {status} non documentée (corps : {})",
                String::from_utf8_lossy(body)
            )
        })?;
    let Some(schema) = answer.pointer("/content/application~1json/schema") else {
        return Ok(false);
    };
    if head {
        return Ok(false);
    }
    let key = format!("{method} {template} {status}");
    validate(&key, schema, body).map(|_| true)
}

fn validate(key: &str, schema: &Value, body: &[u8]) -> Result<(), String> {
    let instance: Value = serde_json::from_slice(body).map_err(|error| {
        format!(
            "{key} : le corps n'est pas du JSON ({error}) : {}",
            String::from_utf8_lossy(body)
        )
    })?;
    let validator = validator(key, schema);
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .take(5)
        .map(|error| format!("{} : {}", error.instance_path(), error))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{key} : le corps ne suit pas le schéma : {} ; corps : {}",
            errors.join(" | "),
            truncate(&instance.to_string(), 600)
        ))
    }
}

fn truncate(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The middleware a test server runs every response through.
pub async fn layer(log: Arc<ContractLog>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let message = format!("{method} {path} : corps illisible : {error}");
            return violation(&log, message);
        }
    };
    match check(&method, &path, parts.status.as_u16(), &bytes) {
        Ok(true) => {
            log.validated.fetch_add(1, Ordering::Relaxed);
        }
        Ok(false) => {}
        Err(message) => return violation(&log, message),
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn violation(log: &ContractLog, message: String) -> Response {
    eprintln!("CONTRAT NON RESPECTÉ : {message}");
    log.violations.lock().unwrap().push(message.clone());
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({ "error": { "code": "contract_violation", "message": message } })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_over_parameters() {
        let paths: Vec<String> = [
            "/api/carnets/{id}",
            "/api/carnets/portfolio",
            "/api/x/{a}/y",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        assert_eq!(
            matching_path(paths.iter(), "/api/carnets/portfolio"),
            Some("/api/carnets/portfolio")
        );
        assert_eq!(
            matching_path(paths.iter(), "/api/carnets/123"),
            Some("/api/carnets/{id}")
        );
        assert_eq!(
            matching_path(paths.iter(), "/api/x/1/y"),
            Some("/api/x/{a}/y")
        );
        assert_eq!(matching_path(paths.iter(), "/api/x/1/z"), None);
        assert_eq!(
            matching_path(paths.iter(), "/api/carnets/"),
            Some("/api/carnets/{id}")
        );
    }

    #[test]
    fn the_check_refuses_an_undocumented_status_a_wrong_body_and_an_extra_field() {
        // /api/referentiel/rome documents 200, 401, 422 and the common errors.
        let good = br#"{"results":[{"code":"APP-1","rome_code":"M1607","label":"Secretaire"}]}"#;
        assert_eq!(check("GET", "/api/referentiel/rome", 200, good), Ok(true));
        let missing = br#"{"results":[{"code":"APP-1","label":"Secretaire"}]}"#;
        assert!(check("GET", "/api/referentiel/rome", 200, missing).is_err());
        let extra = br#"{"results":[],"phone_key":"0612"}"#;
        assert!(check("GET", "/api/referentiel/rome", 200, extra).is_err());
        let undocumented = br#"{"error":{"code":"conflict","message":"x"}}"#;
        assert!(check("GET", "/api/referentiel/rome", 409, undocumented).is_err());
        let error = br#"{"error":{"code":"unauthenticated","message":"Connectez-vous."}}"#;
        assert_eq!(check("GET", "/api/referentiel/rome", 401, error), Ok(true));
        assert!(check("GET", "/api/referentiel/rome", 401, b"not json").is_err());
        // Not an operation: only the JSON 404 `unknown_route` or 405.
        let unknown = br#"{"error":{"code":"unknown_route","message":"x"}}"#;
        assert_eq!(check("GET", "/api/nowhere", 404, unknown), Ok(true));
        assert!(check("GET", "/api/nowhere", 404, undocumented).is_err());
        assert!(check("GET", "/api/nowhere", 200, b"{}").is_err());
        // Not the API.
        assert_eq!(check("GET", "/carnets/1", 200, b"<html>"), Ok(false));
    }
}
