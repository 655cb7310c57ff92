use axum::routing::{delete, get, patch, post};
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
        )
        .route(
            "/api/write/carnets/{id}/focuses",
            post(crate::plan::create_focus),
        )
        .route(
            "/api/write/carnets/{id}/focuses/{item}",
            delete(crate::plan::delete_focus),
        )
        .route(
            "/api/write/carnets/{id}/focuses/{item}/objectifs",
            post(crate::plan::create_objectif),
        )
        .route(
            "/api/write/carnets/{id}/objectifs/{item}",
            patch(crate::plan::update_objectif).delete(crate::plan::delete_objectif),
        )
        .route(
            "/api/write/carnets/{id}/objectifs/{item}/actions",
            post(crate::plan::create_action),
        )
        .route(
            "/api/write/carnets/{id}/actions/{item}",
            patch(crate::plan::update_action).delete(crate::plan::delete_action),
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
            "/api/write/carnets/{id}/diagnostic",
            patch(crate::diagnostic::update),
        )
        .route(
            "/api/write/carnets/{id}/situations",
            post(crate::diagnostic::add_situation),
        )
        .route(
            "/api/write/carnets/{id}/situations/{code}",
            delete(crate::diagnostic::remove_situation),
        )
        .route(
            "/api/write/carnets/{id}/job-projects",
            post(crate::diagnostic::create_job_project),
        )
        .route(
            "/api/write/carnets/{id}/job-projects/{item}",
            patch(crate::diagnostic::update_job_project)
                .delete(crate::diagnostic::delete_job_project),
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
        )
        .route(
            "/api/write/carnets/{id}/identity",
            patch(crate::identity::update_identity),
        )
        .route(
            "/api/write/carnets/{id}/contact-details",
            patch(crate::identity::update_contact_details),
        )
        .route(
            "/api/write/carnets/{id}/restore",
            post(crate::identity::restore),
        );
    routing::finish(routes, state)
}

// Operations moved here from the plain routes above as they are typed and documented.
carnet_http::operations! {}
