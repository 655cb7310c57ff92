//! Idempotent creates: a create accepts an `Idempotency-Key` header, scoped to the account and
//! kept 24 h. A replay with the same body returns the stored response; the same key with another
//! body gets 422. The response is stored in the same transaction as the write, so a retried save
//! (a network failure after the server committed) writes once.

use crate::auth::Authenticated;
use crate::{AppError, FieldError};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_store::repo::idempotency;
use carnet_store::StoreError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::Digest;

pub const HEADER: &str = "idempotency-key";

/// A JSON body (read as [`crate::extract::JsonBody`] reads it), with the request's idempotency key (if any) and its fingerprint.
pub struct IdempotentJson<T> {
    pub body: T,
    request: Idempotent,
}

/// A request's idempotency key (if any) and the fingerprint of the request (its method and path,
/// and its body when it has one): for a create whose body, if any, is not read.
pub struct Idempotent {
    key: Option<String>,
    hash: String,
}

/// The `Idempotency-Key` header, checked.
fn key_of(headers: &axum::http::HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get(HEADER) {
        None => Ok(None),
        Some(value) => {
            let key = value.to_str().unwrap_or("").trim().to_string();
            if key.is_empty() || key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
                return Err(AppError::Validation(vec![FieldError::new(
                    HEADER,
                    "invalid",
                    "Clé d'idempotence invalide (1 à 100 caractères visibles).",
                )]));
            }
            Ok(Some(key))
        }
    }
}

fn fingerprint(method: &axum::http::Method, path: &str, body: &[u8]) -> String {
    let mut hasher = sha2::Sha256::new();
    hasher.update(format!("{method} {path}").as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl<T, S> FromRequest<S> for IdempotentJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let key = key_of(req.headers())?;
        let (method, path) = (req.method().clone(), req.uri().path().to_string());
        let bytes = crate::extract::json_bytes(req, state).await?;
        let hash = fingerprint(&method, &path, &bytes);
        let body = crate::body::parse_json::<T>(&bytes)?;
        Ok(IdempotentJson {
            body,
            request: Idempotent { key, hash },
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Idempotent {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        Ok(Idempotent {
            key: key_of(&parts.headers)?,
            hash: fingerprint(&parts.method, parts.uri.path(), &[]),
        })
    }
}

fn stored_response(stored: idempotency::Stored) -> Response {
    let status = StatusCode::from_u16(stored.status as u16).unwrap_or(StatusCode::OK);
    let body: Value = serde_json::from_str(&stored.response).unwrap_or(Value::Null);
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        "idempotent-replay",
        axum::http::HeaderValue::from_static("true"),
    );
    response
}

impl Idempotent {
    /// The stored response of an earlier request with this key, or 422 if it had another body.
    pub async fn replay(&self, auth: &Authenticated) -> Result<Option<Response>, AppError> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        match idempotency::find(&auth.ctx.db, auth.account_id, key, auth.ctx.now).await? {
            None => Ok(None),
            Some(stored) if stored.request_hash == self.hash => Ok(Some(stored_response(stored))),
            Some(_) => Err(AppError::Validation(vec![FieldError::new(
                HEADER,
                "key_reused",
                "Cette clé d'idempotence a déjà servi pour une autre demande.",
            )])),
        }
    }

    /// Runs `work` in one transaction ([`carnet_store::Db::transaction`]), stores the body it
    /// answers under the key (if one was given) in that same transaction, and answers `status`
    /// with it. Whatever fails rolls everything back. A concurrent request that used the same
    /// key first wins: this one is rolled back and answers with that request's stored response.
    pub async fn write<T: serde::Serialize>(
        &self,
        auth: &Authenticated,
        status: StatusCode,
        work: impl AsyncFnOnce() -> Result<T, AppError>,
    ) -> Result<Response, AppError> {
        let db = &auth.ctx.db;
        let written = db
            .transaction(async || {
                let typed = work().await.map_err(Failed::App)?;
                let body = serde_json::to_value(&typed)
                    .map_err(|error| Failed::App(AppError::internal(error)))?;
                if let Some(key) = &self.key {
                    let saved = idempotency::save(
                        db,
                        auth.account_id,
                        key,
                        &self.hash,
                        status.as_u16().into(),
                        &body.to_string(),
                        auth.ctx.now,
                    )
                    .await;
                    match saved {
                        Err(StoreError::UniqueViolation(_)) => return Err(Failed::KeyTaken),
                        other => other?,
                    }
                }
                Ok(body)
            })
            .await;
        match written {
            Ok(body) => Ok((status, Json(body)).into_response()),
            Err(Failed::App(error)) => Err(error),
            Err(Failed::KeyTaken) => match self.replay(auth).await? {
                Some(response) => Ok(response),
                None => Err(AppError::Busy),
            },
        }
    }
}

/// Why an idempotent write was rolled back.
enum Failed {
    App(AppError),
    /// Another request stored its response under this key first.
    KeyTaken,
}

impl From<StoreError> for Failed {
    fn from(error: StoreError) -> Self {
        Failed::App(error.into())
    }
}

impl<T> IdempotentJson<T> {
    /// See [`Idempotent::replay`].
    pub async fn replay(&self, auth: &Authenticated) -> Result<Option<Response>, AppError> {
        self.request.replay(auth).await
    }

    /// See [`Idempotent::write`].
    pub async fn write<R: serde::Serialize>(
        &self,
        auth: &Authenticated,
        status: StatusCode,
        work: impl AsyncFnOnce() -> Result<R, AppError>,
    ) -> Result<Response, AppError> {
        self.request.write(auth, status, work).await
    }
}
