//! Diagnostic: work situation and its dates, RQTH, education level, contract; situations from
//! the reference list (who added or removed them, and when); job projects (ROME).

use crate::support::{path_id, trace, updated, version, writable};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use carnet_domain::access::WriteScope;
use carnet_domain::{parse_date, Id};
use carnet_http::auth::Authenticated;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::routing::JsonBody;
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::plan::{self, Versioned};
use carnet_store::{params, Db, StoreError, Value as DbValue};
use serde::Deserialize;
use serde_json::{json, Value};

async fn coded(db: &Db, list: &str, code: &str) -> Result<bool, StoreError> {
    Ok(db
        .query_opt("SELECT code FROM ref_coded_value WHERE list_name = $1 AND code = $2 AND retired_at IS NULL", params![list, code])
        .await?
        .is_some())
}

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

const DIAGNOSTIC: &[&str] = &[
    "work_situation",
    "work_situation_date",
    "work_situation_end_date",
    "rqth",
    "education_level",
    "contract_type",
    "contract_sign_date",
    "contract_start_date",
    "contract_end_date",
    "version",
];

async fn diagnostic_state(db: &Db, notebook: Id) -> Result<Value, AppError> {
    let row = db
        .query_one(
            &format!(
                "SELECT {} FROM notebooks WHERE id = $1",
                DIAGNOSTIC.join(", ")
            ),
            params![notebook],
        )
        .await?;
    let mut state = serde_json::Map::new();
    for column in DIAGNOSTIC {
        let value = match *column {
            "rqth" => json!(row.get::<bool>("rqth")?),
            "version" => json!(row.get::<i64>("version")?),
            other => json!(row.get::<Option<String>>(other)?),
        };
        state.insert(column.to_string(), value);
    }
    Ok(Value::Object(state))
}

/// `PATCH /api/write/carnets/{id}/diagnostic`: the fields given, based on the notebook's version.
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
        if let Some(code) = value {
            if coded(db, list, code).await? {
                changes.push((field, code.clone().into()));
            } else {
                check.error(
                    field,
                    "unknown_code",
                    "Valeur inconnue de la liste de référence.",
                );
            }
        }
    }
    let mut dates = Vec::new();
    for (field, value) in [
        ("work_situation_date", &body.work_situation_date),
        ("work_situation_end_date", &body.work_situation_end_date),
        ("contract_sign_date", &body.contract_sign_date),
        ("contract_start_date", &body.contract_start_date),
        ("contract_end_date", &body.contract_end_date),
    ] {
        if let Some(date) = check.parsed(field, value.as_deref(), parse_date) {
            dates.push((field, date));
            changes.push((field, date.format("%Y-%m-%d").to_string().into()));
        }
    }
    let find = |name: &str| dates.iter().find(|(f, _)| *f == name).map(|(_, d)| *d);
    if let (Some(start), Some(end)) = (find("work_situation_date"), find("work_situation_end_date"))
    {
        if end < start {
            check.error(
                "work_situation_end_date",
                "before_start",
                "La fin ne peut pas précéder le début.",
            );
        }
    }
    if let (Some(start), Some(end)) = (find("contract_start_date"), find("contract_end_date")) {
        if end < start {
            check.error(
                "contract_end_date",
                "before_start",
                "La fin ne peut pas précéder le début.",
            );
        }
    }
    if let Some(rqth) = body.rqth {
        changes.push(("rqth", rqth.into()));
    }
    if changes.is_empty() && check.is_ok() {
        check.error("", "empty", "Rien à modifier.");
    }
    check.finish()?;
    db.begin().await?;
    let before = diagnostic_state(db, notebook).await?;
    let mut params = vec![DbValue::from(notebook), DbValue::from(version)];
    let assignments: Vec<String> = changes
        .into_iter()
        .map(|(column, value)| {
            params.push(value);
            format!("{column} = ${}", params.len())
        })
        .collect();
    let sql = format!(
        "UPDATE notebooks SET {}, version = version + 1 WHERE id = $1 AND version = $2",
        assignments.join(", ")
    );
    if db.execute(&sql, &params).await? != 1 {
        return Err(AppError::Conflict {
            code: "stale_version",
            message: "Le diagnostic a été modifié entre-temps : voici son état actuel.".into(),
            details: Some(json!({ "current": before })),
        });
    }
    let after = diagnostic_state(db, notebook).await?;
    trace(
        &auth,
        notebook,
        "diagnostic_updated",
        "Diagnostic mis à jour",
        Some(before),
        Some(after.clone()),
    )
    .await?;
    db.commit().await?;
    Ok(Json(after))
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
    db.begin().await?;
    let active = db
        .query_opt("SELECT id FROM notebook_situations WHERE notebook_id = $1 AND situation_code = $2 AND removed_at IS NULL", params![notebook, code.clone()])
        .await?
        .is_some();
    if active {
        return Err(AppError::conflict(
            "situation_exists",
            "Cette situation figure déjà au diagnostic.",
        ));
    }
    db.execute(
        "INSERT INTO notebook_situations (id, notebook_id, situation_code, added_at, added_by) VALUES ($1, $2, $3, $4, $5)",
        params![Id::new_random(), notebook, code.clone(), auth.ctx.now, auth.account_id],
    )
    .await?;
    trace(
        &auth,
        notebook,
        "situation_added",
        &format!("Situation ajoutée : {label}"),
        None,
        Some(json!({ "code": code, "theme": theme })),
    )
    .await?;
    request
        .commit(
            &auth,
            StatusCode::CREATED,
            json!({ "code": code, "label": label, "theme": theme }),
        )
        .await
}

/// `DELETE /api/write/carnets/{id}/situations/{code}`: kept, with who removed it and when.
pub async fn remove_situation(
    auth: Authenticated,
    Path((id, code)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let db = &auth.ctx.db;
    db.begin().await?;
    let removed = db
        .execute(
            "UPDATE notebook_situations SET removed_at = $3, removed_by = $4 WHERE notebook_id = $1 AND situation_code = $2 AND removed_at IS NULL",
            params![notebook, code.clone(), auth.ctx.now, auth.account_id],
        )
        .await?;
    if removed == 0 {
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
        &format!("Situation retirée : {label}"),
        Some(json!({ "code": code })),
        None,
    )
    .await?;
    db.commit().await?;
    Ok(StatusCode::NO_CONTENT)
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
        Some(code) => {
            let row = db
                .query_opt("SELECT rome_code, label FROM ref_rome_appellation WHERE code = $1 AND retired_at IS NULL", params![code.clone()])
                .await?;
            match row {
                Some(row) => Some((row.get::<String>("rome_code")?, row.get::<String>("label")?)),
                None => {
                    check.error(
                        "appellation",
                        "unknown_code",
                        "Métier inconnu du répertoire ROME.",
                    );
                    None
                }
            }
        }
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
        if let Some(code) = value {
            if coded(db, list, code).await? {
                values.push((field, code.clone().into()));
            } else {
                check.error(
                    field,
                    "unknown_code",
                    "Valeur inconnue de la liste de référence.",
                );
            }
        }
    }
    check.finish()?;
    Ok(JobProject { rome, values })
}

const PROJECT: &[&str] = &[
    "rome_code",
    "rome_label",
    "mobility_radius_km",
    "hourly_wage_cents",
    "contract_type",
    "working_time",
];

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
    db.begin().await?;
    db.execute(
        "INSERT INTO job_projects (id, notebook_id, rome_code, rome_label, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![project, notebook, rome_code.clone(), rome_label.clone(), auth.ctx.now],
    )
    .await?;
    for (column, value) in fields.values {
        db.execute(
            &format!("UPDATE job_projects SET {column} = $2 WHERE id = $1"),
            &[project.into(), value],
        )
        .await?;
    }
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
    request.commit(&auth, StatusCode::CREATED, state).await
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
    db.begin().await?;
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
    db.commit().await?;
    let mut response = after;
    response["version"] = new_version.into();
    Ok(Json(response))
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
    db.begin().await?;
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
    db.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
