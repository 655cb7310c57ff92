use axum::routing::{delete, get, post, put};
use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
pub const ROUTES: &[&str] = &["/api/auth/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "auth");
    let routes = Router::new()
        .route("/api/auth/health", get(routing::health))
        .route("/api/auth/magic-link", post(crate::sign_in::request_link))
        .route("/api/auth/confirm", post(crate::sign_in::confirm))
        .route("/api/auth/me", get(crate::session::who_am_i))
        .route("/api/auth/role", post(crate::session::switch_role))
        .route("/api/auth/logout", post(crate::session::logout))
        .route(
            "/api/auth/logout-all",
            post(crate::session::logout_everywhere),
        )
        .route("/api/auth/cgu", post(crate::session::accept_cgu))
        .route(
            "/api/auth/me/email",
            post(crate::session::request_email_change),
        )
        .route(
            "/api/auth/me/work-contact",
            put(crate::session::set_work_contact),
        )
        .route(
            "/api/auth/me/email/confirm",
            post(crate::session::confirm_email_change),
        )
        .route("/api/auth/structures", post(crate::admin::create_structure))
        .route(
            "/api/auth/accounts",
            get(crate::directory::list_accounts).post(crate::admin::create_account),
        )
        .route(
            "/api/auth/accounts/{id}/roles",
            post(crate::admin::grant_role),
        )
        .route(
            "/api/auth/accounts/{id}/roles/{assignment_id}",
            delete(crate::admin::revoke_role),
        )
        .route(
            "/api/auth/accounts/{id}/work-contact",
            put(crate::admin::set_work_contact_of),
        )
        .route(
            "/api/auth/accounts/{id}/disable",
            post(crate::admin::disable_account),
        )
        .route(
            "/api/auth/accounts/{id}/enable",
            post(crate::admin::enable_account),
        );
    routing::finish(routes, state)
}

// Operations moved here from the plain routes above as they are typed and documented.
carnet_http::operations! {}
