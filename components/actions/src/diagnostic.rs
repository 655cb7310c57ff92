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
use carnet_store::repo::diagnostic::{self, DiagnosticState, JobProjectState, NewJobProject};
use carnet_store::repo::plan;
use carnet_store::repo::referentiel::{self, ThemedList};
use carnet_store::{Db, Value as DbValue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

/// Une modification du diagnostic, fondée sur la version du carnet : les champs donnés ; un
/// texte vide efface une situation, un niveau, un type de contrat ou une date.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ModificationDiagnostic)]
pub struct DiagnosticUpdate {
    /// La version du carnet sur laquelle la modification se fonde.
    #[schema(example = 3)]
    version: Option<i64>,
    /// Situation professionnelle (liste `work_situation`).
    work_situation: Option<String>,
    /// `AAAA-MM-JJ`.
    work_situation_date: Option<String>,
    /// `AAAA-MM-JJ`, pas avant `work_situation_date`.
    work_situation_end_date: Option<String>,
    rqth: Option<bool>,
    /// Niveau de formation (liste `education_level`).
    education_level: Option<String>,
    /// Type de contrat (liste `notebook_contract_type`).
    contract_type: Option<String>,
    /// `AAAA-MM-JJ`.
    contract_sign_date: Option<String>,
    /// `AAAA-MM-JJ`.
    contract_start_date: Option<String>,
    /// `AAAA-MM-JJ`, pas avant `contract_start_date`.
    contract_end_date: Option<String>,
}

/// A dated field of the diagnostic, by name.
fn date_field<'a>(state: &'a mut DiagnosticState, field: &str) -> Option<&'a mut Option<String>> {
    Some(match field {
        "work_situation_date" => &mut state.work_situation_date,
        "work_situation_end_date" => &mut state.work_situation_end_date,
        "contract_sign_date" => &mut state.contract_sign_date,
        "contract_start_date" => &mut state.contract_start_date,
        "contract_end_date" => &mut state.contract_end_date,
        _ => return None,
    })
}

/// The field to blame when the diagnostic, as it would be saved, ends a period before it starts
/// (work situation, contract): the end if it was sent, else the start. Dates are `YYYY-MM-DD`,
/// so text order is date order.
fn end_before_start<'a>(state: &DiagnosticState, sent: &[&'a str]) -> Option<&'a str> {
    [
        (
            "work_situation_date",
            &state.work_situation_date,
            "work_situation_end_date",
            &state.work_situation_end_date,
        ),
        (
            "contract_start_date",
            &state.contract_start_date,
            "contract_end_date",
            &state.contract_end_date,
        ),
    ]
    .into_iter()
    .find_map(|(start, from, end, to)| {
        let (Some(from), Some(to)) = (from, to) else {
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

/// Changes the diagnostic.
#[utoipa::path(
    patch,
    path = "/api/write/carnets/{id}/diagnostic",
    tag = "Diagnostic",
    summary = "Modifier le diagnostic",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Les champs donnés, fondés sur la version du carnet ; un texte vide efface une \
        situation, un niveau, un type de contrat ou une date (`rqth` vaut vrai ou faux).",
    params(("id" = Id, Path, description = "Identifiant du carnet")),
    request_body = DiagnosticUpdate,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le diagnostic enregistré, avec la nouvelle version du carnet.", body = DiagnosticState, example = json!({
            "work_situation": "recherche_emploi", "work_situation_date": "2024-01-15",
            "work_situation_end_date": null, "rqth": false, "education_level": null,
            "contract_type": "cer", "contract_sign_date": "2024-02-01", "contract_start_date": "2024-02-01",
            "contract_end_date": "2024-08-01", "version": 4
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : le carnet a changé entre-temps ; `details.current` est le diagnostic actuel.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `version` : `required` ; listes codées : `unknown_code` ; dates : `invalid`, `out_of_range`, `before_start` ; `empty` : rien à modifier.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn update(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DiagnosticUpdate>,
) -> Result<Json<DiagnosticState>, AppError> {
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
        if let Some(date) = date_field(&mut would_be, field) {
            *date = match value {
                DbValue::Text(text) => Some(text.clone()),
                _ => None,
            };
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
        let (before_data, after_data) = (to_json(&before)?, to_json(&after)?);
        trace(
            &auth,
            notebook,
            "diagnostic_updated",
            &summary_naming(
                "Diagnostic mis à jour",
                &changed_keys(&before_data, &after_data),
            ),
            Some(before_data.clone()),
            Some(after_data.clone()),
        )
        .await?;
        Ok(Json(after))
    })
    .await
}

/// A state as the timeline's free-form data.
fn to_json(state: &impl Serialize) -> Result<Value, AppError> {
    serde_json::to_value(state).map_err(AppError::internal)
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

/// Une situation du référentiel à ajouter au diagnostic.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NouvelleSituation)]
pub struct SituationBody {
    /// Code d'une situation du référentiel.
    #[schema(example = "SIT-001")]
    code: Option<String>,
}

/// La situation ajoutée au diagnostic.
#[derive(Serialize, ToSchema)]
#[schema(as = SituationAjoutee)]
pub struct SituationAdded {
    #[schema(example = "SIT-001")]
    code: String,
    #[schema(example = "Hébergé chez un tiers")]
    label: String,
    /// Le thème de la situation.
    #[schema(example = "logement")]
    theme: String,
}

/// Adds a situation to the diagnostic.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/situations",
    tag = "Diagnostic",
    summary = "Ajouter une situation au diagnostic",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Qui l'a ajoutée, et quand, est gardé ; accepte une `Idempotency-Key`.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),
    ),
    request_body = SituationBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "La situation ajoutée.", body = SituationAdded, example = json!({
            "code": "SIT-001", "label": "Hébergé chez un tiers", "theme": "logement"
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`situation_exists` : le diagnostic la montre déjà.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champ `code` : `unknown_code` ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = carnet_http::openapi::ErrorBody),
    )
)]
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
    let Some(situation) = plan::reference(db, ThemedList::Situations, &code).await? else {
        return Err(AppError::field(
            "code",
            "unknown_code",
            "Situation inconnue de la liste de référence.",
        ));
    };
    let (label, theme) = (situation.label, situation.theme_code);
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
            Ok(SituationAdded {
                code: code.clone(),
                label: label.clone(),
                theme: theme.clone(),
            })
        })
        .await
}

/// Removes a situation from the diagnostic.
#[utoipa::path(
    delete,
    path = "/api/write/carnets/{id}/situations/{code}",
    tag = "Diagnostic",
    summary = "Retirer une situation du diagnostic",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). La situation est gardée, avec qui l'a retirée et quand.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("code" = String, Path, description = "Code de la situation", example = "SIT-001"),
    ),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 204, description = "Retirée."),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu, ou le diagnostic ne montre pas cette situation.", body = carnet_http::openapi::ErrorBody,
            example = json!({"error": {"code": "not_found", "message": "Élément introuvable."}})),
    )
)]
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
        let label = plan::reference(db, ThemedList::Situations, &code)
            .await?
            .map(|situation| situation.label)
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

/// Un projet professionnel : à la création, `appellation` est obligatoire ; une modification
/// donne la version du projet et les champs changés.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProjetProfessionnelSaisi)]
pub struct JobProjectBody {
    /// Modification seulement : la version du projet sur laquelle elle se fonde.
    version: Option<i64>,
    // Our code of a ROME appellation (`APP-…`).
    /// Code d'une appellation ROME (voir `GET /api/referentiel/rome`).
    #[schema(example = "APP-11573")]
    appellation: Option<String>,
    /// Rayon de mobilité, de 0 à 500 km.
    #[schema(example = 30)]
    mobility_radius_km: Option<i64>,
    /// Salaire horaire souhaité, en centimes (de 0 à 100 000).
    #[schema(example = 1200)]
    hourly_wage_cents: Option<i64>,
    /// Type de contrat souhaité (liste `job_contract_type`) ; un texte vide l'efface.
    contract_type: Option<String>,
    /// Temps de travail souhaité (liste `working_time`) ; un texte vide l'efface.
    working_time: Option<String>,
}

struct JobProject {
    rome: Option<referentiel::RomeJob>,
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

/// Adds a job project.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/job-projects",
    tag = "Diagnostic",
    summary = "Ajouter un projet professionnel",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Un métier du répertoire ROME et les souhaits qui l'accompagnent ; accepte une \
        `Idempotency-Key`.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),
    ),
    request_body = JobProjectBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Le projet ajouté.", body = JobProjectState, example = json!({
            "id": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f", "rome_code": "M1607", "rome_label": "Secrétaire",
            "mobility_radius_km": 30, "hourly_wage_cents": null, "contract_type": null, "working_time": null,
            "version": 1
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `appellation` : `required`, `unknown_code` ; `mobility_radius_km`, `hourly_wage_cents` : `out_of_range` ; `contract_type`, `working_time` : `unknown_code` ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = carnet_http::openapi::ErrorBody),
    )
)]
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
    let (rome_code, rome_label) = fields
        .rome
        .clone()
        .map(|rome| (rome.rome_code, rome.label))
        .unwrap_or_default();
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
                    values: fields.values.clone(),
                },
                auth.ctx.now,
            )
            .await?;
            let state = plan::state::<JobProjectState>(db, project, notebook)
                .await?
                .ok_or(AppError::NotFound)?;
            trace(
                &auth,
                notebook,
                "job_project_added",
                &format!("Projet professionnel ajouté : {rome_label}"),
                None,
                Some(to_json(&state)?),
            )
            .await?;
            Ok(state)
        })
        .await
}

/// Changes a job project.
#[utoipa::path(
    patch,
    path = "/api/write/carnets/{id}/job-projects/{item}",
    tag = "Diagnostic",
    summary = "Modifier un projet professionnel",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Les champs donnés, fondés sur la version du projet.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant du projet professionnel"),
    ),
    request_body = JobProjectBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le projet modifié, avec sa nouvelle version.", body = JobProjectState, example = json!({
            "id": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f", "rome_code": "M1607", "rome_label": "Secrétaire",
            "mobility_radius_km": 50, "hourly_wage_cents": 1200, "contract_type": null, "working_time": null,
            "version": 2
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou projet inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : le projet a changé entre-temps ; `details.current` est son état actuel.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `version` : `required` ; `appellation` : `unknown_code` ; `mobility_radius_km`, `hourly_wage_cents` : `out_of_range` ; `contract_type`, `working_time` : `unknown_code` ; `empty` : rien à modifier.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn update_job_project(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<JobProjectBody>,
) -> Result<Json<JobProjectState>, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let item = path_id(&item)?;
    let version = version(body.version)?;
    let db = &auth.ctx.db;
    let fields = job_project_fields(db, &body, false).await?;
    let mut values: Vec<(&'static str, DbValue)> = fields.values;
    if let Some(rome) = fields.rome {
        values.push(("rome_code", rome.rome_code.into()));
        values.push(("rome_label", rome.label.into()));
    }
    if values.is_empty() {
        return Err(AppError::field("", "empty", "Rien à modifier."));
    }
    db.transaction(async || {
        let before = plan::state::<JobProjectState>(db, item, notebook)
            .await?
            .ok_or(AppError::NotFound)?;
        let assignments: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}", i + 4))
            .collect();
        let assignments: Vec<&str> = assignments.iter().map(String::as_str).collect();
        updated(
            plan::update_state::<JobProjectState>(
                db,
                item,
                notebook,
                version,
                &assignments,
                values.iter().map(|(_, v)| v.clone()).collect(),
            )
            .await?,
        )?;
        let after = plan::state::<JobProjectState>(db, item, notebook)
            .await?
            .ok_or(AppError::NotFound)?;
        trace(
            &auth,
            notebook,
            "job_project_updated",
            &format!("Projet professionnel modifié : {}", after.rome_label),
            Some(to_json(&before)?),
            Some(to_json(&after)?),
        )
        .await?;
        Ok(Json(after))
    })
    .await
}

/// La version sur laquelle une suppression se fonde.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// La version actuelle du projet supprimé.
    #[param(example = 1)]
    version: Option<i64>,
}

/// Deletes a job project.
#[utoipa::path(
    delete,
    path = "/api/write/carnets/{id}/job-projects/{item}",
    tag = "Diagnostic",
    summary = "Supprimer un projet professionnel",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Fondé sur la version du projet.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant du projet professionnel"),
        VersionQuery,
    ),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 204, description = "Supprimé."),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou projet inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : le projet a changé entre-temps ; `details.current` est son état actuel.", body = carnet_http::openapi::ErrorBody,
            example = json!({"error": {"code": "stale_version", "message": "Cet élément a été modifié entre-temps : voici son état actuel. Rechargez puis refaites votre modification.", "details": {"current": {"id": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f", "rome_code": "M1607", "rome_label": "Secrétaire", "mobility_radius_km": 30, "hourly_wage_cents": null, "contract_type": null, "working_time": null, "version": 2}}}})),
        (status = 422, description = "`validation` ; paramètre `version` : `required`.", body = carnet_http::openapi::ErrorBody),
    )
)]
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
        let before = plan::state::<JobProjectState>(db, item, notebook).await?;
        updated(plan::delete::<JobProjectState>(db, item, notebook, version).await?)?;
        let label = before
            .as_ref()
            .map(|b| b.rome_label.clone())
            .unwrap_or_default();
        trace(
            &auth,
            notebook,
            "job_project_deleted",
            &format!("Projet professionnel supprimé : {label}"),
            before.as_ref().map(to_json).transpose()?,
            None,
        )
        .await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}
