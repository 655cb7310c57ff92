use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
pub const ROUTES: &[&str] = &["/api/health", "/api/referentiel/...", "/api/carnets/..."];

pub fn router(platform: Arc<dyn Platform>) -> axum::Router {
    routing::finish(routes(), AppState::new(platform, "carnets"))
}

carnet_http::operations! {
    crate::api => [instance_health, health],
    crate::referentiel => [get_referentiel, search_rome],
    crate::notebook => [view, timeline],
    crate::own => [mine],
    crate::lists => [portfolio, structure, department, recent, search, dispositifs, structures],
    crate::orientation => [requests, professionals],
    crate::dashboard => [figures],
}

carnet_http::health_operation!(health, "/api/carnets/health");
carnet_http::health_operation!(instance_health, "/api/health");
