//! The orientation managers' queue of re-orientation requests, and the professionals of a
//! structure (to choose a new referent). The queue shows each request's reason, which is part of
//! the notebook: every notebook on a page gets an access-log row, in the same transaction.

use crate::notebook::paging;
use axum::Json;
use carnet_domain::access::{may_list_orientation_requests, may_list_professionals};
use carnet_domain::Id;
use carnet_http::auth::Authenticated;
use carnet_http::extract::{Path, Query};
use carnet_http::{AppError, FieldError};
use carnet_store::repo::carnets::Page;
use carnet_store::repo::orientation::{self, OrientationRequest, Professional, RequestStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// `pending` (par défaut) : en attente ; `decided` : décidées ; `all` : toutes.
    #[param(example = "pending")]
    status: Option<String>,
    /// Le numéro de la page, à partir de 1 (1 par défaut).
    page: Option<i64>,
    /// La taille d'une page, de 1 à 100 (20 par défaut).
    per_page: Option<i64>,
}

/// The queue of re-orientation requests; pending requests first (oldest first).
#[utoipa::path(
    get,
    path = "/api/carnets/orientation-requests",
    tag = "Orientation",
    summary = "Les demandes de réorientation",
    description = "**Rôles** : chargé d'orientation, gestionnaire. Les demandes (carnets non \
        archivés) : en attente d'abord, de la plus ancienne à la plus récente, puis les décidées, \
        la plus récente décision d'abord. Chaque carnet de la page est journalisé (le motif fait \
        partie du carnet).",
    params(RequestsQuery),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Une page des demandes.", body = Page<OrientationRequest>, example = json!({
            "items": [{"id": "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b", "notebook_id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90",
                "status": "pending", "reason": "Le projet relève désormais d'un accompagnement professionnel.",
                "created_at": "2026-02-25T10:00:00.000000Z",
                "beneficiary": {"first_name": "Camille", "last_name": "Martin", "birth_date": "1990-04-12"},
                "requested_by": {"account_id": "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f", "name": "Sophie Tifour", "structure": "Mission locale Est"},
                "suggested_dispositif": {"id": "5d0c1e2a-8b3f-4c6d-9e7a-1b2c3d4e5f60", "name": "Accompagnement professionnel"},
                "current_dispositif": null,
                "referent": {"name": "Sophie Tifour", "structure": "Mission locale Est"},
                "decided_at": null, "decided_by": null, "decision_reason": null}],
            "total": 1, "page": 1, "per_page": 20
        })),
        (status = 403, description = "`forbidden` : réservé aux chargés d'orientation et aux gestionnaires ; `cgu_required` : conditions générales d'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : `status` inconnu (`unknown_code`), `page` ou `per_page` hors limites (`out_of_range`), ou paramètre illisible.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn requests(
    auth: Authenticated,
    Query(query): Query<RequestsQuery>,
) -> Result<Json<Page<OrientationRequest>>, AppError> {
    if !may_list_orientation_requests(&auth.actor()) {
        return Err(AppError::forbidden(
            "forbidden",
            "Les demandes d'orientation sont réservées aux chargés d'orientation et aux gestionnaires.",
        ));
    }
    let (page, per_page) = paging(query.page, query.per_page)?;
    let status = match query.status.as_deref() {
        None | Some("") => RequestStatus::Pending,
        Some(code) => RequestStatus::parse(code).ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                "status",
                "unknown_code",
                "Statut attendu : pending, decided ou all.",
            )])
        })?,
    };
    let db = &auth.ctx.db;
    db.transaction(async || {
        let found = orientation::requests(db, status, page, per_page).await?;
        let mut logged: Vec<Id> = Vec::new();
        for item in &found.items {
            if logged.contains(&item.notebook_id) {
                continue;
            }
            logged.push(item.notebook_id);
            auth.log_read(item.notebook_id, "orientation_request")
                .await?;
        }
        Ok(Json(found))
    })
    .await
}

/// Les professionnels actifs d'une structure.
#[derive(Serialize, ToSchema)]
#[schema(as = ProfessionnelsDeStructure)]
pub struct Professionals {
    /// Par nom (ordre alphabétique français).
    items: Vec<Professional>,
}

/// The structure's enabled professionals.
#[utoipa::path(
    get,
    path = "/api/carnets/structures/{id}/professionals",
    tag = "Carnets",
    summary = "Les professionnels d'une structure",
    description = "**Rôles** : professionnel, administrateur de structure, chargé d'orientation, \
        gestionnaire. Les comptes actifs ayant un rôle de professionnel dans la structure, par nom \
        (pour choisir un référent ou inviter un membre).",
    params(("id" = Id, Path, description = "Identifiant de la structure")),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les professionnels.", body = Professionals, example = json!({
            "items": [{"account_id": "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f", "first_name": "Sophie", "last_name": "Tifour",
                "position": "Conseillère en insertion"}]
        })),
        (status = 403, description = "`forbidden` : rôle sans accès à cette liste ; `cgu_required` : conditions générales d'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : aucune structure de cet identifiant.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn professionals(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Professionals>, AppError> {
    if !may_list_professionals(&auth.actor()) {
        return Err(AppError::forbidden(
            "forbidden",
            "Cette liste n'est pas accessible avec votre rôle.",
        ));
    }
    let id = Id::parse(&id).map_err(|_| AppError::NotFound)?;
    let items = orientation::professionals(&auth.ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(Professionals { items }))
}
