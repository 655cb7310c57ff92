//! Diagnostic: work situation and its dates, RQTH, education level, contract; situations from
//! the reference list (who added or removed them, and when); job projects (ROME).

use crate::support::{path_id, trace, updated, version, writable};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use carnet_domain::access::WriteScope;
use carnet_domain::sensitive::{situation_summary, summary_naming};
use carnet_domain::{parse_date, Id};
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::extract::{Path, Query};
use carnet_http::idempotency::IdempotentJson;
use carnet_http::validate::{emptied, Validator};
use carnet_http::AppError;
use carnet_store::repo::diagnostic::{self, NewJobProject, JOB_PROJECT_COLUMNS as PROJECT};
use carnet_store::repo::plan::{self, Versioned};
use carnet_store::repo::referentiel;
use carnet_store::{Db, Value as DbValue};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticUpdate {
    version: Option<i64>,
    work_situation: Option<String>,
    work_situation_date: Option<String>,
    work_situation_end_date: Option<String>,
    rqth: Option<bool>,
    education_level: Option<String>,
    contract_type: Option<String>,
    contract_sign_date: Option<String>,
    contract_start_date: Option<String>,
    contract_end_date: Option<String>,
}

/// The field to blame when the diagnostic, as it would be saved, ends a period before it starts
/// (work situation, contract): the end if it was sent, else the start. Dates are `YYYY-MM-DD`,
/// so text order is date order.
fn end_before_start<'a>(state: &Value, sent: &[&'a str]) -> Option<&'a str> {
    [
        ("work_situation_date", "work_situation_end_date"),
        ("contract_start_date", "contract_end_date"),
    ]
    .into_iter()
    .find_map(|(start, end)| {
        let (Some(from), Some(to)) = (state[start].as_str(), state[end].as_str()) else {
            return None;
        };
        if to >= from {
            return None;
        }
        sent.iter()
            .find(|field| **field == end)
            .or_else(|| sent.iter().find(|field| **field == start))
            .copied()
    })
}

/// What a coded field of a partial update changes: cleared when emptied, the code when it is
/// current in its reference `list`; else an error on the field and no change.
async fn coded_change(
    db: &Db,
    check: &mut Validator,
    field: &str,
    list: &str,
    value: Option<&str>,
) -> Result<Option<DbValue>, AppError> {
    let Some(code) = value else {
        return Ok(None);
    };
    if emptied(value) {
        return Ok(Some(DbValue::Null));
    }
    if referentiel::is_current_code(db, list, code).await? {
        return Ok(Some(code.into()));
    }
    check.error(
        field,
        "unknown_code",
        "Valeur inconnue de la liste de référence.",
    );
    Ok(None)
}

/// `PATCH /api/write/carnets/{id}/diagnostic`: the fields given, based on the notebook's version;
/// an empty text clears a situation, level, contract type or date (`rqth` is true or false).
pub async fn update(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DiagnosticUpdate>,
) -> Result<Json<Value>, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let version = version(body.version)?;
    let db = &auth.ctx.db;
    let mut check = Validator::new();
    let mut changes: Vec<(&str, DbValue)> = Vec::new();
    for (field, list, value) in [
        ("work_situation", "work_situation", &body.work_situation),
        ("education_level", "education_level", &body.education_level),
        (
            "contract_type",
            "notebook_contract_type",
            &body.contract_type,
        ),
    ] {
        if let Some(change) = coded_change(db, &mut check, field, list, value.as_deref()).await? {
            changes.push((field, change));
        }
    }
    for (field, value) in [
        ("work_situation_date", &body.work_situation_date),
        ("work_situation_end_date", &body.work_situation_end_date),
        ("contract_sign_date", &body.contract_sign_date),
        ("contract_start_date", &body.contract_start_date),
        ("contract_end_date", &body.contract_end_date),
    ] {
        if emptied(value.as_deref()) {
            changes.push((field, DbValue::Null));
        } else if let Some(date) = check.parsed(field, value.as_deref(), parse_date) {
            changes.push((field, date.format("%Y-%m-%d").to_string().into()));
        }
    }
    if let Some(rqth) = body.rqth {
        changes.push(("rqth", rqth.into()));
    }
    if changes.is_empty() && check.is_ok() {
        check.error("", "empty", "Rien à modifier.");
    }
    // The dates as they would be saved: those sent over those saved. Read outside the
    // transaction; the version check makes the update fail if they change in between.
    let mut would_be = diagnostic::state(db, notebook).await?;
    for (field, value) in &changes {
        match value {
            DbValue::Text(text) => would_be[*field] = json!(text),
            DbValue::Null => would_be[*field] = Value::Null,
            _ => {}
        }
    }
    let sent: Vec<&str> = changes.iter().map(|(field, _)| *field).collect();
    if let Some(field) = end_before_start(&would_be, &sent) {
        check.error(
            field,
            "before_start",
            "La fin ne peut pas précéder le début.",
        );
    }
    check.finish()?;
    db.transaction(async || {
        let before = diagnostic::state(db, notebook).await?;
        if !diagnostic::update(db, notebook, version, changes).await? {
            return Err(AppError::Conflict {
                code: "stale_version",
                message: "Le diagnostic a été modifié entre-temps : voici son état actuel.".into(),
                details: Some(json!({ "current": before })),
            });
        }
        let after = diagnostic::state(db, notebook).await?;
        trace(
            &auth,
            notebook,
            "diagnostic_updated",
            &summary_naming("Diagnostic mis à jour", &changed_keys(&before, &after)),
            Some(before),
            Some(after.clone()),
        )
        .await?;
        Ok(Json(after))
    })
    .await
}

/// The keys of `after` whose value differs in `before`.
fn changed_keys<'a>(before: &Value, after: &'a Value) -> Vec<&'a str> {
    after
        .as_object()
        .map(|state| {
            state
                .iter()
                .filter(|(key, value)| before.get(key.as_str()) != Some(*value))
                .map(|(key, _)| key.as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SituationBody {
    code: Option<String>,
}

/// `POST /api/write/carnets/{id}/situations {"code"}`.
pub async fn add_situation(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<SituationBody>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    let code = request.body.code.clone().unwrap_or_default();
    let Some((label, theme)) = plan::reference(db, "ref_situation", &code).await? else {
        return Err(AppError::field(
            "code",
            "unknown_code",
            "Situation inconnue de la liste de référence.",
        ));
    };
    request
        .write(&auth, StatusCode::CREATED, async || {
            if diagnostic::has_situation(db, notebook, &code).await? {
                return Err(AppError::conflict(
                    "situation_exists",
                    "Cette situation figure déjà au diagnostic.",
                ));
            }
            diagnostic::add_situation(db, notebook, &code, auth.ctx.now, auth.account_id).await?;
            trace(
                &auth,
                notebook,
                "situation_added",
                &situation_summary(&code, &label, "ajoutée"),
                None,
                Some(json!({ "code": code, "theme": theme })),
            )
            .await?;
            Ok(json!({ "code": code, "label": label, "theme": theme }))
        })
        .await
}

/// `DELETE /api/write/carnets/{id}/situations/{code}`: kept, with who removed it and when.
pub async fn remove_situation(
    auth: Authenticated,
    Path((id, code)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        if !diagnostic::remove_situation(db, notebook, &code, auth.ctx.now, auth.account_id).await?
        {
            return Err(AppError::NotFound);
        }
        let label = plan::reference(db, "ref_situation", &code)
            .await?
            .map(|(l, _)| l)
            .unwrap_or_default();
        trace(
            &auth,
            notebook,
            "situation_removed",
            &situation_summary(&code, &label, "retirée"),
            Some(json!({ "code": code })),
            None,
        )
        .await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobProjectBody {
    version: Option<i64>,
    /// Our code of a ROME appellation (`APP-…`).
    appellation: Option<String>,
    mobility_radius_km: Option<i64>,
    hourly_wage_cents: Option<i64>,
    contract_type: Option<String>,
    working_time: Option<String>,
}

struct JobProject {
    rome: Option<(String, String)>,
    values: Vec<(&'static str, DbValue)>,
}

async fn job_project_fields(
    db: &Db,
    body: &JobProjectBody,
    creating: bool,
) -> Result<JobProject, AppError> {
    let mut check = Validator::new();
    let mut values: Vec<(&'static str, DbValue)> = Vec::new();
    let rome = match &body.appellation {
        Some(code) => match referentiel::rome_appellation(db, code).await? {
            Some(rome) => Some(rome),
            None => {
                check.error(
                    "appellation",
                    "unknown_code",
                    "Métier inconnu du répertoire ROME.",
                );
                None
            }
        },
        None if creating => {
            check.error("appellation", "required", "Choisissez un métier.");
            None
        }
        None => None,
    };
    if let Some(radius) = body.mobility_radius_km {
        if (0..=500).contains(&radius) {
            values.push(("mobility_radius_km", radius.into()));
        } else {
            check.error("mobility_radius_km", "out_of_range", "Entre 0 et 500 km.");
        }
    }
    if let Some(wage) = body.hourly_wage_cents {
        if (0..=100_000).contains(&wage) {
            values.push(("hourly_wage_cents", wage.into()));
        } else {
            check.error(
                "hourly_wage_cents",
                "out_of_range",
                "Salaire horaire impossible.",
            );
        }
    }
    for (field, list, value) in [
        ("contract_type", "job_contract_type", &body.contract_type),
        ("working_time", "working_time", &body.working_time),
    ] {
        if let Some(change) = coded_change(db, &mut check, field, list, value.as_deref()).await? {
            values.push((field, change));
        }
    }
    check.finish()?;
    Ok(JobProject { rome, values })
}

/// `POST /api/write/carnets/{id}/job-projects`.
pub async fn create_job_project(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<JobProjectBody>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    let fields = job_project_fields(db, &request.body, true).await?;
    let (rome_code, rome_label) = fields.rome.clone().unwrap_or_default();
    let project = Id::new_random();
    request
        .write(&auth, StatusCode::CREATED, async || {
            diagnostic::create_job_project(
                db,
                NewJobProject {
                    id: project,
                    notebook_id: notebook,
                    rome_code: &rome_code,
                    rome_label: &rome_label,
                    values: fields.values,
                },
                auth.ctx.now,
            )
            .await?;
            let state = plan::current(db, Versioned::JobProject, project, notebook, PROJECT)
                .await?
                .ok_or(AppError::NotFound)?;
            trace(
                &auth,
                notebook,
                "job_project_added",
                &format!("Projet professionnel ajouté : {rome_label}"),
                None,
                Some(state.clone()),
            )
            .await?;
            Ok(state)
        })
        .await
}

/// `PATCH /api/write/carnets/{id}/job-projects/{item}`.
pub async fn update_job_project(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<JobProjectBody>,
) -> Result<Json<Value>, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let item = path_id(&item)?;
    let version = version(body.version)?;
    let db = &auth.ctx.db;
    let fields = job_project_fields(db, &body, false).await?;
    let mut values: Vec<(&'static str, DbValue)> = fields.values;
    if let Some((code, label)) = fields.rome {
        values.push(("rome_code", code.into()));
        values.push(("rome_label", label.into()));
    }
    if values.is_empty() {
        return Err(AppError::field("", "empty", "Rien à modifier."));
    }
    db.transaction(async || {
        let before = plan::current(db, Versioned::JobProject, item, notebook, PROJECT)
            .await?
            .ok_or(AppError::NotFound)?;
        let assignments: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}", i + 4))
            .collect();
        let assignments: Vec<&str> = assignments.iter().map(String::as_str).collect();
        let new_version = updated(
            plan::update(
                db,
                plan::Item {
                    kind: Versioned::JobProject,
                    id: item,
                    notebook_id: notebook,
                },
                version,
                &assignments,
                values.into_iter().map(|(_, v)| v).collect(),
                PROJECT,
            )
            .await?,
        )?;
        let after = plan::current(db, Versioned::JobProject, item, notebook, PROJECT)
            .await?
            .ok_or(AppError::NotFound)?;
        trace(
            &auth,
            notebook,
            "job_project_updated",
            &format!(
                "Projet professionnel modifié : {}",
                after["rome_label"].as_str().unwrap_or("")
            ),
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
pub struct VersionQuery {
    version: Option<i64>,
}

/// `DELETE /api/write/carnets/{id}/job-projects/{item}?version=N`.
pub async fn delete_job_project(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let item = path_id(&item)?;
    let version = version(q.version)?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = plan::current(db, Versioned::JobProject, item, notebook, PROJECT).await?;
        updated(plan::delete(db, Versioned::JobProject, item, notebook, version, PROJECT).await?)?;
        let label = before
            .as_ref()
            .and_then(|b| b["rome_label"].as_str())
            .unwrap_or("")
            .to_string();
        trace(
            &auth,
            notebook,
            "job_project_deleted",
            &format!("Projet professionnel supprimé : {label}"),
            before,
            None,
        )
        .await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}
