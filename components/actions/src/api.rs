use axum::routing::{get, patch, post};
use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
/// Every write lives under `/api/write/…`: Spin routes by path only, so writes cannot share the
/// `/api/carnets/…` prefix of the reads.
pub const ROUTES: &[&str] = &["/api/write/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "actions");
    let routes = Router::new()
        .route("/api/write/health", get(routing::health))
        .route(
            "/api/write/beneficiaries",
            post(crate::beneficiaries::create),
        )
        .route(
            "/api/write/structures/{id}",
            patch(crate::structures::update),
        )
        .route(
            "/api/write/dispositifs",
            post(crate::structures::create_dispositif),
        )
        .route(
            "/api/write/carnets/{id}/members/self",
            post(crate::members::attach_self),
        );
    routing::finish(routes, state)
}
