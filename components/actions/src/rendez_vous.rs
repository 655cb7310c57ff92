//! Rendez-vous: create, reschedule, mark present or absent, cancel (kept, with who and when).
//! A rendez-vous marked present, or a contact a member records, sets the notebook's date of last
//! individual contact (retention counts from it). A structure admin manages the rendez-vous of
//! their structure's professionals.

use crate::support::{known, may_write, path_id, trace, updated, version, writable};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use carnet_domain::access::{may_book_with, WriteScope};
use carnet_domain::roles::Role;
use carnet_domain::{Id, Instant};
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::extract::Path;
use carnet_http::idempotency::{Idempotent, IdempotentJson};
use carnet_http::openapi::ErrorBody;
use carnet_http::AppError;
use carnet_store::repo::orientation::professional_structures;
use carnet_store::repo::plan;
use carnet_store::repo::rendez_vous::{self as repo, NewRendezVous as NewRow, RendezVousState};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// The structure a professional works in (their active professional role).
async fn structure_of(auth: &Authenticated, account: Id) -> Result<Option<Id>, AppError> {
    Ok(repo::holder_structure(&auth.ctx.db, account).await?)
}

fn instant(field: &str, text: Option<&str>) -> Result<Instant, AppError> {
    Instant::parse(text.unwrap_or("")).map_err(|_| {
        AppError::field(
            field,
            "invalid",
            "Date et heure attendues (AAAA-MM-JJTHH:MM, avec le fuseau).",
        )
    })
}

/// A rendez-vous is in the next two years and not more than a year back.
fn plausible(now: Instant, at: Instant) -> Result<(), AppError> {
    if at < now.minus_seconds(366 * 86_400) || at > now.plus_seconds(2 * 366 * 86_400) {
        return Err(AppError::field(
            "starts_at",
            "out_of_range",
            "Date de rendez-vous impossible.",
        ));
    }
    Ok(())
}

/// Un rendez-vous à prévoir.
#[derive(Deserialize, ToSchema)]
#[schema(as = NouveauRendezVous)]
#[serde(deny_unknown_fields)]
pub struct NewRendezVous {
    /// Instant RFC 3339, dans les deux ans à venir et au plus un an en arrière.
    #[schema(example = "2026-12-08T10:30:00+01:00")]
    starts_at: Option<String>,
    /// Le professionnel qui le tient (par défaut : soi).
    with_account_id: Option<String>,
}

/// Le rendez-vous prévu.
#[derive(Serialize, ToSchema)]
#[schema(as = RendezVousPrevu, example = json!({"id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
    "starts_at": "2026-12-08T09:30:00.000000Z", "status": "pending", "version": 1}))]
pub struct RendezVousCreated {
    id: Id,
    starts_at: Instant,
    status: carnet_store::repo::carnets::view::RendezVousStatus,
    version: i64,
}

/// `POST /api/write/carnets/{id}/rendez-vous {"starts_at", "with_account_id"}`: with the caller,
/// a member of the notebook, or a professional of the caller's structure
/// ([`may_book_with`]); anyone else is 422 on `with_account_id`.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/rendez-vous",
    tag = "Rendez-vous",
    summary = "Prévoir un rendez-vous",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet ; \
        l'administrateur de la structure qui le tient. Avec soi, un membre du carnet, ou un \
        professionnel de sa structure. Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    request_body = NewRendezVous,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Le rendez-vous prévu.", body = RendezVousCreated),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 422, description = "`validation` : `starts_at` (`required`, `invalid_instant`, `out_of_range`…), `with_account_id` (`unknown`, `not_reachable`) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
pub async fn create(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<NewRendezVous>,
) -> Result<Response, AppError> {
    let (notebook, facts) = known(&auth, &id).await?;
    let starts_at = instant("starts_at", request.body.starts_at.as_deref())?;
    plausible(auth.ctx.now, starts_at)?;
    let unknown = || AppError::field("with_account_id", "unknown", "Professionnel inconnu.");
    let holder = match &request.body.with_account_id {
        Some(id) => Id::parse(id).map_err(|_| unknown())?,
        None => auth.account_id,
    };
    let structure = structure_of(&auth, holder).await?;
    if holder != auth.account_id && structure.is_none() {
        return Err(unknown());
    }
    let scope = if auth.assignment.role == Role::StructureAdmin {
        WriteScope::RendezVous(structure)
    } else {
        WriteScope::NotebookContent
    };
    may_write(&auth, &facts, scope)?;
    let holder_structures = professional_structures(&auth.ctx.db, holder).await?;
    if !may_book_with(&auth.actor(), &facts, holder, &holder_structures) {
        return Err(AppError::field(
            "with_account_id",
            "not_reachable",
            "Ce professionnel ne suit pas cette personne et ne travaille pas dans votre structure : il ne peut pas tenir ce rendez-vous.",
        ));
    }
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    let rendez_vous = Id::new_random();
    request
        .write(&auth, StatusCode::CREATED, async || {
            repo::create(
                db,
                NewRow {
                    id: rendez_vous,
                    notebook_id: notebook,
                    account_id: holder,
                    structure_id: structure,
                    starts_at,
                },
                auth.ctx.now,
                auth.account_id,
            )
            .await?;
            let local = auth.ctx.config.timezone.format_local(starts_at);
            trace(
                &auth,
                notebook,
                "rendez_vous_created",
                &format!("Rendez-vous prévu le {local}"),
                None,
                Some(json!({ "starts_at": starts_at.to_db() })),
            )
            .await?;
            Ok(RendezVousCreated {
                id: rendez_vous,
                starts_at,
                status: carnet_store::repo::carnets::view::RendezVousStatus::Pending,
                version: 1,
            })
        })
        .await
}

/// The write scope of an existing rendez-vous (its structure, for structure admins).
async fn scope_of(auth: &Authenticated, id: &str, item: Id) -> Result<WriteScope, AppError> {
    if auth.assignment.role != Role::StructureAdmin {
        return Ok(WriteScope::NotebookContent);
    }
    let notebook = path_id(id)?;
    let structure = repo::structure(&auth.ctx.db, item, notebook).await?;
    Ok(WriteScope::RendezVous(structure))
}

/// Déplacer un rendez-vous, ou dire si la personne est venue.
#[derive(Deserialize, ToSchema)]
#[schema(as = ModificationRendezVous)]
#[serde(deny_unknown_fields)]
pub struct RendezVousUpdate {
    /// La version sur laquelle se fonde la modification.
    version: Option<i64>,
    /// Le nouvel instant (RFC 3339).
    starts_at: Option<String>,
    /// `present`, `absent` ou `pending`.
    #[schema(example = "present")]
    status: Option<String>,
}

/// The rendez-vous as it is, refused with 409 `cancelled` (and `message`) once cancelled.
async fn not_cancelled(
    db: &carnet_store::Db,
    item: Id,
    notebook: Id,
    message: &str,
) -> Result<RendezVousState, AppError> {
    let state = plan::state::<RendezVousState>(db, item, notebook)
        .await?
        .ok_or(AppError::NotFound)?;
    if state.cancelled_at.is_some() {
        return Err(AppError::conflict("cancelled", message));
    }
    Ok(state)
}

/// Writes `assignments` (`$4…` for `values`) at `version` (409 `stale_version` otherwise), then
/// reads the rendez-vous back.
async fn write_at_version(
    db: &carnet_store::Db,
    item: Id,
    notebook: Id,
    version: i64,
    assignments: &[&str],
    values: Vec<carnet_store::Value>,
) -> Result<RendezVousState, AppError> {
    updated(
        plan::update_state::<RendezVousState>(db, item, notebook, version, assignments, values)
            .await?,
    )?;
    plan::state::<RendezVousState>(db, item, notebook)
        .await?
        .ok_or(AppError::NotFound)
}

/// `PATCH /api/write/carnets/{id}/rendez-vous/{item}`: reschedule, or mark present/absent.
#[utoipa::path(
    patch,
    path = "/api/write/carnets/{id}/rendez-vous/{item}",
    tag = "Rendez-vous",
    summary = "Déplacer un rendez-vous ou noter la présence",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet ; \
        l'administrateur de la structure qui le tient. Une présence compte comme contact individuel.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("item" = Id, Path, description = "Identifiant du rendez-vous")),
    request_body = RendezVousUpdate,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le rendez-vous modifié.", body = RendezVousState),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet ou rendez-vous inconnu.", body = ErrorBody),
        (status = 409, description = "`stale_version` : modifié entre-temps (l'état courant dans `details`) ; `cancelled` : rendez-vous annulé.", body = ErrorBody),
        (status = 422, description = "`validation` : `version` (`required`), `starts_at`, `status` (`unknown_code`, `future`), ou rien à modifier (`empty`).", body = ErrorBody),
    )
)]
pub async fn update(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<RendezVousUpdate>,
) -> Result<Json<RendezVousState>, AppError> {
    let item = path_id(&item)?;
    let (notebook, _) = writable(&auth, &id, scope_of(&auth, &id, item).await?).await?;
    let version = version(body.version)?;
    let starts_at = match &body.starts_at {
        Some(text) => {
            let at = instant("starts_at", Some(text))?;
            plausible(auth.ctx.now, at)?;
            Some(at)
        }
        None => None,
    };
    let status = match body.status.as_deref() {
        None => None,
        Some(s @ ("present" | "absent" | "pending")) => Some(s.to_string()),
        Some(_) => {
            return Err(AppError::field(
                "status",
                "unknown_code",
                "Statut inconnu (present, absent, pending).",
            ))
        }
    };
    if starts_at.is_none() && status.is_none() {
        return Err(AppError::field("", "empty", "Rien à modifier."));
    }
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = not_cancelled(db, item, notebook, "Ce rendez-vous est annulé.").await?;
        let held_at = starts_at.unwrap_or(before.starts_at);
        if status.as_deref() == Some("present") && held_at > auth.ctx.now {
            return Err(AppError::field(
                "status",
                "future",
                "Un rendez-vous à venir ne peut pas être marqué honoré.",
            ));
        }
        let mut assignments = Vec::new();
        let mut values = Vec::new();
        if let Some(at) = starts_at {
            values.push(at.into());
            assignments.push(format!("starts_at = ${}", values.len() + 3));
        }
        if let Some(status) = &status {
            values.push(status.clone().into());
            assignments.push(format!("status = ${}", values.len() + 3));
        }
        let assignments: Vec<&str> = assignments.iter().map(String::as_str).collect();
        let after = write_at_version(db, item, notebook, version, &assignments, values).await?;
        if status.as_deref() == Some("present") {
            repo::record_contact(db, notebook, held_at).await?;
        }
        let local = auth.ctx.config.timezone.format_local(held_at);
        let summary = match status.as_deref() {
            Some("present") => format!("Rendez-vous du {local} honoré"),
            Some("absent") => format!("Absence au rendez-vous du {local}"),
            _ => format!("Rendez-vous déplacé au {local}"),
        };
        trace(
            &auth,
            notebook,
            "rendez_vous_updated",
            &summary,
            Some(serde_json::to_value(&before)?),
            Some(serde_json::to_value(&after)?),
        )
        .await?;
        Ok(Json(after))
    })
    .await
}

/// Annuler un rendez-vous.
#[derive(Deserialize, ToSchema)]
#[schema(as = AnnulationRendezVous)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    /// La version sur laquelle se fonde l'annulation.
    #[schema(example = 1)]
    version: Option<i64>,
}

/// `POST /api/write/carnets/{id}/rendez-vous/{item}/cancel {"version"}`: kept, with who and when.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/rendez-vous/{item}/cancel",
    tag = "Rendez-vous",
    summary = "Annuler un rendez-vous",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet ; \
        l'administrateur de la structure qui le tient. Le rendez-vous est gardé, avec qui l'a annulé et quand.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("item" = Id, Path, description = "Identifiant du rendez-vous")),
    request_body = Cancel,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le rendez-vous annulé.", body = RendezVousState),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet ou rendez-vous inconnu.", body = ErrorBody),
        (status = 409, description = "`stale_version` : modifié entre-temps (l'état courant dans `details`) ; `cancelled` : déjà annulé.", body = ErrorBody),
        (status = 422, description = "`validation` : `version` (`required`).", body = ErrorBody),
    )
)]
pub async fn cancel(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<Cancel>,
) -> Result<Json<RendezVousState>, AppError> {
    let item = path_id(&item)?;
    let (notebook, _) = writable(&auth, &id, scope_of(&auth, &id, item).await?).await?;
    let version = version(body.version)?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = not_cancelled(db, item, notebook, "Ce rendez-vous est déjà annulé.").await?;
        let after = write_at_version(
            db,
            item,
            notebook,
            version,
            &["cancelled_at = $4", "cancelled_by = $5"],
            vec![auth.ctx.now.into(), auth.account_id.into()],
        )
        .await?;
        let local = auth.ctx.config.timezone.format_local(before.starts_at);
        trace(
            &auth,
            notebook,
            "rendez_vous_cancelled",
            &format!("Rendez-vous du {local} annulé"),
            Some(serde_json::to_value(&before)?),
            Some(serde_json::to_value(&after)?),
        )
        .await?;
        Ok(Json(after))
    })
    .await
}

/// Le contact individuel enregistré.
#[derive(Serialize, ToSchema)]
#[schema(as = ContactEnregistre, example = json!({"last_contact_at": "2026-12-04T14:05:00.000000Z"}))]
pub struct ContactRecorded {
    /// La date du dernier contact individuel (elle compte pour la conservation des données).
    last_contact_at: Instant,
}

/// `POST /api/write/carnets/{id}/contacts {}`: a member records an individual contact now;
/// idempotent with an `Idempotency-Key` (a retry records no second contact event). The body,
/// if any, is not read.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/contacts",
    tag = "Rendez-vous",
    summary = "Enregistrer un contact individuel",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet. Un \
        contact maintenant (il repousse l'archivage du carnet). Le corps, s'il y en a un, n'est pas \
        lu. Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le contact enregistré.", body = ContactRecorded),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 422, description = "en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
pub async fn record_individual_contact(
    auth: Authenticated,
    Path(id): Path<String>,
    request: Idempotent,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    request
        .write(&auth, StatusCode::OK, async || {
            repo::record_contact(db, notebook, auth.ctx.now).await?;
            trace(
                &auth,
                notebook,
                "contact_recorded",
                "Contact individuel enregistré",
                None,
                Some(json!({ "at": auth.ctx.now.to_db() })),
            )
            .await?;
            Ok(ContactRecorded {
                last_contact_at: auth.ctx.now,
            })
        })
        .await
}
