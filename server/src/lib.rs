//! The native server: the same component routers as under Spin, mounted at the same routes as
//! `spin.toml`, dispatched by path exactly as Spin does (most specific route wins; a wildcard
//! route `/x/...` matches `/x` and everything below it).

pub mod demo;
pub mod platform;
pub mod scheduler;
pub mod settings;

use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use axum::Router;
use carnet_http::Platform;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub use platform::NativePlatform;

/// A component as mounted: its name, its Spin routes, its router.
pub struct Component {
    pub name: &'static str,
    pub routes: &'static [&'static str],
    pub router: fn(Arc<dyn Platform>) -> Router,
    /// Its operations, documented (the same list as its router's).
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

/// Every component, with the routes it declares (checked against `spin.toml`).
pub const COMPONENTS: &[Component] = &[
    Component {
        name: "auth",
        routes: carnet_auth::ROUTES,
        router: carnet_auth::router,
        openapi: carnet_auth::api::openapi,
    },
    Component {
        name: "carnets",
        routes: carnet_carnets::ROUTES,
        router: carnet_carnets::router,
        openapi: carnet_carnets::api::openapi,
    },
    Component {
        name: "actions",
        routes: carnet_actions::ROUTES,
        router: carnet_actions::router,
        openapi: carnet_actions::api::openapi,
    },
    Component {
        name: "notifications",
        routes: carnet_notifications::ROUTES,
        router: carnet_notifications::router,
        openapi: carnet_notifications::api::openapi,
    },
    Component {
        name: "web",
        routes: carnet_web::ROUTES,
        router: carnet_web::router,
        openapi: carnet_web::openapi,
    },
];

/// The instance's OpenAPI document: every component's operations (served as
/// `static/openapi.json`, written by `carnet-server openapi`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    carnet_http::openapi::document(COMPONENTS.iter().map(|component| (component.openapi)()))
}

/// How well a Spin route matches a path: `None` for no match, higher is more specific.
pub fn route_specificity(route: &str, path: &str) -> Option<usize> {
    match route.strip_suffix("/...") {
        Some(prefix) => {
            let matches = path == prefix
                || (path.starts_with(prefix) && path[prefix.len()..].starts_with('/'));
            matches.then_some(2 * prefix.len())
        }
        None => (path == route).then_some(2 * route.len() + 1),
    }
}

#[derive(Clone)]
struct Mounts(Arc<Vec<(&'static str, Router)>>);

/// The whole application: one router that hands each request to its component.
pub fn app(platform: Arc<dyn Platform>) -> Router {
    let mut mounts = Vec::new();
    for component in COMPONENTS {
        let router = (component.router)(platform.clone());
        for route in component.routes {
            mounts.push((*route, router.clone()));
        }
    }
    Router::new()
        .fallback(dispatch)
        .with_state(Mounts(Arc::new(mounts)))
}

async fn dispatch(State(mounts): State<Mounts>, mut request: Request) -> Response {
    let connect_info = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .cloned();
    let path = request.uri().path().to_string();
    let best = mounts
        .0
        .iter()
        .filter_map(|(route, router)| route_specificity(route, &path).map(|score| (score, router)))
        .max_by_key(|(score, _)| *score)
        .map(|(_, router)| router.clone());
    // As under Spin, the component learns the client's address from `spin-client-addr`; a copy
    // sent by the client is removed first.
    let headers = request.headers_mut();
    headers.remove(carnet_http::context::CLIENT_ADDR_HEADER);
    if let Some(ConnectInfo(peer)) = connect_info {
        if let Ok(value) = http::HeaderValue::from_str(&peer.to_string()) {
            headers.insert(carnet_http::context::CLIENT_ADDR_HEADER, value);
        }
    }
    match best {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => axum::response::IntoResponse::into_response(carnet_http::AppError::UnknownRoute),
    }
}

/// Serves the application on a bound listener until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    platform: Arc<dyn Platform>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_app(listener, app(platform), shutdown).await
}

/// Serves a router (the application, possibly wrapped, as the tests do) on a bound listener
/// until `shutdown` resolves.
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::route_specificity;

    #[test]
    fn spin_route_matching() {
        assert!(route_specificity("/api/auth/...", "/api/auth").is_some());
        assert!(route_specificity("/api/auth/...", "/api/auth/x/y").is_some());
        assert!(route_specificity("/api/auth/...", "/api/authx").is_none());
        assert!(route_specificity("/api/health", "/api/health/x").is_none());
        assert!(route_specificity("/...", "/anything").is_some());
        let exact = route_specificity("/api/health", "/api/health").unwrap();
        let wildcard = route_specificity("/api/health/...", "/api/health").unwrap();
        assert!(exact > wildcard);
        assert!(
            route_specificity("/api/carnets/...", "/api/carnets/1").unwrap()
                > route_specificity("/...", "/api/carnets/1").unwrap()
        );
    }
}
