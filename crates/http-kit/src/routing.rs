//! What every component router shares: the health endpoint, JSON 404 and 405 answers, the JSON
//! error guard, and the security headers.

use crate::context::{current_instant, open_store};
use crate::{AppError, AppState};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_store::{migrations, Dialect};
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

/// `GET …/health`: the store is reachable (one query, every time), its schema version, this
/// component and its version.
/// Answers 503 (with the same body) when the schema is behind.
pub async fn health(State(state): State<AppState>) -> Result<Response, AppError> {
    let (config, db) = open_store(&state).await?;
    // A round trip whatever the process remembers of the schema: health answers 503 when the
    // database cannot be reached, not 200 on a connection it has not used yet.
    db.query("SELECT 1 AS reachable", &[]).await?;
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
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    Ok((code, Json(body)).into_response())
}

/// The fallback of every component router: a JSON 404.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Security headers on every response of every component. `Strict-Transport-Security` only when
/// the instance's public URL is https (a browser ignores it over http, and a local instance on
/// http must stay reachable).
pub async fn security_headers(State(state): State<AppState>, mut response: Response) -> Response {
    let https = state
        .platform
        .setting("public_url")
        .await
        .is_some_and(|url| url.trim().to_ascii_lowercase().starts_with("https://"));
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
    set(
        headers,
        header::HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    if https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    response
}

/// No page of the application uses any of these browser features.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()";

/// Whether a path belongs to the API (`/api` and below): such a path never gets a web page.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The answer to a method a route does not have (axum adds the `Allow` header).
pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed { allow: None }
}

/// The last guard of the API's error contract: an error answer that is not JSON (one made by the
/// framework rather than by a handler) becomes the project's JSON error for its status, keeping
/// its headers (`Allow`). Handlers and the project's extractors never rely on it.
pub async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    eprintln!("a non-JSON {status} answer replaced by the JSON error");
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed { allow: None },
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        status if status.is_server_error() => AppError::internal(format!("{status}")),
        _ => AppError::bad_request("bad_request", "La demande est invalide."),
    };
    let (mut parts, _) = response.into_parts();
    let (json_parts, body) = error.into_response().into_parts();
    parts.status = json_parts.status;
    for (name, value) in &json_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}

/// Finishes a component router: state, JSON 404 and 405 answers, JSON errors only, the body
/// limit, security headers.
pub fn finish(router: axum::Router<AppState>, state: AppState) -> axum::Router {
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES));
    with_headers_and_state(router, state)
}

/// Security headers and state, for a router that brings its own fallback.
pub fn with_headers_and_state(router: axum::Router<AppState>, state: AppState) -> axum::Router {
    router
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// The largest request body any endpoint accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
