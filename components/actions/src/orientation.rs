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
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::carnets;
use carnet_store::repo::orientation::{self as repo, NewRequest};
use carnet_store::repo::outbox::enqueue_content;
use serde::Deserialize;
use serde_json::json;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Orient {
    dispositif_id: Option<String>,
    /// The structure the referent was chosen in (they may work in several).
    structure_id: Option<String>,
    referent_account_id: Option<String>,
}

/// `POST /api/write/carnets/{id}/orientation {"dispositif_id", "referent_account_id"}`,
/// idempotent with an `Idempotency-Key` (a retry neither records nor emails twice).
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
        Ok(json!({ "dispositif_id": dispositif.to_string(), "referent": referent.to_string(), "structure_id": structure.to_string() }))
    }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    reason: Option<String>,
    suggested_dispositif_id: Option<String>,
}

/// `POST /api/write/carnets/{id}/orientation-requests {"reason", "suggested_dispositif_id"}`:
/// the referent only; one pending request at a time. Idempotent with an `Idempotency-Key` (a
/// retry answers as the first request did, not "already pending").
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
        Ok(json!({ "id": request.to_string(), "status": "pending" }))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    decision: Option<String>,
    reason: Option<String>,
    dispositif_id: Option<String>,
    structure_id: Option<String>,
    referent_account_id: Option<String>,
}

/// `POST /api/write/orientation-requests/{id}/decision {"decision": "reorient" | "keep", "reason", …}`,
/// idempotent with an `Idempotency-Key` (a retry answers as the first decision did).
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
        let status = if change.is_some() {
            "accepted"
        } else {
            "denied"
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
        Ok(json!({ "id": request.to_string(), "status": status }))
    })
    .await
}
