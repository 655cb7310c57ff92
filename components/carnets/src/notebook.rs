//! One notebook: its full view or restricted card, and its timeline. The policy
//! (`carnet_domain::access::notebook_read`) decides; every read writes an access-log row in the
//! same transaction as the read.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::Json;
use carnet_domain::access::{notebook_read, ReadAccess};
use carnet_domain::{Id, Instant};
use carnet_http::auth::{authenticate, authenticate_and_read, Authenticated};
use carnet_http::extract::{Path, Query};
use carnet_http::{AppError, FieldError};
use carnet_http::{AppState, Ctx};
use carnet_store::repo::carnets;
use carnet_store::repo::timeline::{self, EventFilter};
use serde::Deserialize;
use serde_json::{json, Value};

/// A signed-in request on the notebook its path names, with the caller's read access decided
/// by the policy: 404 when the notebook does not exist or may not be known, 403 when known but
/// beyond the caller's rights. The session and the notebook's facts are read in one round trip.
pub struct NotebookRequest {
    pub auth: Authenticated,
    pub id: Id,
    pub access: ReadAccess,
}

impl FromRequestParts<AppState> for NotebookRequest {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let Ok(id) = Id::parse(&raw) else {
            // Not an id: still signed in first (401 before 404), then unknown.
            authenticate(parts, ctx, true).await?;
            return Err(AppError::NotFound);
        };
        let (auth, rows) =
            authenticate_and_read(parts, ctx, (carnets::FACTS_SQL, &[id.into()])).await?;
        let facts = carnets::facts_from_rows(&rows)?.ok_or(AppError::NotFound)?;
        match notebook_read(&auth.actor(), &facts) {
            ReadAccess::Hidden => Err(AppError::NotFound),
            ReadAccess::Forbidden => Err(AppError::forbidden(
                "notebook_forbidden",
                "Vous n'avez pas accès à ce carnet.",
            )),
            access => Ok(NotebookRequest { auth, id, access }),
        }
    }
}

/// `GET /api/carnets/{id}`: the full view, or the restricted card.
pub async fn view(request: NotebookRequest) -> Result<Json<Value>, AppError> {
    let NotebookRequest { auth, id, access } = request;
    let db = &auth.ctx.db;
    let body = match access {
        ReadAccess::Full { nir } => {
            let entry = auth.access_entry(id, "full");
            carnets::full(db, id, nir, auth.ctx.now, &entry).await?
        }
        _ => carnets::card(db, id, &auth.access_entry(id, "card")).await?,
    };
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
    request: NotebookRequest,
    Query(query): Query<TimelineQuery>,
) -> Result<Json<Value>, AppError> {
    let NotebookRequest { auth, id, access } = request;
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
    let entry = auth.access_entry(id, "timeline");
    let (events, total) = timeline::page(
        &auth.ctx.db,
        id,
        &filter,
        per_page,
        (page - 1) * per_page,
        &entry,
    )
    .await?;
    Ok(Json(
        json!({ "items": events, "total": total, "page": page, "per_page": per_page }),
    ))
}
