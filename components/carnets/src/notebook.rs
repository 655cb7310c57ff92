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
use carnet_store::repo::carnets::{self, Card, FullView, Page};
use carnet_store::repo::timeline::{self, Event, EventFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

/// Un carnet tel que la personne peut le lire : la vue complète (`view` = `full`) ou la carte
/// restreinte (`view` = `card`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = CarnetLu)]
pub enum NotebookRead {
    Full(Box<FullView>),
    Card(Card),
}

/// The full view, or the restricted card.
#[utoipa::path(
    get,
    path = "/api/carnets/{id}",
    tag = "Carnets",
    summary = "Lire un carnet",
    description = "**Rôles** : selon la politique d'accès. Vue complète (sans NIR) pour la personne \
        elle-même, les membres du carnet, l'administrateur d'une structure liée et les chargés \
        d'orientation ; vue complète avec NIR pour les gestionnaires ; carte restreinte (noms, date \
        de naissance, membres) pour les autres professionnels. Chaque lecture est journalisée.",
    params(("id" = Id, Path, description = "Identifiant du carnet")),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "La vue complète ou la carte.", body = NotebookRead, example = json!({
            "id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "view": "card",
            "beneficiary": {"first_name": "Camille", "last_name": "Martin", "birth_date": "1990-04-12"},
            "members": [{"account_id": "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f", "member_type": "referent",
                "first_name": "Sophie", "last_name": "Tifour", "email": "sophie.tifour@ml-est.example.fr",
                "phone": null, "position": "Conseillère", "structure": {"name": "structure d'accompagnement"},
                "joined_at": "2026-01-05T10:00:00.000000Z"}]
        })),
        (status = 403, description = "`notebook_forbidden` : carnet connu mais hors de vos droits (archivé, structure plus liée) ; `cgu_required` : conditions générales d'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : aucun carnet de cet identifiant que vous puissiez connaître.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn view(request: NotebookRequest) -> Result<Json<NotebookRead>, AppError> {
    let NotebookRequest { auth, id, access } = request;
    let db = &auth.ctx.db;
    let body = match access {
        ReadAccess::Full { nir } => {
            let entry = auth.access_entry(id, "full");
            NotebookRead::Full(Box::new(
                carnets::full(db, id, nir, auth.ctx.now, &entry).await?,
            ))
        }
        _ => NotebookRead::Card(carnets::card(db, id, &auth.access_entry(id, "card")).await?),
    };
    Ok(Json(body))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Le numéro de la page, à partir de 1 (1 par défaut).
    page: Option<i64>,
    /// La taille d'une page, de 1 à 100 (20 par défaut).
    per_page: Option<i64>,
    /// Depuis ce jour inclus, `AAAA-MM-JJ` (jour UTC).
    #[param(example = "2026-01-01")]
    from: Option<String>,
    /// Jusqu'à ce jour inclus, `AAAA-MM-JJ` (jour UTC).
    #[param(example = "2026-03-31")]
    to: Option<String>,
    /// Seulement les événements de ce type.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "member_joined")]
    event_type: Option<String>,
    /// Des mots du résumé (accents et casse indifférents).
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

/// The notebook's timeline: full access only.
#[utoipa::path(
    get,
    path = "/api/carnets/{id}/timeline",
    tag = "Carnets",
    summary = "L'historique d'un carnet",
    description = "**Rôles** : qui a la vue complète du carnet (la personne elle-même, ses membres, \
        l'administrateur d'une structure liée, les chargés d'orientation, les gestionnaires). Les \
        événements, les plus récents d'abord, filtrés par période, type et mots. Chaque lecture est \
        journalisée.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), TimelineQuery),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Une page de l'historique.", body = Page<Event>, example = json!({
            "items": [{"id": "9f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b", "at": "2026-03-02T08:30:00.000000Z",
                "event_type": "member_joined", "summary": "Sophie Tifour a rejoint le carnet",
                "actor": "Sophie Tifour", "before": null, "after": {"member_type": "referent"}}],
            "total": 1, "page": 1, "per_page": 20
        })),
        (status = 403, description = "`notebook_forbidden` : historique hors de vos droits (carte seulement, ou carnet hors de vos droits) ; `cgu_required` : conditions générales d'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : aucun carnet de cet identifiant que vous puissiez connaître.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : `from` ou `to` mal écrit (`invalid_date`), `page` ou `per_page` hors limites (`out_of_range`), ou paramètre illisible.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn timeline(
    request: NotebookRequest,
    Query(query): Query<TimelineQuery>,
) -> Result<Json<Page<Event>>, AppError> {
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
    Ok(Json(
        timeline::page(&auth.ctx.db, id, &filter, page, per_page, &entry).await?,
    ))
}
