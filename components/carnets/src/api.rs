use axum::routing::get;
use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
pub const ROUTES: &[&str] = &["/api/health", "/api/referentiel/...", "/api/carnets/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "carnets");
    let routes = Router::new()
        .route("/api/health", get(routing::health))
        .route("/api/carnets/health", get(routing::health))
        .route("/api/referentiel", get(crate::referentiel::get_referentiel))
        .route(
            "/api/referentiel/rome",
            get(crate::referentiel::search_rome),
        );
    routing::finish(routes, state)
}
