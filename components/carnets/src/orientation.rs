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
use carnet_store::repo::orientation::{self, RequestStatus};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct RequestsQuery {
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// `GET /api/carnets/orientation-requests?status=pending|decided|all&page&per_page`:
/// orientation managers and managers; pending requests first (oldest first).
pub async fn requests(
    auth: Authenticated,
    Query(query): Query<RequestsQuery>,
) -> Result<Json<Page<Value>>, AppError> {
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
        let mut logged: Vec<&str> = Vec::new();
        for item in &found.items {
            let notebook = item["notebook_id"].as_str().unwrap_or_default();
            if logged.contains(&notebook) {
                continue;
            }
            logged.push(notebook);
            let id = Id::parse(notebook).map_err(AppError::internal)?;
            auth.log_read(id, "orientation_request").await?;
        }
        Ok(Json(found))
    })
    .await
}

/// `GET /api/carnets/structures/{id}/professionals`: the structure's enabled professionals.
pub async fn professionals(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
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
    Ok(Json(json!({ "items": items })))
}
