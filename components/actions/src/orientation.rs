//! Orientation: an orientation manager orients a beneficiary (dispositif and referent, hence
//! structure); the referent asks for a re-orientation (reason, suggested dispositif); an
//! orientation manager re-orients or keeps the current support, with a reason. Both sides are
//! told by email (no reason, no detail in it).

use crate::members::{dispositif, set_referent};
use crate::support::{known_and_open, path_id, trace};
use axum::http::StatusCode;
use axum::response::Response;
use carnet_domain::roles::Role;
use carnet_domain::{emails, Id};
use carnet_http::auth::Authenticated;
use carnet_http::extract::Path;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::openapi::ErrorBody;
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::carnets;
use carnet_store::repo::orientation::RequestState;
use carnet_store::repo::orientation::{self as repo, NewRequest};
use carnet_store::repo::outbox::enqueue_content;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

fn require_orientation_manager(auth: &Authenticated) -> Result<(), AppError> {
    if auth.assignment.role == Role::OrientationManager {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "forbidden",
            "Seuls les chargés d'orientation décident des orientations.",
        ))
    }
}

/// Emails the referent and, if they have an account, the beneficiary.
async fn tell_both_sides(
    auth: &Authenticated,
    notebook: Id,
    extra: Option<Id>,
) -> Result<(), AppError> {
    let db = &auth.ctx.db;
    let link = format!("{}/carnets/{notebook}", auth.ctx.config.public_url);
    for email in repo::emails_to_tell(db, notebook, extra).await? {
        enqueue_content(db, auth.ctx.now, &email, &emails::orientation_update(&link)).await?;
    }
    Ok(())
}

/// L'orientation décidée : le dispositif et le référent (donc sa structure).
#[derive(Deserialize, ToSchema)]
#[schema(as = DecisionDOrientation)]
#[serde(deny_unknown_fields)]
pub struct Orient {
    dispositif_id: Option<String>,
    /// La structure où le référent a été choisi (il peut travailler dans plusieurs).
    structure_id: Option<String>,
    referent_account_id: Option<String>,
}

/// L'orientation enregistrée.
#[derive(Serialize, ToSchema)]
#[schema(as = OrientationEnregistree, example = json!({"dispositif_id": "5b0c6f0e-2f4a-4a53-9d55-0d8f4f2b6a11",
    "referent": "0b9c2a4e-6a7d-4f3e-9c1b-2d3e4f5a6b7c", "structure_id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"}))]
pub struct Oriented {
    dispositif_id: Id,
    referent: Id,
    structure_id: Id,
}

/// `POST /api/write/carnets/{id}/orientation {"dispositif_id", "referent_account_id"}`,
/// idempotent with an `Idempotency-Key` (a retry neither records nor emails twice).
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/orientation",
    tag = "Orientation",
    summary = "Orienter la personne",
    description = "**Rôles** : chargé d'orientation. Fixe le dispositif et le référent (donc la \
        structure) ; le référent et la personne sont prévenus par courriel (sans détail). Accepte une \
        `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    request_body = Orient,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "L'orientation enregistrée.", body = Oriented),
        (status = 403, description = "`forbidden` : rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 409, description = "`referent_exists` : un autre référent vient d'être nommé.", body = ErrorBody),
        (status = 422, description = "`validation` : `dispositif_id`, `referent_account_id`, `structure_id` (`required`, `unknown`…) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
pub async fn orient(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<Orient>,
) -> Result<Response, AppError> {
    let body = &request.body;
    require_orientation_manager(&auth)?;
    let notebook = known_and_open(&auth, &id).await?.0;
    let db = &auth.ctx.db;
    let dispositif = dispositif(db, "dispositif_id", body.dispositif_id.as_deref()).await?;
    let (referent, structure) = crate::support::professional_structure(
        &auth,
        "referent_account_id",
        body.referent_account_id.as_deref().unwrap_or(""),
        body.structure_id.as_deref(),
    )
    .await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    request.write(&auth, StatusCode::OK, async || {
        set_referent(db, auth.ctx.now, notebook, referent, structure).await?;
        repo::set_dispositif(db, notebook, dispositif).await?;
        trace(&auth, notebook, "oriented", "Orientation décidée", None, Some(json!({ "dispositif_id": dispositif.to_string(), "referent": referent.to_string(), "structure_id": structure.to_string() }))).await?;
        tell_both_sides(&auth, notebook, None).await?;
        Ok(Oriented {
            dispositif_id: dispositif,
            referent,
            structure_id: structure,
        })
    }).await
}

/// Une demande de réorientation.
#[derive(Deserialize, ToSchema)]
#[schema(as = DemandeDeReorientationSaisie)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Le motif (2 000 caractères au plus).
    #[schema(
        example = "Le projet professionnel relève désormais d'un accompagnement vers l'emploi."
    )]
    reason: Option<String>,
    /// Le dispositif suggéré.
    suggested_dispositif_id: Option<String>,
}

/// Une demande de réorientation et son état.
#[derive(Serialize, ToSchema)]
#[schema(as = EtatDeLaDemande, example = json!({"id": "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "status": "pending"}))]
pub struct RequestStatus {
    id: Id,
    status: RequestState,
}

/// `POST /api/write/carnets/{id}/orientation-requests {"reason", "suggested_dispositif_id"}`:
/// the referent only; one pending request at a time. Idempotent with an `Idempotency-Key` (a
/// retry answers as the first request did, not "already pending").
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/orientation-requests",
    tag = "Orientation",
    summary = "Demander une réorientation",
    description = "**Rôles** : le référent du carnet. Une seule demande en attente à la fois ; les \
        chargés d'orientation la décident. Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    request_body = Request,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "La demande, en attente.", body = RequestStatus),
        (status = 403, description = "`forbidden` : seul le référent demande ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 409, description = "`request_pending` : une demande attend déjà.", body = ErrorBody),
        (status = 422, description = "`validation` : `reason` (`required`, `too_long`), `suggested_dispositif_id` (`unknown`) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
pub async fn request(
    auth: Authenticated,
    Path(id): Path<String>,
    sent: IdempotentJson<Request>,
) -> Result<Response, AppError> {
    let body = &sent.body;
    let notebook = known_and_open(&auth, &id).await?.0;
    let db = &auth.ctx.db;
    if !repo::is_referent(db, notebook, auth.account_id).await? {
        let facts = carnets::facts(db, notebook).await?.unwrap_or_default();
        return Err(
            match carnet_domain::access::notebook_read(&auth.actor(), &facts) {
                carnet_domain::access::ReadAccess::Hidden => AppError::NotFound,
                _ => {
                    AppError::forbidden("forbidden", "Seul le référent demande une réorientation.")
                }
            },
        );
    }
    let mut check = Validator::new();
    let reason = check.required_multiline("reason", body.reason.as_deref(), 2000);
    check.finish()?;
    let suggested = match body.suggested_dispositif_id.as_deref() {
        Some(id) => Some(dispositif(db, "suggested_dispositif_id", Some(id)).await?),
        None => None,
    };
    if let Some(replay) = sent.replay(&auth).await? {
        return Ok(replay);
    }
    sent.write(&auth, StatusCode::CREATED, async || {
        if repo::has_pending_request(db, notebook).await? {
            return Err(AppError::conflict(
                "request_pending",
                "Une demande de réorientation est déjà en attente.",
            ));
        }
        let request = Id::new_random();
        repo::create_request(
            db,
            NewRequest {
                id: request,
                notebook_id: notebook,
                requested_by: auth.account_id,
                reason: &reason,
                suggested_dispositif_id: suggested,
            },
            auth.ctx.now,
        )
        .await?;
        trace(
            &auth,
            notebook,
            "reorientation_requested",
            "Demande de réorientation",
            None,
            Some(json!({ "request_id": request.to_string() })),
        )
        .await?;
        Ok(RequestStatus {
            id: request,
            status: RequestState::Pending,
        })
    })
    .await
}

/// La décision sur une demande de réorientation.
#[derive(Deserialize, ToSchema)]
#[schema(as = DecisionSurLaDemande)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `reorient` (avec dispositif et référent) ou `keep`.
    #[schema(example = "keep")]
    decision: Option<String>,
    /// Le motif (2 000 caractères au plus).
    reason: Option<String>,
    dispositif_id: Option<String>,
    structure_id: Option<String>,
    referent_account_id: Option<String>,
}

/// `POST /api/write/orientation-requests/{id}/decision {"decision": "reorient" | "keep", "reason", …}`,
/// idempotent with an `Idempotency-Key` (a retry answers as the first decision did).
#[utoipa::path(
    post,
    path = "/api/write/orientation-requests/{id}/decision",
    tag = "Orientation",
    summary = "Décider d'une demande de réorientation",
    description = "**Rôles** : chargé d'orientation. Réorienter (dispositif et référent) ou maintenir \
        l'accompagnement, avec un motif ; les deux parties sont prévenues par courriel (sans le \
        motif). Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant de la demande"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    request_body = Decision,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "La demande décidée.", body = RequestStatus),
        (status = 403, description = "`forbidden` : rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : demande inconnue ou carnet hors de portée.", body = ErrorBody),
        (status = 409, description = "`already_decided` : déjà décidée ; `referent_exists` : un autre référent vient d'être nommé.", body = ErrorBody),
        (status = 422, description = "`validation` : `decision` (`unknown_code`), `reason` (`required`), `dispositif_id`, `referent_account_id` (`required`, `unknown`…) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
pub async fn decide(
    auth: Authenticated,
    Path(id): Path<String>,
    sent: IdempotentJson<Decision>,
) -> Result<Response, AppError> {
    let body = &sent.body;
    require_orientation_manager(&auth)?;
    let request = path_id(&id)?;
    let db = &auth.ctx.db;
    let info = repo::request_info(db, request)
        .await?
        .ok_or(AppError::NotFound)?;
    let (notebook, requested_by) = (info.notebook_id, info.requested_by);
    known_and_open(&auth, &notebook.to_string()).await?;
    let mut check = Validator::new();
    let reason = check.required_multiline("reason", body.reason.as_deref(), 2000);
    let decision = body.decision.clone().unwrap_or_default();
    if !matches!(decision.as_str(), "reorient" | "keep") {
        check.error(
            "decision",
            "unknown_code",
            "Décision attendue : reorient ou keep.",
        );
    }
    check.finish()?;
    let change = if decision == "reorient" {
        let dispositif = dispositif(db, "dispositif_id", body.dispositif_id.as_deref()).await?;
        let (referent, structure) = crate::support::professional_structure(
            &auth,
            "referent_account_id",
            body.referent_account_id.as_deref().unwrap_or(""),
            body.structure_id.as_deref(),
        )
        .await?;
        Some((dispositif, referent, structure))
    } else {
        None
    };
    if let Some(replay) = sent.replay(&auth).await? {
        return Ok(replay);
    }
    sent.write(&auth, StatusCode::OK, async || {
        let (status, state) = if change.is_some() {
            ("accepted", RequestState::Accepted)
        } else {
            ("denied", RequestState::Denied)
        };
        if !repo::decide_request(db, request, status, auth.ctx.now, auth.account_id, &reason)
            .await?
        {
            return Err(AppError::conflict(
                "already_decided",
                "Cette demande a déjà reçu une décision.",
            ));
        }
        let summary = match change {
            Some((dispositif, referent, structure)) => {
                set_referent(db, auth.ctx.now, notebook, referent, structure).await?;
                repo::set_dispositif(db, notebook, dispositif).await?;
                "Réorientation décidée"
            }
            None => "Accompagnement actuel maintenu",
        };
        trace(
            &auth,
            notebook,
            "reorientation_decided",
            summary,
            None,
            Some(json!({ "request_id": request.to_string(), "status": status })),
        )
        .await?;
        tell_both_sides(&auth, notebook, Some(requested_by)).await?;
        Ok(RequestStatus {
            id: request,
            status: state,
        })
    })
    .await
}
