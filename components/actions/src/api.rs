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
        .merge(routes())
        .route("/api/write/health", get(routing::health))
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
        )
        .route(
            "/api/write/carnets/{id}/rendez-vous",
            post(crate::rendez_vous::create),
        )
        .route(
            "/api/write/carnets/{id}/rendez-vous/{item}",
            patch(crate::rendez_vous::update),
        )
        .route(
            "/api/write/carnets/{id}/rendez-vous/{item}/cancel",
            post(crate::rendez_vous::cancel),
        )
        .route(
            "/api/write/carnets/{id}/contacts",
            post(crate::rendez_vous::record_individual_contact),
        )
        .route(
            "/api/write/carnets/{id}/members/invite",
            post(crate::members::invite),
        )
        .route(
            "/api/write/carnets/{id}/members/leave",
            post(crate::members::leave),
        )
        .route(
            "/api/write/carnets/{id}/referent",
            post(crate::members::change_referent),
        )
        .route(
            "/api/write/carnets/{id}/orientation",
            post(crate::orientation::orient),
        )
        .route(
            "/api/write/carnets/{id}/orientation-requests",
            post(crate::orientation::request),
        )
        .route(
            "/api/write/orientation-requests/{id}/decision",
            post(crate::orientation::decide),
        );
    routing::finish(routes, state)
}

// Operations moved here from the plain routes above as they are typed and documented.
carnet_http::operations! {
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
}
