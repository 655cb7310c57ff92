use axum::routing::get;
use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
pub const ROUTES: &[&str] = &["/api/notifications/...", "/api/test/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "notifications");
    let routes = Router::new()
        .route("/api/notifications/health", get(routing::health))
        .route(
            "/api/test/clock",
            axum::routing::put(crate::test_mode::set_clock).delete(crate::test_mode::reset_clock),
        )
        .route("/api/test/outbox", get(crate::test_mode::outbox))
        .route(
            "/api/test/data",
            axum::routing::delete(crate::test_mode::reset_data),
        )
        .route(
            "/api/test/accounts",
            axum::routing::post(crate::test_mode::create_account),
        )
        .route(
            "/api/notifications/jobs/deliver",
            axum::routing::post(crate::delivery::deliver),
        )
        .route(
            "/api/notifications/jobs/reminders",
            axum::routing::post(crate::jobs::reminders),
        )
        .route(
            "/api/notifications/jobs/weekly-digest",
            axum::routing::post(crate::jobs::weekly_digest),
        )
        .route(
            "/api/notifications/jobs/unassigned-digest",
            axum::routing::post(crate::jobs::unassigned_digest),
        )
        .route(
            "/api/notifications/jobs/retention",
            axum::routing::post(crate::jobs::retention),
        )
        .route(
            "/api/notifications/opt-out",
            axum::routing::post(crate::preferences::opt_out),
        )
        .route(
            "/api/notifications/preferences",
            get(crate::preferences::get_preferences).put(crate::preferences::put_preferences),
        )
        .route(
            "/api/notifications/failed",
            get(crate::delivery::failed_emails),
        );
    routing::finish(routes, state)
}

// Operations moved here from the plain routes above as they are typed and documented.
carnet_http::operations! {}
