use axum::Router;
use carnet_http::{routing, AppState, Platform};
use std::sync::Arc;

/// The Spin routes this component owns (kept equal to `spin.toml` by `xtask check-routes`).
/// Every write lives under `/api/write/…`: Spin routes by path only, so writes cannot share the
/// `/api/carnets/…` prefix of the reads.
pub const ROUTES: &[&str] = &["/api/write/..."];

pub fn router(platform: Arc<dyn Platform>) -> Router {
    let state = AppState::new(platform, "actions");
    routing::finish(routes(), state)
}

carnet_http::health_operation!(health, "/api/write/health");

carnet_http::operations! {
    crate::api => [health],
    crate::beneficiaries => [create],
    crate::identity => [update_identity, update_contact_details, restore],
    crate::diagnostic => [
        update,
        add_situation,
        remove_situation,
        create_job_project,
        update_job_project,
        delete_job_project,
    ],
    crate::plan => [
        create_focus,
        delete_focus,
        create_objectif,
        update_objectif,
        delete_objectif,
        create_action,
        update_action,
        delete_action,
    ],
    crate::members => [attach_self, invite, leave, change_referent],
    crate::orientation => [orient, request, decide],
    crate::rendez_vous => [create, update, cancel, record_individual_contact],
    crate::structures => [update, create_dispositif],
}
