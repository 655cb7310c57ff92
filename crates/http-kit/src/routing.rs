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

/// État de l'instance vu par un composant.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Sante, example = json!({
    "status": "ok", "component": "carnets", "version": "0.1.0", "store": "postgres",
    "schema_version": 3, "expected_schema_version": 3, "department_code": "93",
    "department_name": "Seine-Saint-Denis", "department_logo_url": null,
    "timezone": "Europe/Paris", "now": "2026-03-02T08:30:00.000000Z"
}))]
pub struct Health {
    /// `ok`, ou `schema_behind` (réponse 503) quand les migrations n'ont pas été appliquées.
    #[schema(value_type = String, example = "ok")]
    pub status: &'static str,
    #[schema(value_type = String, example = "carnets")]
    pub component: &'static str,
    #[schema(value_type = String)]
    pub version: &'static str,
    /// `sqlite` ou `postgres`.
    #[schema(value_type = String, example = "sqlite")]
    pub store: &'static str,
    pub schema_version: i64,
    pub expected_schema_version: i64,
    pub department_code: String,
    /// Shown by the front-end before anyone signs in.
    pub department_name: String,
    pub department_logo_url: Option<String>,
    /// The instance's IANA time zone: the front-end shows times in it.
    #[schema(value_type = String, example = "Europe/Paris")]
    pub timezone: &'static str,
    /// L'heure de l'instance (UTC), vide si la base n'a pu la donner.
    pub now: String,
}

/// Réponse 503 de la santé : son propre corps quand le schéma est en retard, l'erreur
/// `store_unavailable` quand la base est injoignable.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SanteIndisponible)]
#[serde(untagged)]
#[allow(dead_code)] // Documentation only: `health` answers one or the other.
pub enum HealthUnavailable {
    SchemaBehind(Health),
    Unreachable(crate::openapi::ErrorBody),
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

/// A component's health operation, documented at its own path:
/// `carnet_http::health_operation!(health, "/api/auth/health");` defines `health` there.
#[macro_export]
macro_rules! health_operation {
    ($name:ident, $path:literal) => {
        /// The component's health (see [`carnet_http::routing::health`]).
        #[utoipa::path(
            get,
            path = $path,
            tag = "Santé",
            summary = "État de l'instance et du composant",
            description = "**Rôles** : public (aucune session). La base est interrogée à chaque appel ; \
                la réponse donne la version du schéma, le magasin, le département et son fuseau horaire.",
            responses(
                (status = 200, description = "Le composant et sa base répondent.", body = $crate::routing::Health),
                (status = 503, description = "`schema_behind` dans `status` : le schéma est en retard (même corps) ; \
                    ou l'erreur `store_unavailable` quand la base est injoignable.", body = $crate::routing::HealthUnavailable),
            )
        )]
        pub async fn $name(
            state: ::axum::extract::State<$crate::AppState>,
        ) -> Result<::axum::response::Response, $crate::AppError> {
            $crate::routing::health(state).await
        }
    };
}

/// The fallback of every component router: a JSON 404 `unknown_route`.
pub async fn not_found() -> AppError {
    AppError::UnknownRoute
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
