//! `GET /api/carnets/mine`: a beneficiary's own notebook, without knowing its id (their role is
//! scoped to the beneficiary, not to the notebook). Same view and same access-log row as
//! `GET /api/carnets/{id}`.

use axum::Json;
use carnet_domain::access::{notebook_read, own_notebook, ReadAccess};
use carnet_http::auth::Authenticated;
use carnet_http::AppError;
use carnet_store::repo::carnets;
use serde_json::Value;

pub async fn mine(auth: Authenticated) -> Result<Json<Value>, AppError> {
    let who = auth.actor();
    let Some(beneficiary) = own_notebook(&who) else {
        return Err(AppError::forbidden(
            "forbidden",
            "Seule la personne accompagnée a un carnet à elle.",
        ));
    };
    let db = &auth.ctx.db;
    let id = carnets::notebook_of(db, beneficiary)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = carnets::facts(db, id).await?.ok_or(AppError::NotFound)?;
    let ReadAccess::Full { nir } = notebook_read(&who, &facts) else {
        return Err(AppError::NotFound);
    };
    let entry = auth.access_entry(id, "full");
    let body = carnets::full(db, id, nir, auth.ctx.now, &entry).await?;
    Ok(Json(body))
}
