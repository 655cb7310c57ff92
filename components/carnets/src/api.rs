use axum::routing::get;
use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
pub const ROUTES: &[&str] = &["/api/health", "/api/referentiel/...", "/api/carnets/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "carnets");
    let routes = Router::new()
        .merge(routes())
        .route("/api/carnets/portfolio", get(crate::lists::portfolio))
        .route("/api/carnets/structure", get(crate::lists::structure))
        .route("/api/carnets/departement", get(crate::lists::department))
        .route("/api/carnets/recent", get(crate::lists::recent))
        .route("/api/carnets/dispositifs", get(crate::lists::dispositifs))
        .route("/api/carnets/structures", get(crate::lists::structures))
        .route("/api/carnets/search", get(crate::lists::search))
        .route("/api/carnets/dashboard", get(crate::dashboard::figures))
        .route("/api/carnets/mine", get(crate::own::mine))
        .route(
            "/api/carnets/orientation-requests",
            get(crate::orientation::requests),
        )
        .route(
            "/api/carnets/structures/{id}/professionals",
            get(crate::orientation::professionals),
        )
        .route("/api/carnets/{id}", get(crate::notebook::view))
        .route("/api/carnets/{id}/timeline", get(crate::notebook::timeline));
    routing::finish(routes, state)
}

carnet_http::operations! {
    crate::api => [instance_health, health],
    crate::referentiel => [get_referentiel, search_rome],
}

carnet_http::health_operation!(health, "/api/carnets/health");
carnet_http::health_operation!(instance_health, "/api/health");
