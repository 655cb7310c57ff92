//! One error type for every handler, turned into a JSON body with a stable `code` for programs
//! and a French `message` for people. Internal details are logged, never sent.

use crate::openapi::{ErrorBody, ErrorContent};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use carnet_store::StoreError;
use serde::Serialize;

/// A field of a request body that failed validation.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[schema(as = ChampInvalide)]
pub struct FieldError {
    /// Le champ refusé (chemin JSON, `adresse.code_postal`), vide pour une règle d'ensemble.
    pub field: String,
    /// Code stable (`required`, `invalid_date`, `too_long`…).
    #[schema(value_type = String)]
    pub code: &'static str,
    pub message: String,
}

/// Parses an email field, with the French message every form shows.
pub fn email_field(field: &str, text: &str) -> Result<carnet_domain::Email, FieldError> {
    carnet_domain::Email::parse(text).map_err(|_| {
        FieldError::new(
            field,
            "invalid_email",
            "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
        )
    })
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug)]
pub enum AppError {
    /// 400: the request cannot be read at all (malformed JSON, wrong content type).
    BadRequest { code: &'static str, message: String },
    /// 422: the request was read, and these fields are invalid. Nothing was written.
    Validation(Vec<FieldError>),
    /// 401: no valid session.
    Unauthenticated,
    /// 403: known, but beyond the caller's rights.
    Forbidden { code: &'static str, message: String },
    /// 404: absent, or something the caller may not know of.
    NotFound,
    /// 404: no operation of the API has this path (the routers' fallback).
    UnknownRoute,
    /// 409: conflicts with the current state; `details` may carry that state.
    Conflict {
        code: &'static str,
        message: String,
        details: Option<serde_json::Value>,
    },
    /// 405: the path exists, not with this method; `allow` lists the methods it has (the `Allow`
    /// header, e.g. `GET,HEAD`).
    MethodNotAllowed { allow: Option<HeaderValue> },
    /// 413.
    PayloadTooLarge,
    /// 415: a JSON endpoint sent something that does not say it is JSON.
    UnsupportedMediaType,
    /// 429, with Retry-After in seconds.
    TooManyRequests { retry_after: u64 },
    /// 503, with Retry-After: the store is busy (locked, serialization failure).
    Busy,
    /// 503, with Retry-After: the database cannot be reached or the connection to it was lost
    /// (stopped, restarting, unreachable). Nothing of the request was committed, unless the
    /// connection was lost after the server's commit (then all of it was).
    StoreUnavailable,
    /// 503: the database schema is older than this build.
    SchemaBehind { current: i64, expected: i64 },
    /// 500: a setting is missing or invalid. The message names it (never its value).
    Config {
        setting: &'static str,
        reason: String,
    },
    /// 500: anything else; logged, never shown.
    Internal(String),
}

impl AppError {
    pub fn internal(error: impl std::fmt::Display) -> Self {
        AppError::Internal(error.to_string())
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn field(field: &str, code: &'static str, message: &str) -> Self {
        AppError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::UnknownRoute => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy | AppError::StoreUnavailable | AppError::SchemaBehind { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Config { .. } | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Busy(_) => {
                eprintln!("store busy: {error}");
                AppError::Busy
            }
            StoreError::Unavailable(_) => {
                eprintln!("store unavailable: {error}");
                AppError::StoreUnavailable
            }
            StoreError::UniqueViolation(_) => {
                AppError::conflict("already_exists", "Cet élément existe déjà.")
            }
            StoreError::ConstraintViolation(detail) => {
                eprintln!("constraint violation: {detail}");
                AppError::Validation(vec![FieldError::new(
                    "",
                    "constraint",
                    "La demande ne respecte pas une règle de cohérence des données.",
                )])
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {error}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, message) = match &self {
            AppError::BadRequest { code, message } => (*code, message.clone()),
            AppError::Validation(_) => ("validation", "Certains champs sont invalides.".into()),
            AppError::Unauthenticated => (
                "unauthenticated",
                "Vous devez vous connecter pour continuer.".into(),
            ),
            AppError::Forbidden { code, message } => (*code, message.clone()),
            AppError::NotFound => ("not_found", "Élément introuvable.".into()),
            AppError::UnknownRoute => (
                "unknown_route",
                "Cette adresse de l'API n'existe pas (voir /api/openapi.json).".into(),
            ),
            AppError::Conflict { code, message, .. } => (*code, message.clone()),
            AppError::MethodNotAllowed { .. } => (
                "method_not_allowed",
                "Cette adresse n'accepte pas cette méthode.".into(),
            ),
            AppError::PayloadTooLarge => ("payload_too_large", "La demande est trop volumineuse.".into()),
            AppError::UnsupportedMediaType => (
                "unsupported_media_type",
                "Le corps de la demande doit être du JSON (Content-Type: application/json).".into(),
            ),
            AppError::TooManyRequests { .. } => (
                "too_many_requests",
                "Trop de demandes. Réessayez dans quelques minutes.".into(),
            ),
            AppError::Busy => (
                "busy",
                "Le service est momentanément occupé. Réessayez dans un instant.".into(),
            ),
            AppError::StoreUnavailable => (
                "store_unavailable",
                "Le service est momentanément indisponible. Réessayez dans quelques instants.".into(),
            ),
            AppError::SchemaBehind { current, expected } => (
                "schema_behind",
                format!(
                    "Le schéma de la base de données est en retard (version {current}, version {expected} attendue) : appliquez les migrations."
                ),
            ),
            AppError::Config { setting, reason } => {
                eprintln!("configuration error: setting `{setting}`: {reason}");
                (
                    "configuration",
                    format!("Réglage « {setting} » invalide ou manquant : {reason}."),
                )
            }
            AppError::Internal(detail) => {
                eprintln!("internal error: {detail}");
                ("internal", "Une erreur interne est survenue.".into())
            }
        };
        let (fields, details) = match &self {
            AppError::Validation(fields) => (Some(fields.clone()), None),
            AppError::Conflict { details, .. } => (None, details.clone()),
            _ => (None, None),
        };
        let body = ErrorBody {
            error: ErrorContent {
                code: code.to_string(),
                message,
                fields,
                details,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after } => Some(*retry_after),
            AppError::Busy => Some(1),
            AppError::StoreUnavailable => Some(5),
            AppError::SchemaBehind { .. } => Some(30),
            _ => None,
        };
        if let AppError::MethodNotAllowed { allow: Some(allow) } = &self {
            response.headers_mut().insert(header::ALLOW, allow.clone());
        }
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&seconds.to_string()).expect("digits"),
            );
        }
        response
    }
}
