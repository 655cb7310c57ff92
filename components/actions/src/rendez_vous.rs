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
use carnet_http::AppError;
use carnet_store::repo::orientation::professional_structures;
use carnet_store::repo::plan::{self, Versioned};
use carnet_store::repo::rendez_vous::{self as repo, NewRendezVous as NewRow};
use serde::Deserialize;
use serde_json::{json, Value};

const STATE: &[&str] = &[
    "starts_at",
    "status",
    "cancelled_at",
    "account_id",
    "structure_id",
];

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRendezVous {
    starts_at: Option<String>,
    /// The professional who holds it (default: oneself).
    with_account_id: Option<String>,
}

/// `POST /api/write/carnets/{id}/rendez-vous {"starts_at", "with_account_id"}`: with the caller,
/// a member of the notebook, or a professional of the caller's structure
/// ([`may_book_with`]); anyone else is 422 on `with_account_id`.
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
    request.write(&auth, StatusCode::CREATED, async || {
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
        let response = json!({ "id": rendez_vous.to_string(), "starts_at": starts_at.to_db(), "status": "pending", "version": 1 });
        Ok(response)
    }).await
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RendezVousUpdate {
    version: Option<i64>,
    starts_at: Option<String>,
    status: Option<String>,
}

/// `PATCH /api/write/carnets/{id}/rendez-vous/{item}`: reschedule, or mark present/absent.
pub async fn update(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<RendezVousUpdate>,
) -> Result<Json<Value>, AppError> {
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
        let before = plan::current(db, Versioned::RendezVous, item, notebook, STATE)
            .await?
            .ok_or(AppError::NotFound)?;
        if !before["cancelled_at"].is_null() {
            return Err(AppError::conflict(
                "cancelled",
                "Ce rendez-vous est annulé.",
            ));
        }
        let held_at = starts_at.unwrap_or_else(|| {
            Instant::parse(before["starts_at"].as_str().unwrap_or("")).unwrap_or(auth.ctx.now)
        });
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
        let new_version = updated(
            plan::update(
                db,
                plan::Item {
                    kind: Versioned::RendezVous,
                    id: item,
                    notebook_id: notebook,
                },
                version,
                &assignments,
                values,
                STATE,
            )
            .await?,
        )?;
        if status.as_deref() == Some("present") {
            repo::record_contact(db, notebook, held_at).await?;
        }
        let after = plan::current(db, Versioned::RendezVous, item, notebook, STATE)
            .await?
            .ok_or(AppError::NotFound)?;
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
            Some(before),
            Some(after.clone()),
        )
        .await?;
        let mut response = after;
        response["version"] = new_version.into();
        Ok(Json(response))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    version: Option<i64>,
}

/// `POST /api/write/carnets/{id}/rendez-vous/{item}/cancel {"version"}`: kept, with who and when.
pub async fn cancel(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<Cancel>,
) -> Result<Json<Value>, AppError> {
    let item = path_id(&item)?;
    let (notebook, _) = writable(&auth, &id, scope_of(&auth, &id, item).await?).await?;
    let version = version(body.version)?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = plan::current(db, Versioned::RendezVous, item, notebook, STATE)
            .await?
            .ok_or(AppError::NotFound)?;
        if !before["cancelled_at"].is_null() {
            return Err(AppError::conflict(
                "cancelled",
                "Ce rendez-vous est déjà annulé.",
            ));
        }
        let new_version = updated(
            plan::update(
                db,
                plan::Item {
                    kind: Versioned::RendezVous,
                    id: item,
                    notebook_id: notebook,
                },
                version,
                &["cancelled_at = $4", "cancelled_by = $5"],
                vec![auth.ctx.now.into(), auth.account_id.into()],
                STATE,
            )
            .await?,
        )?;
        let after = plan::current(db, Versioned::RendezVous, item, notebook, STATE)
            .await?
            .ok_or(AppError::NotFound)?;
        let local = before["starts_at"]
            .as_str()
            .and_then(|s| Instant::parse(s).ok())
            .map(|at| auth.ctx.config.timezone.format_local(at))
            .unwrap_or_default();
        trace(
            &auth,
            notebook,
            "rendez_vous_cancelled",
            &format!("Rendez-vous du {local} annulé"),
            Some(before),
            Some(after.clone()),
        )
        .await?;
        let mut response = after;
        response["version"] = new_version.into();
        Ok(Json(response))
    })
    .await
}

/// `POST /api/write/carnets/{id}/contacts {}`: a member records an individual contact now;
/// idempotent with an `Idempotency-Key` (a retry records no second contact event). The body,
/// if any, is not read.
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
            Ok(json!({ "last_contact_at": auth.ctx.now.to_db() }))
        })
        .await
}
