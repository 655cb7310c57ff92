//! The extractors handlers use for what a request carries: its path parameters, its query string
//! and its JSON body. Each rejects with the project's JSON error (`AppError`: a stable code and a
//! French message), never with axum's English text. axum's own `Path`, `Query` and `Json`
//! extractors are refused by clippy (`clippy.toml`), so these are the only way in.

use crate::body::{field_error, forbidden_character_error, parse_json};
use crate::{AppError, FieldError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use carnet_domain::text::forbidden_character;
use serde::de::DeserializeOwned;

/// The path parameters (`/carnets/{id}` → `Path(id): Path<String>`). A parameter that cannot be
/// read (an invalid percent-encoding, a value of the wrong type) names nothing: 404 `not_found`.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        #[allow(clippy::disallowed_types)]
        let read = axum::extract::Path::<T>::from_request_parts(parts, state).await;
        read.map(|axum::extract::Path(value)| Path(value))
            .map_err(path_rejection)
    }
}

fn path_rejection(rejection: axum::extract::rejection::PathRejection) -> AppError {
    use axum::extract::path::ErrorKind;
    use axum::extract::rejection::PathRejection;
    match rejection {
        PathRejection::FailedToDeserializePathParams(error) => match error.kind() {
            // The route and the handler's type disagree: a programming error.
            ErrorKind::WrongNumberOfParameters { .. } | ErrorKind::UnsupportedType { .. } => {
                AppError::internal(format!("path parameters: {}", error.body_text()))
            }
            _ => AppError::NotFound,
        },
        other => AppError::internal(format!("path parameters: {}", other.body_text())),
    }
}

/// The query string (`?page=2&per_page=20`), read into `T`. A parameter of the wrong type, given
/// twice, or missing is a 422 field error on the parameter (code `validation`).
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        parse_query(parts.uri.query().unwrap_or("")).map(Query)
    }
}

/// Reads a query string into `T`, with French field errors.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    if let Some((name, error)) = pairs.clone().find_map(|(name, value)| {
        forbidden_character(&name)
            .or_else(|| forbidden_character(&value))
            .map(|error| (name, error))
    }) {
        return Err(AppError::Validation(vec![forbidden_character_error(
            &name, error,
        )]));
    }
    let deserializer = serde_urlencoded::Deserializer::new(pairs);
    serde_path_to_error::deserialize::<_, T>(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let mut field = field_error(&path, &message);
        // The parameter and the code only, never the value sent (see `parse_json`).
        eprintln!("invalid query string: {path}: {}", field.code);
        if field.field.is_empty() {
            field = FieldError::new(
                "",
                "invalid_query",
                "Les paramètres de l'adresse ne correspondent pas à ce qui est attendu.",
            );
        }
        AppError::Validation(vec![field])
    })
}

/// A JSON body (`JsonBody(body): JsonBody<T>`): see [`json_bytes`] and [`parse_json`].
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The bytes of a JSON request's body, the one way every JSON extractor reads a body: 415
/// `unsupported_media_type` unless the request says it is JSON, 413 beyond
/// [`crate::routing::MAX_BODY_BYTES`].
pub async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    if !json_content_type(req.headers()) {
        return Err(AppError::UnsupportedMediaType);
    }
    Bytes::from_request(req, state)
        .await
        .map_err(|rejection| match rejection.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            _ => AppError::bad_request(
                "unreadable_body",
                "Le corps de la demande n'a pas pu être lu.",
            ),
        })
}

/// `application/json`, or a `+json` type (`application/merge-patch+json`).
pub fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some((kind, subtype)) => {
            kind == "application" && (subtype == "json" || subtype.ends_with("+json"))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Paging {
        page: Option<i64>,
        q: Option<String>,
    }

    fn query_error(query: &str) -> FieldError {
        match parse_query::<Paging>(query) {
            Err(AppError::Validation(mut fields)) if fields.len() == 1 => fields.remove(0),
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn query_strings_are_read_or_named_at_fault() {
        let paging = parse_query::<Paging>("page=2&q=caf%C3%A9").unwrap();
        assert_eq!((paging.page, paging.q.as_deref()), (Some(2), Some("café")));
        for bad in ["page=abc", "page=99999999999999999999999", "page=1.5"] {
            let field = query_error(bad);
            assert_eq!((field.field.as_str(), field.code), ("page", "invalid"));
        }
        let nul = query_error("page=1&q=a%00b");
        assert_eq!((nul.field.as_str(), nul.code), ("q", "invalid_characters"));
        let repeated = query_error("page=1&page=2");
        assert_eq!(
            (repeated.field.as_str(), repeated.code),
            ("page", "duplicate_field")
        );
    }

    #[test]
    fn only_json_content_types_are_json() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            json_content_type(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!with("json"));
        assert!(!json_content_type(&HeaderMap::new()));
    }
}
