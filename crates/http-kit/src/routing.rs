//! What every component router shares: the health endpoint, the JSON 404 fallback, body
//! extraction with French errors, and the security headers.

use crate::context::{current_instant, open_store};
use crate::{AppError, AppState};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_store::{migrations, Dialect};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Serialize)]
pub struct Health {
    pub status: &'static str,
    pub component: &'static str,
    pub version: &'static str,
    pub store: &'static str,
    pub schema_version: i64,
    pub expected_schema_version: i64,
    pub department_code: String,
    /// Shown by the front-end before anyone signs in.
    pub department_name: String,
    pub department_logo_url: Option<String>,
    /// The instance's IANA time zone: the front-end shows times in it.
    pub timezone: &'static str,
    pub now: String,
}

/// `GET …/health`: the store is reachable, its schema version, this component and its version.
/// Answers 503 (with the same body) when the schema is behind.
pub async fn health(State(state): State<AppState>) -> Result<Response, AppError> {
    let (config, db) = open_store(&state).await?;
    let status = migrations::check_schema(&db).await?;
    let now = current_instant(&config, &db).await.ok();
    let body = Health {
        status: if status.is_behind() {
            "schema_behind"
        } else {
            "ok"
        },
        component: state.component,
        version: VERSION,
        store: match db.dialect() {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        },
        schema_version: status.current,
        expected_schema_version: status.expected,
        department_code: config.department_code,
        department_name: config.department_name,
        department_logo_url: config.department_logo_url,
        timezone: config.timezone.name(),
        now: now.map(|n| n.to_db()).unwrap_or_default(),
    };
    let code = if status.is_behind() {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::OK
    };
    Ok((code, Json(body)).into_response())
}

/// The fallback of every component router: a JSON 404.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A JSON body extractor whose rejections are French `AppError`s.
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        if !json_content_type(req.headers()) {
            return Err(AppError::bad_request(
                "unsupported_media_type",
                "Le corps de la demande doit être du JSON (Content-Type: application/json).",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        crate::body::parse_json(&bytes).map(JsonBody)
    }
}

/// `application/json`, or a `+json` type, as axum's `Json` accepts.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
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

/// Security headers on every response of every component.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    response
}

/// Finishes a component router: state, JSON 404 fallback, security headers.
pub fn finish(router: axum::Router<AppState>, state: AppState) -> axum::Router {
    with_headers_and_state(router.fallback(not_found), state)
}

/// Security headers and state, for a router that brings its own fallback.
pub fn with_headers_and_state(router: axum::Router<AppState>, state: AppState) -> axum::Router {
    router
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// The largest request body any endpoint accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
