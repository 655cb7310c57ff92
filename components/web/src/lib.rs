//! Component `web`: serves the browser front-end from `static/`. Under Spin the folder is
//! mounted at `/static` (`files` in `spin.toml`); natively the server passes its path through
//! the `static_dir` setting. No database, no session: only files.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use carnet_http::{routing, AppError, AppState, Platform};
use std::sync::Arc;

/// The Spin route this component owns: everything no other component claims.
pub const ROUTES: &[&str] = &["/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "web");
    let router = routes()
        .fallback(serve_file)
        .method_not_allowed_fallback(routing::method_not_allowed);
    routing::with_headers_and_state(router, state)
}

carnet_http::operations! {
    crate => [openapi_document],
}

/// The API's contract, generated from the code (`carnet-server openapi > static/openapi.json`,
/// kept current by the test suite) and served as a static file.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "Contrat",
    summary = "Le présent document OpenAPI 3.1",
    description = "**Rôles** : public. Le contrat de l'API, produit à partir du code ; sa lecture \
        humaine est la page `/api/reference`.",
    responses(
        (status = 200, description = "Le document OpenAPI (JSON).", body = Object,
            example = json!({"openapi": "3.1.0", "info": {"title": "Carnet de bord — API", "version": "0.1.0"}, "paths": {}})),
        (status = 404, description = "`not_found` : le fichier n'est pas installé.", body = carnet_http::openapi::ErrorBody),
    )
)]
async fn openapi_document(State(state): State<AppState>) -> Response {
    match read_static(&state, "openapi.json").await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => AppError::NotFound.into_response(),
    }
}

async fn read_static(state: &AppState, relative: &str) -> std::io::Result<Vec<u8>> {
    let root = state
        .platform
        .setting("static_dir")
        .await
        .unwrap_or_else(|| "/static".to_string());
    std::fs::read(format!("{}/{relative}", root.trim_end_matches('/')))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path to a file under the root, refusing anything that could leave it.
fn relative_path(url_path: &str) -> Option<String> {
    let trimmed = url_path.trim_start_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or("");
    let relative = if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else if !last.contains('.') {
        // Pages have clean URLs: /connexion/confirmer → connexion/confirmer.html
        format!("{trimmed}.html")
    } else {
        trimmed.to_string()
    };
    let safe = relative.split('/').all(|segment| {
        !segment.is_empty()
            && segment != ".."
            && segment != "."
            && !segment.contains('\\')
            && !segment.starts_with('.')
    });
    safe.then_some(relative)
}

async fn serve_file(State(state): State<AppState>, request: Request) -> Response {
    // Spin gives this component every path no other claims (`/...`), unknown API paths too:
    // those get the API's JSON 404, never the application shell.
    if routing::is_api_path(request.uri().path()) {
        return AppError::UnknownRoute.into_response();
    }
    if request.method() != axum::http::Method::GET && request.method() != axum::http::Method::HEAD {
        return AppError::MethodNotAllowed {
            allow: Some(HeaderValue::from_static("GET, HEAD")),
        }
        .into_response();
    }
    let Some(relative) = relative_path(request.uri().path()) else {
        return (StatusCode::NOT_FOUND, "Page introuvable").into_response();
    };
    let file = match read_static(&state, &relative).await {
        Ok(bytes) => Ok((bytes, relative.clone())),
        // The front-end routes its pages itself (history API): a page path with no file of
        // its own (`/carnets/…`, `/connexion/confirmer`) gets the application shell.
        Err(_) if relative.ends_with(".html") => read_static(&state, "index.html")
            .await
            .map(|bytes| (bytes, "index.html".to_string())),
        Err(error) => Err(error),
    };
    match file {
        Ok((bytes, relative)) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&relative)),
            );
            let cache = if relative.ends_with(".html") {
                "no-cache"
            } else {
                "public, max-age=300"
            };
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            response
        }
        Err(_) => (StatusCode::NOT_FOUND, "Page introuvable").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::relative_path;

    #[test]
    fn paths_stay_inside_the_root() {
        assert_eq!(relative_path("/").as_deref(), Some("index.html"));
        assert_eq!(relative_path("/app.js").as_deref(), Some("app.js"));
        assert_eq!(relative_path("/aide/").as_deref(), Some("aide/index.html"));
        assert_eq!(
            relative_path("/connexion/confirmer").as_deref(),
            Some("connexion/confirmer.html")
        );
        for bad in [
            "/../etc/passwd",
            "/a/../../b",
            "/.git/config",
            "/a//b",
            "/a\\..\\b",
        ] {
            assert_eq!(relative_path(bad), None, "{bad}");
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    use spin_sdk::http::{IntoResponse, Request};

    #[spin_sdk::http_service]
    async fn handle(request: Request) -> impl IntoResponse {
        let router = super::router(carnet_http::spin::platform());
        carnet_http::spin::serve(router, request).await
    }
}
