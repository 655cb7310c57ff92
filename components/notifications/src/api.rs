use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
pub const ROUTES: &[&str] = &["/api/notifications/...", "/api/test/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "notifications");
    routing::finish(routes(), state)
}

carnet_http::operations! {
    crate::api => [health],
    crate::preferences => [opt_out, get_preferences, put_preferences],
    crate::delivery => [deliver, failed_emails],
    crate::jobs => [reminders, weekly_digest, unassigned_digest, retention],
    crate::test_mode => [set_clock, reset_clock, outbox, reset_data, create_account],
}

carnet_http::health_operation!(health, "/api/notifications/health");
