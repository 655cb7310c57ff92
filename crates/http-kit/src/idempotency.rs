//! Idempotent creates: a create accepts an `Idempotency-Key` header, scoped to the account and
//! kept 24 h. A replay with the same body returns the stored response; the same key with another
//! body gets 422. The response is stored in the same transaction as the write, so a retried save
//! (a network failure after the server committed) writes once.

use crate::auth::Authenticated;
use crate::{AppError, FieldError};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_store::repo::idempotency;
use carnet_store::StoreError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::Digest;

pub const HEADER: &str = "idempotency-key";

/// A JSON body, with the request's idempotency key (if any) and its fingerprint.
pub struct IdempotentJson<T> {
    pub body: T,
    key: Option<String>,
    hash: String,
}

impl<T, S> FromRequest<S> for IdempotentJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let key = match req.headers().get(HEADER) {
            None => None,
            Some(value) => {
                let key = value.to_str().unwrap_or("").trim().to_string();
                if key.is_empty() || key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
                    return Err(AppError::Validation(vec![FieldError::new(
                        HEADER,
                        "invalid",
                        "Clé d'idempotence invalide (1 à 100 caractères visibles).",
                    )]));
                }
                Some(key)
            }
        };
        let route = format!("{} {}", req.method(), req.uri().path());
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        let mut hasher = sha2::Sha256::new();
        hasher.update(route.as_bytes());
        hasher.update([0]);
        hasher.update(&bytes);
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let body = serde_json::from_slice::<T>(&bytes).map_err(|error| {
            if error.is_syntax() || error.is_eof() {
                AppError::bad_request(
                    "malformed_json",
                    "Le corps de la demande n'est pas un JSON valide.",
                )
            } else {
                AppError::Validation(vec![FieldError::new(
                    "",
                    "invalid_body",
                    format!("Contenu invalide : {error}"),
                )])
            }
        })?;
        Ok(IdempotentJson { body, key, hash })
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

impl<T> IdempotentJson<T> {
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

    /// Stores the response (if a key was given) and commits; a concurrent request that used the
    /// same key first wins, and this one answers with its stored response.
    pub async fn commit(
        self,
        auth: &Authenticated,
        status: StatusCode,
        body: Value,
    ) -> Result<Response, AppError> {
        let db = &auth.ctx.db;
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
            if let Err(StoreError::UniqueViolation(_)) = saved {
                db.rollback().await?;
                return match self.replay(auth).await? {
                    Some(response) => Ok(response),
                    None => Err(AppError::Busy),
                };
            }
            saved?;
        }
        db.commit().await?;
        Ok((status, Json(body)).into_response())
    }
}
