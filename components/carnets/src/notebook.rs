//! One notebook: its full view or restricted card, and its timeline. The policy
//! (`carnet_domain::access::notebook_read`) decides; every read writes an access-log row in the
//! same transaction as the read.

use axum::extract::{Path, Query};
use axum::Json;
use carnet_domain::access::{notebook_read, Actor, ReadAccess};
use carnet_domain::{Id, Instant};
use carnet_http::auth::Authenticated;
use carnet_http::{AppError, FieldError};
use carnet_store::repo::carnets;
use carnet_store::repo::timeline::{self, EventFilter};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn actor(auth: &Authenticated) -> Actor {
    Actor {
        account_id: auth.account_id,
        assignment: auth.assignment,
    }
}

/// The caller's access to a notebook; 404 when it does not exist or may not be known.
async fn access(auth: &Authenticated, id: &str) -> Result<(Id, ReadAccess), AppError> {
    let id = Id::parse(id).map_err(|_| AppError::NotFound)?;
    let facts = carnets::facts(&auth.ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match notebook_read(&actor(auth), &facts) {
        ReadAccess::Hidden => Err(AppError::NotFound),
        ReadAccess::Forbidden => Err(AppError::forbidden(
            "notebook_forbidden",
            "Vous n'avez pas accès à ce carnet.",
        )),
        access => Ok((id, access)),
    }
}

/// `GET /api/carnets/{id}`: the full view, or the restricted card.
pub async fn view(auth: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let (id, access) = access(&auth, &id).await?;
    let db = &auth.ctx.db;
    db.begin().await?;
    let (body, view) = match access {
        ReadAccess::Full { nir } => (carnets::full(db, id, nir, auth.ctx.now).await?, "full"),
        _ => (carnets::card(db, id).await?, "card"),
    };
    auth.log_read_and_commit(id, view).await?;
    Ok(Json(body))
}

#[derive(Deserialize)]
pub struct TimelineQuery {
    page: Option<i64>,
    per_page: Option<i64>,
    /// Dates `YYYY-MM-DD`, inclusive, in the instance's time zone… read as UTC days.
    from: Option<String>,
    to: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    q: Option<String>,
}

pub use carnet_http::validate::paging;

fn day_start(field: &str, date: &str, errors: &mut Vec<FieldError>) -> Option<Instant> {
    let parsed = Instant::parse(&format!("{date}T00:00:00Z"))
        .ok()
        .filter(|_| date.len() == 10);
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            "invalid_date",
            "Date attendue au format AAAA-MM-JJ.",
        ));
    }
    parsed
}

/// `GET /api/carnets/{id}/timeline?page&per_page&from&to&type&q`: full access only.
pub async fn timeline(
    auth: Authenticated,
    Path(id): Path<String>,
    Query(query): Query<TimelineQuery>,
) -> Result<Json<Value>, AppError> {
    let (page, per_page) = paging(query.page, query.per_page)?;
    let mut errors = Vec::new();
    let from = query
        .from
        .as_deref()
        .and_then(|d| day_start("from", d, &mut errors));
    let to = query
        .to
        .as_deref()
        .and_then(|d| day_start("to", d, &mut errors))
        .map(|day| day.plus_seconds(24 * 3600));
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (id, access) = access(&auth, &id).await?;
    if !matches!(access, ReadAccess::Full { .. }) {
        return Err(AppError::forbidden(
            "notebook_forbidden",
            "Vous n'avez pas accès à l'historique de ce carnet.",
        ));
    }
    let filter = EventFilter {
        from,
        to,
        event_type: query.event_type,
        text: query.q.filter(|q| !q.trim().is_empty()),
    };
    let db = &auth.ctx.db;
    db.begin().await?;
    let (events, total) = timeline::page(db, id, &filter, per_page, (page - 1) * per_page).await?;
    auth.log_read_and_commit(id, "timeline").await?;
    Ok(Json(
        json!({ "items": events, "total": total, "page": page, "per_page": per_page }),
    ))
}
