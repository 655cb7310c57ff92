//! Lists, all paged: a professional's portfolio, a structure's, the département's (filtered),
//! recently viewed notebooks, and search. Archived notebooks appear in none of them.

use crate::notebook::paging;
use axum::Json;
use carnet_domain::access::{
    may_list_department, may_list_portfolio, may_list_structure, may_search,
};
use carnet_http::auth::Authenticated;
use carnet_http::extract::Query;
use carnet_http::{AppError, FieldError};
use carnet_store::repo::carnets::{self, DepartmentFilter, ListItem, Page};
use carnet_store::repo::{directory, referentiel};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Paging {
    page: Option<i64>,
    per_page: Option<i64>,
}

fn refused() -> AppError {
    AppError::forbidden(
        "forbidden",
        "Cette liste n'est pas accessible avec votre rôle.",
    )
}

/// `GET /api/carnets/portfolio`: "mes bénéficiaires".
pub async fn portfolio(
    auth: Authenticated,
    Query(query): Query<Paging>,
) -> Result<Json<Page<ListItem>>, AppError> {
    if !may_list_portfolio(&auth.actor()) {
        return Err(refused());
    }
    let (page, per_page) = paging(query.page, query.per_page)?;
    Ok(Json(
        carnets::portfolio(&auth.ctx.db, auth.ctx.now, auth.account_id, page, per_page).await?,
    ))
}

/// `GET /api/carnets/structure`: the notebooks linked to the admin's structure.
pub async fn structure(
    auth: Authenticated,
    Query(query): Query<Paging>,
) -> Result<Json<Page<ListItem>>, AppError> {
    let Some(structure_id) = may_list_structure(&auth.actor()) else {
        return Err(refused());
    };
    let (page, per_page) = paging(query.page, query.per_page)?;
    Ok(Json(
        carnets::structure_portfolio(&auth.ctx.db, auth.ctx.now, structure_id, page, per_page)
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct DepartmentQuery {
    page: Option<i64>,
    per_page: Option<i64>,
    sans_referent: Option<bool>,
    orientation_en_attente: Option<bool>,
    rsa: Option<String>,
}

/// `GET /api/carnets/departement?sans_referent=true&orientation_en_attente=true&rsa=…`.
pub async fn department(
    auth: Authenticated,
    Query(query): Query<DepartmentQuery>,
) -> Result<Json<Page<ListItem>>, AppError> {
    if !may_list_department(&auth.actor()) {
        return Err(refused());
    }
    let (page, per_page) = paging(query.page, query.per_page)?;
    if let Some(code) = &query.rsa {
        if !referentiel::is_known_code(&auth.ctx.db, "rsa_right", code).await? {
            return Err(AppError::Validation(vec![FieldError::new(
                "rsa",
                "unknown_code",
                "Droit RSA inconnu.",
            )]));
        }
    }
    let filter = DepartmentFilter {
        without_referent: query.sans_referent.unwrap_or(false),
        orientation_pending: query.orientation_en_attente.unwrap_or(false),
        rsa_right: query.rsa,
    };
    Ok(Json(
        carnets::department(&auth.ctx.db, auth.ctx.now, &filter, page, per_page).await?,
    ))
}

/// `GET /api/carnets/recent`: the ten notebooks the person opened last.
pub async fn recent(auth: Authenticated) -> Result<Json<Vec<ListItem>>, AppError> {
    if !may_search(&auth.actor()) {
        return Err(refused());
    }
    let mut recent = Vec::new();
    for item in carnets::recent(&auth.ctx.db, auth.ctx.now, auth.account_id, 10).await? {
        // Only what the person may still open (a structure admin's links change).
        let id = carnet_domain::Id::parse(&item.notebook_id).map_err(AppError::internal)?;
        let facts = carnets::facts(&auth.ctx.db, id).await?.unwrap_or_default();
        let access = carnet_domain::access::notebook_read(&auth.actor(), &facts);
        if matches!(
            access,
            carnet_domain::access::ReadAccess::Full { .. }
                | carnet_domain::access::ReadAccess::Card
        ) {
            recent.push(item);
        }
    }
    Ok(Json(recent))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// `GET /api/carnets/search?q=`: names (accent-, case- and typo-tolerant), CAF/MSA number,
/// France Travail identifier, phone.
pub async fn search(
    auth: Authenticated,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Page<ListItem>>, AppError> {
    if !may_search(&auth.actor()) {
        return Err(refused());
    }
    let (page, per_page) = paging(query.page, query.per_page)?;
    let q = query.q.unwrap_or_default();
    if q.trim().chars().count() < 2 || q.chars().count() > 100 {
        return Err(AppError::Validation(vec![FieldError::new(
            "q",
            "length",
            "Saisissez entre 2 et 100 caractères.",
        )]));
    }
    // A structure admin only finds the notebooks linked to their structure.
    let within = may_list_structure(&auth.actor());
    let mut found = carnets::search(&auth.ctx.db, auth.ctx.now, &q, within, page, per_page).await?;
    // Results are cards: no rendez-vous in them.
    for item in &mut found.items {
        item.next_rendez_vous = None;
    }
    Ok(Json(found))
}

/// `GET /api/carnets/dispositifs`: the instance's orientation systems (staff).
pub async fn dispositifs(auth: Authenticated) -> Result<Json<serde_json::Value>, AppError> {
    if !auth.assignment.role.is_staff() {
        return Err(refused());
    }
    let items = directory::dispositifs(&auth.ctx.db).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// `GET /api/carnets/structures`: the instance's structures (staff), sorted the French way.
pub async fn structures(auth: Authenticated) -> Result<Json<serde_json::Value>, AppError> {
    if !auth.assignment.role.is_staff() {
        return Err(refused());
    }
    let items = directory::structures(&auth.ctx.db).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}
