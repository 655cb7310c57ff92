use axum::routing::get;
use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
/// Every write lives under `/api/write/…`: Spin routes by path only, so writes cannot share the
/// `/api/carnets/…` prefix of the reads.
pub const ROUTES: &[&str] = &["/api/write/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "actions");
    let routes = Router::new().route("/api/write/health", get(routing::health));
    routing::finish(routes, state)
}
