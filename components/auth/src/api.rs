use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
pub const ROUTES: &[&str] = &["/api/auth/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "auth");
    routing::finish(routes(), state)
}

carnet_http::operations! {
    crate::api => [health],
    crate::sign_in => [request_link, confirm],
    crate::session => [
        who_am_i,
        switch_role,
        logout,
        logout_everywhere,
        accept_cgu,
        request_email_change,
        confirm_email_change,
        set_work_contact,
    ],
    crate::admin => [
        create_structure,
        create_account,
        grant_role,
        revoke_role,
        set_work_contact_of,
        disable_account,
        enable_account,
    ],
    crate::directory => [list_accounts],
}

carnet_http::health_operation!(health, "/api/auth/health");
