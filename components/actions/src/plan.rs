//! Plan d'action: focuses (axes de travail) → objectifs → actions. Objectifs come from the
//! reference list of their theme or free text; one linked to a contract (CER, PPAE, PACEA, CEJ)
//! requires the beneficiary's recorded agreement. Statuses from the coded values. Every create
//! accepts an Idempotency-Key; every edit or delete names the version it is based on.

use crate::support::{path_id, trace, updated, version, writable};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use carnet_domain::access::WriteScope;
use carnet_domain::{parse_date, Id};
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::extract::{Path, Query};
use carnet_http::idempotency::IdempotentJson;
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::plan::{self, NewAction, NewObjectif, Versioned};
use carnet_store::repo::referentiel;
use serde::Deserialize;
use serde_json::{json, Value};

const OBJECTIF_STATUSES: &[&str] = &["in_progress", "done", "abandonned"];
const ACTION_STATUSES: &[&str] = &[
    "in_progress",
    "abandonned",
    "canceled",
    "done",
    "planned",
    "standby",
];
const CONTRACTS: &[&str] = &["cer", "ppae", "pacea", "cej"];
const MAX_LABEL: usize = 300;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFocus {
    theme: Option<String>,
}

/// `POST /api/write/carnets/{id}/focuses {"theme"}`.
pub async fn create_focus(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<NewFocus>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    let theme = request.body.theme.clone().unwrap_or_default();
    let Some(label) = plan::focus_label(db, &theme).await? else {
        return Err(AppError::field(
            "theme",
            "unknown_code",
            "Choisissez un axe de travail de la liste.",
        ));
    };
    request
        .write(&auth, StatusCode::CREATED, async || {
            if plan::focus_exists(db, notebook, &theme).await? {
                return Err(AppError::conflict(
                    "focus_exists",
                    "Cet axe de travail existe déjà dans le plan d'action.",
                ));
            }
            let focus = Id::new_random();
            plan::create_focus(db, focus, notebook, &theme, auth.ctx.now, auth.account_id).await?;
            trace(
                &auth,
                notebook,
                "focus_added",
                &format!("Axe de travail ajouté : {label}"),
                None,
                Some(json!({ "theme": theme })),
            )
            .await?;
            Ok(json!({ "id": focus.to_string(), "theme": theme, "label": label, "version": 1 }))
        })
        .await
}

/// Whether a reference item's theme belongs to the focus on `focus_theme` (the focus's own theme
/// or one of its sub-themes): objectifs and actions stay under their own axe de travail.
async fn theme_in_focus(
    db: &carnet_store::Db,
    theme: &str,
    focus_theme: &str,
) -> Result<bool, AppError> {
    Ok(plan::theme_focus(db, theme).await?.as_deref() == Some(focus_theme))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewObjectifBody {
    ref_code: Option<String>,
    label: Option<String>,
    linked_to: Option<String>,
    #[serde(default)]
    beneficiary_agreement: bool,
}

/// `POST /api/write/carnets/{id}/focuses/{focus}/objectifs`.
pub async fn create_objectif(
    auth: Authenticated,
    Path((id, focus)): Path<(String, String)>,
    request: IdempotentJson<NewObjectifBody>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let focus = path_id(&focus)?;
    let db = &auth.ctx.db;
    let focus_theme = plan::focus_theme(db, focus, notebook)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = &request.body;
    let mut check = Validator::new();
    let label = match (&body.ref_code, &body.label) {
        (Some(code), _) => match plan::reference(db, "ref_objectif", code).await? {
            Some((label, theme)) => {
                if !theme_in_focus(db, &theme, &focus_theme).await? {
                    check.error(
                        "ref_code",
                        "wrong_theme",
                        "Cet objectif n'appartient pas à cet axe de travail.",
                    );
                }
                label
            }
            None => {
                check.error(
                    "ref_code",
                    "unknown_code",
                    "Objectif inconnu de la liste de référence.",
                );
                String::new()
            }
        },
        (None, label) => check.required("label", label.as_deref(), MAX_LABEL),
    };
    if let Some(contract) = &body.linked_to {
        if !CONTRACTS.contains(&contract.as_str()) {
            check.error(
                "linked_to",
                "unknown_code",
                "Contrat inconnu (cer, ppae, pacea, cej).",
            );
        } else if !body.beneficiary_agreement {
            check.error(
                "beneficiary_agreement",
                "required",
                "Un objectif lié à un contrat demande l'accord enregistré du bénéficiaire.",
            );
        }
    }
    check.finish()?;
    let objectif = Id::new_random();
    request.write(&auth, StatusCode::CREATED, async || {
        plan::create_objectif(
            db,
            NewObjectif {
                id: objectif,
                focus_id: focus,
                notebook_id: notebook,
                ref_code: body.ref_code.as_deref(),
                label: &label,
                linked_to: body.linked_to.as_deref(),
                agreement_recorded_at: body.linked_to.as_ref().map(|_| auth.ctx.now),
            },
            auth.ctx.now,
            auth.account_id,
        )
        .await?;
        trace(
            &auth,
            notebook,
            "objectif_added",
            &format!("Objectif ajouté : {label}"),
            None,
            Some(json!({ "label": label, "linked_to": body.linked_to })),
        )
        .await?;
        let response = json!({ "id": objectif.to_string(), "label": label, "status": "in_progress", "linked_to": body.linked_to, "version": 1 });
        Ok(response)
    }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewActionBody {
    ref_code: Option<String>,
    label: Option<String>,
    start_date: Option<String>,
    due_date: Option<String>,
}

fn dates(
    check: &mut Validator,
    start: Option<&str>,
    due: Option<&str>,
    start_required: bool,
) -> (Option<String>, Option<String>) {
    let start_date = if start_required && start.is_none_or(|s| s.trim().is_empty()) {
        check.error(
            "start_date",
            "required",
            "La date de début est obligatoire.",
        );
        None
    } else {
        check.parsed("start_date", start, parse_date)
    };
    let due_date = check.parsed("due_date", due, parse_date);
    if let (Some(start), Some(due)) = (start_date, due_date) {
        if due < start {
            check.error(
                "due_date",
                "before_start",
                "L'échéance ne peut pas précéder le début.",
            );
        }
    }
    let format = |d: carnet_domain::NaiveDate| d.format("%Y-%m-%d").to_string();
    (start_date.map(format), due_date.map(format))
}

/// `POST /api/write/carnets/{id}/objectifs/{objectif}/actions`.
pub async fn create_action(
    auth: Authenticated,
    Path((id, objectif)): Path<(String, String)>,
    request: IdempotentJson<NewActionBody>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let objectif = path_id(&objectif)?;
    let db = &auth.ctx.db;
    let focus_theme = plan::objectif_focus_theme(db, objectif, notebook)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = &request.body;
    let mut check = Validator::new();
    let label = match (&body.ref_code, &body.label) {
        (Some(code), _) => match plan::reference(db, "ref_action", code).await? {
            Some((label, theme)) => {
                if !theme_in_focus(db, &theme, &focus_theme).await? {
                    check.error(
                        "ref_code",
                        "wrong_theme",
                        "Cette action n'appartient pas à l'axe de travail de l'objectif.",
                    );
                }
                label
            }
            None => {
                check.error(
                    "ref_code",
                    "unknown_code",
                    "Action inconnue de la liste de référence.",
                );
                String::new()
            }
        },
        (None, label) => check.required("label", label.as_deref(), MAX_LABEL),
    };
    let (start_date, due_date) = dates(
        &mut check,
        body.start_date.as_deref(),
        body.due_date.as_deref(),
        true,
    );
    check.finish()?;
    let start_date = start_date.unwrap_or_default();
    let action = Id::new_random();
    request.write(&auth, StatusCode::CREATED, async || {
        plan::create_action(
            db,
            NewAction {
                id: action,
                objectif_id: objectif,
                notebook_id: notebook,
                ref_code: body.ref_code.as_deref(),
                label: &label,
                start_date: &start_date,
                due_date: due_date.as_deref(),
            },
            auth.ctx.now,
            auth.account_id,
        )
        .await?;
        trace(
            &auth,
            notebook,
            "action_added",
            &format!("Action ajoutée : {label}"),
            None,
            Some(json!({ "label": label, "start_date": start_date, "due_date": due_date })),
        )
        .await?;
        let response = json!({ "id": action.to_string(), "label": label, "status": "in_progress", "start_date": start_date, "due_date": due_date, "version": 1 });
        Ok(response)
    }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemUpdate {
    version: Option<i64>,
    status: Option<String>,
    label: Option<String>,
    start_date: Option<String>,
    due_date: Option<String>,
}

async fn status_label(auth: &Authenticated, list: &str, code: &str) -> Result<String, AppError> {
    Ok(referentiel::coded_value_label(&auth.ctx.db, list, code)
        .await?
        .unwrap_or_else(|| code.to_string()))
}

/// `PATCH /api/write/carnets/{id}/objectifs/{item}` and `…/actions/{item}`: status (one step),
/// label, dates; based on a version.
async fn update_item(
    auth: Authenticated,
    id: String,
    item: String,
    kind: Versioned,
    body: ItemUpdate,
) -> Result<Json<Value>, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let item = path_id(&item)?;
    let version = version(body.version)?;
    let (statuses, list, noun) = match kind {
        Versioned::Objectif => (OBJECTIF_STATUSES, "target_status", "l'objectif"),
        _ => (ACTION_STATUSES, "action_status", "l'action"),
    };
    let mut check = Validator::new();
    if let Some(status) = &body.status {
        if !statuses.contains(&status.as_str()) {
            check.error("status", "unknown_code", "Statut inconnu.");
        }
    }
    let label = check.text("label", body.label.as_deref(), MAX_LABEL);
    if body.label.is_some() && label.is_none() && check.is_ok() {
        check.error("label", "required", "Le libellé ne peut pas être vide.");
    }
    let (start_date, due_date) = if kind == Versioned::Action {
        dates(
            &mut check,
            body.start_date.as_deref(),
            body.due_date.as_deref(),
            false,
        )
    } else {
        if body.start_date.is_some() || body.due_date.is_some() {
            check.error(
                "due_date",
                "not_applicable",
                "Un objectif n'a pas de dates.",
            );
        }
        (None, None)
    };
    if body.status.is_none()
        && label.is_none()
        && start_date.is_none()
        && due_date.is_none()
        && check.is_ok()
    {
        check.error("", "empty", "Rien à modifier.");
    }
    check.finish()?;
    let state_columns: &[&str] = match kind {
        Versioned::Objectif => &["label", "status", "linked_to"],
        _ => &["label", "status", "start_date", "due_date"],
    };
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = plan::current(db, kind, item, notebook, state_columns)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut assignments = Vec::new();
        let mut values = Vec::new();
        for (column, value) in [
            ("status", body.status.clone()),
            ("label", label),
            ("start_date", start_date),
            ("due_date", due_date),
        ] {
            if let Some(value) = value {
                values.push(value.into());
                assignments.push(format!("{column} = ${}", values.len() + 3));
            }
        }
        let assignments: Vec<&str> = assignments.iter().map(String::as_str).collect();
        let new_version = updated(
            plan::update(
                db,
                plan::Item {
                    kind,
                    id: item,
                    notebook_id: notebook,
                },
                version,
                &assignments,
                values,
                state_columns,
            )
            .await?,
        )?;
        let after = plan::current(db, kind, item, notebook, state_columns)
            .await?
            .ok_or(AppError::NotFound)?;
        let summary = match (&body.status, before["status"].as_str()) {
            (Some(new), Some(old)) if new != old => format!(
                "Statut de {noun} « {} » : {} → {}",
                after["label"].as_str().unwrap_or(""),
                status_label(&auth, list, old).await?,
                status_label(&auth, list, new).await?
            ),
            _ => format!(
                "Modification de {noun} « {} »",
                after["label"].as_str().unwrap_or("")
            ),
        };
        let event = if kind == Versioned::Objectif {
            "objectif_updated"
        } else {
            "action_updated"
        };
        trace(
            &auth,
            notebook,
            event,
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

pub async fn update_objectif(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<ItemUpdate>,
) -> Result<Json<Value>, AppError> {
    update_item(auth, id, item, Versioned::Objectif, body).await
}

pub async fn update_action(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<ItemUpdate>,
) -> Result<Json<Value>, AppError> {
    update_item(auth, id, item, Versioned::Action, body).await
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
}

/// `DELETE /api/write/carnets/{id}/{focuses|objectifs|actions}/{item}?version=N`.
async fn delete_item(
    auth: Authenticated,
    id: String,
    item: String,
    kind: Versioned,
    version_given: Option<i64>,
) -> Result<StatusCode, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let item = path_id(&item)?;
    let version = version(version_given)?;
    let columns: &[&str] = match kind {
        Versioned::Focus => &["theme_code"],
        _ => &["label", "status"],
    };
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = plan::current(db, kind, item, notebook, columns).await?;
        updated(plan::delete(db, kind, item, notebook, version, columns).await?)?;
        let (event, summary) = match kind {
            Versioned::Focus => ("focus_deleted", "Axe de travail supprimé".to_string()),
            Versioned::Objectif => (
                "objectif_deleted",
                format!(
                    "Objectif supprimé : {}",
                    before
                        .as_ref()
                        .and_then(|b| b["label"].as_str())
                        .unwrap_or("")
                ),
            ),
            _ => (
                "action_deleted",
                format!(
                    "Action supprimée : {}",
                    before
                        .as_ref()
                        .and_then(|b| b["label"].as_str())
                        .unwrap_or("")
                ),
            ),
        };
        trace(&auth, notebook, event, &summary, before, None).await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

pub async fn delete_focus(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    delete_item(auth, id, item, Versioned::Focus, q.version).await
}

pub async fn delete_objectif(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    delete_item(auth, id, item, Versioned::Objectif, q.version).await
}

pub async fn delete_action(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    delete_item(auth, id, item, Versioned::Action, q.version).await
}
